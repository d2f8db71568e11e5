/**
 * Where a long string may be cut without leaving a recognisable part of a personal value behind.
 *
 * Every cut in predlog (core's capture limit, the redaction processor's `truncate`, the HTTP body
 * cap) runs before or instead of a detector seeing the whole value. A card number, an e-mail or an
 * IBAN straddling a plain `slice(0, n)` leaves its first digits or its whole local part in the kept
 * prefix, and no detector recognises a fragment. So a cut backs off past:
 *
 * 1. the token it falls in or ends just after: the run of characters that can occur inside an e-mail, card, phone,
 *    IBAN, SSN or IP address (letters and digits of any script, `@ . _ % + - ' ( ) / : # ~ =` and
 *    fullwidth forms), whatever its length up to {@link MAX_TOKEN_BACKOFF};
 * 2. then the short groups before it that a grouped value is written in (`4111 1111 1111 11…`,
 *    `DE89 3704 0044 05…`, `+1 (415) 55…`): a group of at most {@link MAX_GROUP_CHARS} digits,
 *    capitals or `+ ( ) - . /`, joined by one space, up to {@link MAX_GROUP_BACKOFF} characters.
 *
 * Both steps look at a bounded window before the cut, so the work is constant per cut, whatever the
 * length of the string. The kept prefix never ends inside a surrogate pair.
 */

/** E-mail addresses are at most 254 characters; a longer token holds no whole value to protect. */
export const MAX_TOKEN_BACKOFF = 256;
/** Card, IBAN and phone groups are 1–6 characters (IBAN groups of 4, card groups of 4–6). */
export const MAX_GROUP_CHARS = 6;
/** An IBAN is at most 34 characters plus 8 spaces; a card 19 digits plus 6 separators. */
export const MAX_GROUP_BACKOFF = 64;

/** True for a UTF-16 unit that can be part of a personal value written as one token. */
function isValueChar(code: number): boolean {
  if (code >= 0x30 && code <= 0x39) return true; // 0-9
  if (code >= 0x41 && code <= 0x5a) return true; // A-Z
  if (code >= 0x61 && code <= 0x7a) return true; // a-z
  switch (code) {
    case 0x40: // @
    case 0x2e: // .
    case 0x5f: // _
    case 0x25: // %
    case 0x2b: // +
    case 0x2d: // -
    case 0x27: // '
    case 0x28: // (
    case 0x29: // )
    case 0x2f: // /
    case 0x3a: // : (IPv6)
    case 0x23: // #
    case 0x7e: // ~
    case 0x3d: // = (base64 padding, query values)
      return true;
  }
  // Anything outside ASCII that is not a space: letters of other scripts (internationalised
  // e-mail), fullwidth digits and the at sign (U+FF10–FF19, U+FF20), surrogate halves.
  return code > 0x7f && !isWideSpace(code);
}

function isWideSpace(code: number): boolean {
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** True for a unit of a short group in a grouped value: digits, capitals, `+ ( ) - . /`. */
function isGroupChar(code: number): boolean {
  if (code >= 0x30 && code <= 0x39) return true;
  if (code >= 0x41 && code <= 0x5a) return true;
  if (code >= 0xff10 && code <= 0xff19) return true; // fullwidth digits
  return code === 0x2b || code === 0x28 || code === 0x29 || code === 0x2d || code === 0x2e || code === 0x2f;
}

/**
 * The length of the prefix of `text` to keep when it must be at most `maxChars` UTF-16 units long.
 * Returns `text.length` when the whole text fits. The result is at most `maxChars` and may be 0.
 */
export function safeCutLength(text: string, maxChars: number): number {
  if (text.length <= maxChars) return text.length;
  let end = Math.max(0, Math.floor(maxChars));
  // Never keep half of a surrogate pair.
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end--;
  // Step 1: the token the cut falls in or right after (the value may go on past a space or a
  // separator the cut landed on, so a token that ends at the cut is not known to be whole).
  const floor = Math.max(0, end - MAX_TOKEN_BACKOFF);
  while (end > floor && isValueChar(text.charCodeAt(end - 1))) end--;
  // Step 2: the groups before it, each a whole run of at most MAX_GROUP_CHARS group chars after a
  // single space. A longer run is a word, not a group, and ends the back-off.
  const groupFloor = Math.max(0, end - MAX_GROUP_BACKOFF);
  while (end > groupFloor && text.charCodeAt(end - 1) === 0x20) {
    let start = end - 1;
    while (
      start > groupFloor &&
      end - 1 - start <= MAX_GROUP_CHARS &&
      isGroupChar(text.charCodeAt(start - 1))
    )
      start--;
    const groupLength = end - 1 - start;
    if (groupLength === 0 || groupLength > MAX_GROUP_CHARS) break;
    end = start;
  }
  return end;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** `text` cut by {@link safeCutLength}, as a fresh flat string that does not keep `text` alive. */
export function safeCut(text: string, maxChars: number): string {
  const length = safeCutLength(text, maxChars);
  if (length === text.length) return text;
  return flatCopy(text.slice(0, length));
}

/**
 * A copy of `s` that does not share storage with the string it was sliced from. V8 keeps a slice
 * as a view into its parent (a "sliced string"), so an 8 KB prefix of a 10 MB string would keep the
 * 10 MB alive; a round trip through a buffer of the prefix makes a new sequential string.
 */
export function flatCopy(s: string): string {
  if (s.length < 13) return s; // V8 copies slices shorter than SlicedString::kMinLength
  return Buffer.from(s, 'utf16le').toString('utf16le');
}
