/** Character-code tests shared by the detectors; plain comparisons, no regex, no allocation. */

export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

export function isAsciiLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

export function isAsciiAlnum(code: number): boolean {
  return isDigit(code) || isAsciiLetter(code);
}

/** ASCII letter, digit or `_`: the characters that make a token continue (`\w`). */
export function isWordChar(code: number): boolean {
  return isAsciiAlnum(code) || code === 95;
}

export function isHexDigit(code: number): boolean {
  return isDigit(code) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

const unicodeLetterOrNumber = /^[\p{L}\p{N}]$/u;

/** A non-ASCII letter or digit (IDN e-mail addresses); only asked near an `@`, so the regex is rare. */
export function isUnicodeLetterOrNumber(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if (code < 0x80) return false;
  return unicodeLetterOrNumber.test(text[index] as string);
}
