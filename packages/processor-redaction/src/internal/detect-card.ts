import { isDigit, isWordChar } from './char-classes.ts';
import type { MatchRanges } from './match-ranges.ts';

const MIN_DIGITS = 13;
const MAX_DIGITS = 19;
const DOT = 46;
/** Digits after the dot of a rounded card in scientific notation: a double prints 15-17 significant digits. */
const ROUNDED_MIN_FRACTION = 14;

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

/** Luhn's doubled digit: 2d, minus 9 when that has two digits. */
function doubled(d: number): number {
  return d < 5 ? d * 2 : d * 2 - 9;
}

/** Whether some length of card starts with these four digits (the first digit is 2-6). */
function couldBeCard(prefix: number): boolean {
  return prefix >= 2000 && prefix < 7000;
}

/** Luhn check and network range of a string of digits only (a number's decimal form). */
function isCardDigitString(digits: string): boolean {
  const n = digits.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = digits.charCodeAt(n - 1 - i) - 48;
    sum += i % 2 === 1 ? doubled(d) : d;
  }
  return sum % 10 === 0 && fitsCardNetwork(Number(digits.slice(0, 4)), n);
}

/** A string of 13-19 digits only (a number's decimal form) that is a card number. */
export function isCardDigits(digits: string): boolean {
  const n = digits.length;
  return n >= MIN_DIGITS && n <= MAX_DIGITS && isCardDigitString(digits);
}

/**
 * Digits whose value is too large to be held exactly by a double (above 2^53: 17-19 digits), in a
 * card network's range and length. Such a number is a rounded card number at best, so Luhn cannot
 * be checked, but its leading digits are still the card's.
 */
export function isRoundedCardDigits(digits: string): boolean {
  const n = digits.length;
  return n > 16 && n <= MAX_DIGITS && fitsCardNetwork(Number(digits.slice(0, 4)), n);
}

/**
 * Per digit group of the current run (reused): where it is, and running sums over the digits
 * before it, so that the Luhn sum of any window of whole groups costs four subtractions instead of
 * a pass over its digits. A digit is doubled when its distance from the window's last digit is odd,
 * so the sums are kept by the parity of the digit's index in the run, plain and doubled.
 */
const groupStart: number[] = [];
const groupEnd: number[] = [];
/** Digits in the run before group g (length groups + 1). */
const digitsBefore: number[] = [];
const plainEven: number[] = [];
const plainOdd: number[] = [];
const doubledEven: number[] = [];
const doubledOdd: number[] = [];

/** Luhn check of the digits of groups g..h (whole groups) from the running sums. */
function windowPassesLuhn(g: number, h: number): boolean {
  const last = (digitsBefore[h + 1] as number) - 1;
  const sum =
    (last & 1) === 0
      ? (plainEven[h + 1] as number) -
        (plainEven[g] as number) +
        (doubledOdd[h + 1] as number) -
        (doubledOdd[g] as number)
      : (plainOdd[h + 1] as number) -
        (plainOdd[g] as number) +
        (doubledEven[h + 1] as number) -
        (doubledEven[g] as number);
  return sum % 10 === 0;
}

/** The first four digits from `from` (skipping separators), as a number: the network prefix. */
function prefixAt(text: string, from: number, to: number): number {
  let prefix = 0;
  let seen = 0;
  for (let i = from; i < to && seen < 4; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) continue;
    prefix = prefix * 10 + (c - 48);
    seen++;
  }
  return prefix;
}

/**
 * Scientific notation as a float prints a card number (`4.111111111111111e15`, `4.111111111111111E+15`,
 * as JSON encoders and spreadsheets write a large number): one digit, a dot, the other digits, and an
 * exponent that makes it a whole number of 13-19 digits. Returns the end of the match or -1.
 */
function scientificCardEnd(text: string, i: number): number {
  const n = text.length;
  let j = i + 2;
  while (j < n && j - i - 2 < MAX_DIGITS && isDigit(text.charCodeAt(j))) j++;
  const fraction = j - i - 2;
  const e = text.charCodeAt(j);
  if (fraction === 0 || (e !== 101 && e !== 69)) return -1;
  j++;
  if (text.charCodeAt(j) === 43) j++;
  let exponent = 0;
  const exponentAt = j;
  while (j < n && j - exponentAt < 3 && isDigit(text.charCodeAt(j)))
    exponent = exponent * 10 + (text.charCodeAt(j++) - 48);
  if (j === exponentAt || (j < n && isWordChar(text.charCodeAt(j)))) return -1;
  const length = exponent + 1;
  if (fraction > exponent || length < MIN_DIGITS || length > MAX_DIGITS) return -1;
  const digits = text.slice(i, i + 1) + text.slice(i + 2, i + 2 + fraction);
  if (fraction === exponent) return isCardDigits(digits) ? j : -1;
  // Fewer digits than the number has: a double's rounding of a 17-19 digit card (15-17 significant
  // digits printed). A short mantissa (`4.1e18`) is an ordinary large number, not a card.
  return fraction >= ROUNDED_MIN_FRACTION && isRoundedCardDigits(digits.padEnd(length, '0')) ? j : -1;
}

/**
 * Payment card numbers: runs of digits joined by single spaces or dashes. Within a run holding 13
 * or more digits, every window of whole groups with 13-19 digits is tried (so a card next to other
 * digit groups is still found), Luhn-checked and matched against the networks' number ranges; a
 * number in scientific notation is expanded first. A run of more than 19 digits without separators
 * is not a card. Linear: each group start tries at most 19 windows, each checked in constant time
 * from the running sums, and the run is read once.
 */
export function detectCard(text: string, limit: number, ranges: MatchRanges, detector: number): void {
  const n = text.length;
  let i = 0;
  while (i < limit) {
    if (!isDigit(text.charCodeAt(i))) {
      i++;
      continue;
    }
    if (text.charCodeAt(i + 1) === DOT && (i === 0 || !isDigitOrDot(text.charCodeAt(i - 1)))) {
      const end = scientificCardEnd(text, i);
      if (end > 0) {
        ranges.add(i, end, detector);
        i = end;
        continue;
      }
    }
    let groups = 0;
    let digits = 0;
    let sumPlainEven = 0;
    let sumPlainOdd = 0;
    let sumDoubledEven = 0;
    let sumDoubledOdd = 0;
    let j = i;
    digitsBefore[0] = 0;
    plainEven[0] = 0;
    plainOdd[0] = 0;
    doubledEven[0] = 0;
    doubledOdd[0] = 0;
    for (;;) {
      const start = j;
      for (let c = text.charCodeAt(j); j < n && isDigit(c); c = text.charCodeAt(++j)) {
        const d = c - 48;
        if ((digits & 1) === 0) {
          sumPlainEven += d;
          sumDoubledEven += doubled(d);
        } else {
          sumPlainOdd += d;
          sumDoubledOdd += doubled(d);
        }
        digits++;
      }
      groupStart[groups] = start;
      groupEnd[groups] = j;
      groups++;
      digitsBefore[groups] = digits;
      plainEven[groups] = sumPlainEven;
      plainOdd[groups] = sumPlainOdd;
      doubledEven[groups] = sumDoubledEven;
      doubledOdd[groups] = sumDoubledOdd;
      const sep = text.charCodeAt(j);
      if ((sep === 32 || sep === 45) && j + 1 < n && isDigit(text.charCodeAt(j + 1))) {
        j++;
        continue;
      }
      break;
    }
    if (digits >= MIN_DIGITS) {
      // The windows of 13-19 digits from group g end in groups [lo, hi]; both only move forward as
      // g does, so finding them costs nothing per group on top of the windows themselves.
      let lo = 0;
      let hi = 0;
      let g = 0;
      while (g < groups && (groupStart[g] as number) < limit) {
        const first = digitsBefore[g] as number;
        if (lo < g) lo = g;
        while (lo < groups && (digitsBefore[lo + 1] as number) - first < MIN_DIGITS) lo++;
        if (lo === groups) break;
        if (hi < lo) hi = lo;
        while (hi + 1 < groups && (digitsBefore[hi + 2] as number) - first <= MAX_DIGITS) hi++;
        let found = -1;
        // The network prefix first: `1 1 1 ...` or a run of 9s needs no Luhn check at all.
        const prefix = prefixAt(text, groupStart[g] as number, groupEnd[lo] as number);
        if (couldBeCard(prefix)) {
          for (let h = lo; h <= hi; h++) {
            const count = (digitsBefore[h + 1] as number) - first;
            if (count > MAX_DIGITS) break;
            if (windowPassesLuhn(g, h) && fitsCardNetwork(prefix, count)) found = h;
          }
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

function isDigitOrDot(code: number): boolean {
  return isDigit(code) || code === DOT;
}
