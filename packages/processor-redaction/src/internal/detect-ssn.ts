import { isDigit } from './char-classes.ts';
import type { MatchRanges } from './match-ranges.ts';

function digitsAt(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) return -1;
    value = value * 10 + (c - 48);
  }
  return value;
}

/** The Social Security Administration never issues area 000, 666 or 900-999, group 00 or serial 0000. */
export function isValidSsn(area: number, group: number, serial: number): boolean {
  return area > 0 && area !== 666 && area < 900 && group > 0 && serial > 0;
}

/**
 * US Social Security numbers written `AAA-GG-SSSS` or `AAA GG SSSS` (the same separator twice), not
 * inside a longer run of digits or dashes, with the invalid ranges rejected. Nine digits without
 * separators are not matched (too many ids look like that): name such fields in a path rule.
 */
export function detectSsn(text: string, limit: number, ranges: MatchRanges, detector: number): void {
  const n = text.length;
  const last = Math.min(limit - 1, n - 11);
  for (let i = 0; i <= last; i++) {
    const sep = text.charCodeAt(i + 3);
    if ((sep !== 45 && sep !== 32) || text.charCodeAt(i + 6) !== sep) continue;
    if (i > 0) {
      const before = text.charCodeAt(i - 1);
      if (isDigit(before) || ((before === 45 || before === 46) && i > 1 && isDigit(text.charCodeAt(i - 2))))
        continue;
    }
    if (i + 11 < n) {
      const after = text.charCodeAt(i + 11);
      if (
        isDigit(after) ||
        ((after === 45 || after === 46) && i + 12 < n && isDigit(text.charCodeAt(i + 12)))
      )
        continue;
    }
    const area = digitsAt(text, i, 3);
    const group = digitsAt(text, i + 4, 2);
    const serial = digitsAt(text, i + 7, 4);
    if (area < 0 || group < 0 || serial < 0 || !isValidSsn(area, group, serial)) continue;
    ranges.add(i, i + 11, detector);
    i += 10;
  }
}
