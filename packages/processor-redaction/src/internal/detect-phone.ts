import { isDigit, isWordChar } from './char-classes.ts';
import type { MatchRanges } from './match-ranges.ts';

const PLUS = 43;
const SPACE = 32;
const HYPHEN = 45;
const DOT = 46;
const SLASH = 47;
const OPEN = 40;
const CLOSE = 41;

function isPunctuation(code: number): boolean {
  return code === SPACE || code === HYPHEN || code === DOT || code === OPEN || code === CLOSE;
}

/**
 * A number may start here: not glued to a word, a longer number, or a dotted/dashed token, and not
 * in the middle of a run of digit groups (`3704 0044 0532 ...`, a card or account number).
 */
function boundaryBefore(text: string, i: number): boolean {
  if (i === 0) return true;
  const c = text.charCodeAt(i - 1);
  if (isWordChar(c) || c === PLUS || c === DOT || c === HYPHEN || c === SLASH) return false;
  return !(c === SPACE && i > 1 && isDigit(text.charCodeAt(i - 2)));
}

function boundaryAfter(text: string, end: number): boolean {
  if (end >= text.length) return true;
  const c = text.charCodeAt(end);
  if (isWordChar(c)) return false;
  // `415-555-2671-9` or `…2671.9` continue a number.
  return !((c === HYPHEN || c === DOT || c === SLASH) && isDigit(text.charCodeAt(end + 1)));
}

/**
 * International form: `+` or `00`, a country code starting 1-9, then 8-15 digits in all (10-15 after
 * `00`), with up to two punctuation characters (space - . ( )) between digits: `+44 20 7946 0958`,
 * `+1 (415) 555-2671`, `0049 30 1234567`. Returns the end of the match or -1.
 */
function internationalEnd(text: string, i: number): number {
  const n = text.length;
  const plus = text.charCodeAt(i) === PLUS;
  let j = i + (plus ? 1 : 2);
  if (j >= n || !isDigit(text.charCodeAt(j)) || text.charCodeAt(j) === 48) return -1;
  let digits = 0;
  let lastDigitEnd = j;
  let gap = 0;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (isDigit(c)) {
      digits++;
      if (digits > 15) return -1;
      gap = 0;
      j++;
      lastDigitEnd = j;
    } else if (isPunctuation(c) && gap < 2) {
      gap++;
      j++;
    } else break;
  }
  // With `00`, which also starts many ids (`00123 45678`), ask for a full-length number.
  if (digits < (plus ? 8 : 10)) return -1;
  return boundaryAfter(text, lastDigitEnd) ? lastDigitEnd : -1;
}

/** NANP (US, Canada): `(415) 555-2671`, `415-555-2671`, `415.555.2671`, `415 555 2671`, optionally `1-` first. */
function nanpEnd(text: string, i: number): number {
  const n = text.length;
  let j = i;
  if (text.charCodeAt(j) === 49) {
    const sep = text.charCodeAt(j + 1);
    if (sep === HYPHEN || sep === SPACE || sep === DOT) j += 2;
  }
  let exchangeAt: number;
  if (text.charCodeAt(j) === OPEN) {
    if (!threeDigitsFrom2(text, j + 1) || text.charCodeAt(j + 4) !== CLOSE) return -1;
    exchangeAt = j + 5;
    if (text.charCodeAt(exchangeAt) === SPACE) exchangeAt++;
    if (!threeDigitsFrom2(text, exchangeAt)) return -1;
    const sep = text.charCodeAt(exchangeAt + 3);
    if (sep !== HYPHEN && sep !== SPACE && sep !== DOT) return -1;
  } else {
    if (!threeDigitsFrom2(text, j)) return -1;
    const sep = text.charCodeAt(j + 3);
    if (sep !== HYPHEN && sep !== SPACE && sep !== DOT) return -1;
    exchangeAt = j + 4;
    if (!threeDigitsFrom2(text, exchangeAt) || text.charCodeAt(exchangeAt + 3) !== sep) return -1;
  }
  const lineAt = exchangeAt + 4;
  for (let k = lineAt; k < lineAt + 4; k++) if (k >= n || !isDigit(text.charCodeAt(k))) return -1;
  return boundaryAfter(text, lineAt + 4) ? lineAt + 4 : -1;
}

/** Three digits, the first 2-9 (NANP area codes and exchanges never start with 0 or 1). */
function threeDigitsFrom2(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  return c >= 50 && c <= 57 && isDigit(text.charCodeAt(at + 1)) && isDigit(text.charCodeAt(at + 2));
}

/**
 * National form with a trunk 0 (most of Europe): `030 1234567`, `0151-12345678`, `020 7946 0958`,
 * `01 23 45 67 89`, `030/1234567`. Groups joined by one separator used throughout (so a date and a
 * time, `05-01-2024 10`, is not one number), 9-12 digits in all, at least two groups.
 */
function trunkEnd(text: string, i: number): number {
  const n = text.length;
  if (!isDigit(text.charCodeAt(i + 1)) || text.charCodeAt(i + 1) === 48) return -1;
  let j = i;
  let digits = 0;
  let groups = 0;
  let sep = -1;
  for (;;) {
    const start = j;
    while (j < n && isDigit(text.charCodeAt(j))) j++;
    const len = j - start;
    if (len < 2 || len > 8 || (groups === 0 && len > 5)) return -1;
    digits += len;
    // Stop at the first group past the limit: a long run of groups (`012 012 012 ...`) is not read to its end.
    if (digits > 12) return -1;
    groups++;
    const c = text.charCodeAt(j);
    if (
      (c === SPACE || c === HYPHEN || c === SLASH) &&
      (sep === -1 || c === sep) &&
      isDigit(text.charCodeAt(j + 1))
    ) {
      sep = c;
      j++;
      continue;
    }
    break;
  }
  if (groups < 2 || digits < 9 || digits > 12) return -1;
  return boundaryAfter(text, j) ? j : -1;
}

/**
 * Phone numbers in E.164 and common national formats (international with `+`/`00`, NANP, trunk-0
 * European). Unformatted national digit strings (`4155552671`, `0612345678`) are not matched: they
 * look like ids. Linear: each start position is checked with bounded work.
 */
export function detectPhone(text: string, limit: number, ranges: MatchRanges, detector: number): void {
  const n = text.length;
  for (let i = 0; i < limit; i++) {
    const c = text.charCodeAt(i);
    let end = -1;
    if (c === PLUS) {
      if (i > 0 && (isWordChar(text.charCodeAt(i - 1)) || text.charCodeAt(i - 1) === PLUS)) continue;
      end = internationalEnd(text, i);
    } else if (c === OPEN || (c >= 49 && c <= 57)) {
      if (!boundaryBefore(text, i)) continue;
      end = nanpEnd(text, i);
    } else if (c === 48) {
      if (!boundaryBefore(text, i)) continue;
      end = text.charCodeAt(i + 1) === 48 ? internationalEnd(text, i) : trunkEnd(text, i);
    } else continue;
    if (end > i) {
      ranges.add(i, end, detector);
      i = end - 1;
    } else if (c !== PLUS && c !== OPEN) {
      // Skip the rest of this digit run: no number starts inside it.
      while (i + 1 < n && isDigit(text.charCodeAt(i + 1))) i++;
    }
  }
}
