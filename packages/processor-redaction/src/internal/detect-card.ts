import { isDigit } from './char-classes.ts';
import type { MatchRanges } from './match-ranges.ts';

const MIN_DIGITS = 13;
const MAX_DIGITS = 19;

/**
 * Whether `length` digits starting with `prefix` (the first four digits as a number, e.g. 4111) fit
 * a card network's number range. Timestamps in milliseconds (1…), most ids and anything starting with
 * 0, 1, 7, 8 or 9 fall outside, which keeps Luhn's 1-in-10 chance of passing from flagging them.
 */
export function fitsCardNetwork(prefix: number, length: number): boolean {
  const d1 = Math.floor(prefix / 1000);
  const d2 = Math.floor(prefix / 100);
  const d3 = Math.floor(prefix / 10);
  switch (d1) {
    case 4: // Visa
      return length >= 13 && length <= 19;
    case 5: // Mastercard 51-55; Maestro 50, 56-59
      if (d2 >= 51 && d2 <= 55) return length === 16;
      return length >= 13 && length <= 19;
    case 2: // Mastercard 2221-2720; Mir 2200-2204
      if (prefix >= 2221 && prefix <= 2720) return length === 16;
      return prefix >= 2200 && prefix <= 2204 && length >= 16;
    case 3:
      if (d2 === 34 || d2 === 37) return length === 15; // American Express
      if (prefix >= 3528 && prefix <= 3589) return length >= 16; // JCB
      if (d2 === 36 || d2 === 38 || d2 === 39 || (d3 >= 300 && d3 <= 305)) return length >= 14; // Diners
      return false;
    case 6: // Discover, UnionPay, RuPay, Maestro
      return length >= 13 && length <= 19;
    default:
      return false;
  }
}

/**
 * Luhn check and network range of the digits in `text[from, to)`, skipping separators. `count` is
 * the number of digits in the range.
 */
function isCard(text: string, from: number, to: number, count: number): boolean {
  let sum = 0;
  let double = false;
  for (let i = to - 1; i >= from; i--) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) continue;
    let d = c - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  if (sum % 10 !== 0) return false;
  let prefix = 0;
  let seen = 0;
  for (let i = from; i < to && seen < 4; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) continue;
    prefix = prefix * 10 + (c - 48);
    seen++;
  }
  return fitsCardNetwork(prefix, count);
}

/** A string of 13-19 digits only (a number's decimal form) that is a card number. */
export function isCardDigits(digits: string): boolean {
  const n = digits.length;
  return n >= MIN_DIGITS && n <= MAX_DIGITS && isCard(digits, 0, n, n);
}

/** Reused group boundaries of the current digit run. */
const groupStart: number[] = [];
const groupEnd: number[] = [];
const groupDigits: number[] = [];

/**
 * Payment card numbers: runs of digits joined by single spaces or dashes. Within a run holding 13
 * or more digits, every window of whole groups with 13-19 digits is tried (so a card next to other
 * digit groups is still found), Luhn-checked and matched against the networks' number ranges.
 * A run of more than 19 digits without separators is not a card. Linear: each group start tries at
 * most 19 digits' worth of groups.
 */
export function detectCard(text: string, limit: number, ranges: MatchRanges, detector: number): void {
  const n = text.length;
  let i = 0;
  while (i < limit) {
    if (!isDigit(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let groups = 0;
    let total = 0;
    let j = i;
    for (;;) {
      const start = j;
      while (j < n && isDigit(text.charCodeAt(j))) j++;
      groupStart[groups] = start;
      groupEnd[groups] = j;
      groupDigits[groups] = j - start;
      groups++;
      total += j - start;
      const sep = text.charCodeAt(j);
      if ((sep === 32 || sep === 45) && j + 1 < n && isDigit(text.charCodeAt(j + 1))) {
        j++;
        continue;
      }
      break;
    }
    if (total >= MIN_DIGITS) {
      let g = 0;
      while (g < groups) {
        let digits = 0;
        let found = -1;
        for (let h = g; h < groups; h++) {
          digits += groupDigits[h] as number;
          if (digits > MAX_DIGITS) break;
          if (digits >= MIN_DIGITS && isCard(text, groupStart[g] as number, groupEnd[h] as number, digits))
            found = h;
        }
        if (found >= 0) {
          ranges.add(groupStart[g] as number, groupEnd[found] as number, detector);
          g = found + 1;
        } else g++;
      }
    }
    i = j;
  }
}
