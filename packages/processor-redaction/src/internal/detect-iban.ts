import { isAsciiAlnum, isAsciiLetter, isDigit } from './char-classes.ts';
import type { MatchRanges } from './match-ranges.ts';

/** IBAN length per country (SWIFT IBAN registry). */
// biome-ignore format: a table reads better in rows
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22,
  IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20,
  LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18,
  NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31,
  SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
  VA: 22, VG: 24, XK: 20, YE: 30,
};

/** Whether two letters (either case) are an IBAN country code, by char codes; a cheap pre-check. */
const COUNTRY_CODES = new Uint8Array(26 * 26);
for (const country of Object.keys(IBAN_LENGTHS)) {
  COUNTRY_CODES[(country.charCodeAt(0) - 65) * 26 + (country.charCodeAt(1) - 65)] = 1;
}

export function isIbanCountry(first: number, second: number): boolean {
  return COUNTRY_CODES[((first & ~32) - 65) * 26 + ((second & ~32) - 65)] === 1;
}

/** Value of an IBAN character in the mod-97 check: digits as themselves, letters A=10 ... Z=35. */
function charValue(code: number): number {
  if (code <= 57) return code - 48;
  return (code >= 97 ? code - 32 : code) - 55;
}

/** ISO 13616 check: the IBAN with its first four characters moved to the end, read as a number, mod 97 is 1. */
function mod97IsOne(text: string, positions: readonly number[], length: number): boolean {
  let remainder = 0;
  for (let k = 0; k < length; k++) {
    const code = text.charCodeAt(positions[(k + 4) % length] as number);
    const v = charValue(code);
    remainder = v < 10 ? (remainder * 10 + v) % 97 : (remainder * 100 + v) % 97;
  }
  return remainder === 1;
}

const positions: number[] = [];

/**
 * IBANs, compact (`DE89370400440532013000`) or grouped by single spaces (`DE89 3704 0044 ...`), upper
 * or lower case: a known country code, exactly that country's length, and the mod-97 check digits.
 */
export function detectIban(text: string, limit: number, ranges: MatchRanges, detector: number): void {
  const n = text.length;
  const last = Math.min(limit - 1, n - 15);
  for (let i = 0; i <= last; i++) {
    const c0 = text.charCodeAt(i);
    if (!isAsciiLetter(c0)) continue;
    const c1 = text.charCodeAt(i + 1);
    if (!isAsciiLetter(c1) || !isDigit(text.charCodeAt(i + 2)) || !isDigit(text.charCodeAt(i + 3))) continue;
    if (i > 0 && isAsciiAlnum(text.charCodeAt(i - 1))) continue;
    const country = String.fromCharCode(c0 & ~32, c1 & ~32);
    const length = IBAN_LENGTHS[country];
    if (length === undefined) continue;
    let count = 0;
    let j = i;
    while (j < n && count < length) {
      const c = text.charCodeAt(j);
      if (isAsciiAlnum(c)) {
        positions[count++] = j;
        j++;
      } else if (c === 32 && count >= 4 && j + 1 < n && isAsciiAlnum(text.charCodeAt(j + 1))) j++;
      else break;
    }
    if (count !== length || (j < n && isAsciiAlnum(text.charCodeAt(j)))) continue;
    if (!mod97IsOne(text, positions, length)) continue;
    ranges.add(i, j, detector);
    i = j - 1;
  }
}
