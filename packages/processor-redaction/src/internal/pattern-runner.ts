import type { MatchRanges } from './match-ranges.ts';

/** Characters of a string a user pattern is run on at once, beyond the part whose matches it keeps. */
export const PATTERN_WINDOW = 512;
/** Characters before a window a pattern can see (lookbehind, `\b`). */
export const PATTERN_CONTEXT = 64;

/**
 * Runs a user pattern (a V8 backtracking regex) over `subject` so that its cost stays linear in the
 * length of the string as far as the pattern allows. A global `exec` over a whole string tries every
 * start position against the rest of the string: `\d+x` over 100 KB of digits is quadratic even
 * though the config check refused every nested quantifier. Here each attempt sees a bounded window:
 * matches starting in `[w, w + PATTERN_WINDOW)` are taken from a run over
 * `[w - PATTERN_CONTEXT, w + 2 * PATTERN_WINDOW)`, so a start position is tried at most twice, each
 * time against at most 2.1 windows of text.
 *
 * A match that reaches the end of its window may go on: it is run again at the same position, with
 * the sticky copy of the pattern, over windows doubling in size until it ends inside one (or at the
 * end of the string). Its cost is then linear in its own length, and scanning resumes after it.
 * Matches are the ones a plain global `exec` would find, except that `$` (without `m`) also matches
 * at a window end, and lookarounds see at most `PATTERN_CONTEXT` characters back and one window ahead.
 */
export class PatternRunner {
  readonly regex: RegExp;
  private readonly sticky: RegExp;

  /** `regex` must have the `g` flag. */
  constructor(regex: RegExp) {
    this.regex = regex;
    this.sticky = new RegExp(regex.source, `${regex.flags.replace('g', '')}y`);
  }

  /** Adds the matches that start before `limit` to `ranges` as `detector`. */
  run(subject: string, limit: number, ranges: MatchRanges, detector: number): void {
    const n = subject.length;
    if (n <= 2 * PATTERN_WINDOW + PATTERN_CONTEXT) {
      this.runWhole(subject, limit, ranges, detector);
      return;
    }
    const regex = this.regex;
    let from = 0; // first start position not yet searched
    for (let w = 0; w < limit; w += PATTERN_WINDOW) {
      const acceptEnd = Math.min(limit, w + PATTERN_WINDOW);
      if (from >= acceptEnd) continue;
      const sliceStart = Math.max(0, w - PATTERN_CONTEXT);
      const sliceEnd = Math.min(n, w + 2 * PATTERN_WINDOW);
      const window = subject.slice(sliceStart, sliceEnd);
      regex.lastIndex = from - sliceStart;
      for (let match = regex.exec(window); match !== null; match = regex.exec(window)) {
        const start = sliceStart + match.index;
        if (start >= acceptEnd) break;
        const length = match[0].length;
        if (length === 0) {
          regex.lastIndex++;
          continue;
        }
        let end = start + length;
        if (end === sliceEnd && sliceEnd < n) end = this.extend(subject, start, end);
        ranges.add(start, end, detector);
        from = end;
        if (end >= sliceEnd) break;
        regex.lastIndex = end - sliceStart;
      }
      if (from < acceptEnd) from = acceptEnd;
    }
  }

  private runWhole(subject: string, limit: number, ranges: MatchRanges, detector: number): void {
    const regex = this.regex;
    regex.lastIndex = 0;
    for (let match = regex.exec(subject); match !== null; match = regex.exec(subject)) {
      if (match.index >= limit) break;
      const length = match[0].length;
      if (length === 0) {
        regex.lastIndex++;
        continue;
      }
      ranges.add(match.index, match.index + length, detector);
    }
  }

  /** The end of a match at `start` that reached its window's end at `end`, found over growing windows. */
  private extend(subject: string, start: number, end: number): number {
    const n = subject.length;
    const sticky = this.sticky;
    const sliceStart = Math.max(0, start - PATTERN_CONTEXT);
    let span = 4 * PATTERN_WINDOW;
    for (;;) {
      const sliceEnd = Math.min(n, start + span);
      sticky.lastIndex = start - sliceStart;
      const match = sticky.exec(subject.slice(sliceStart, sliceEnd));
      // No match with more text to see (a lookahead that now fails): keep what the window found.
      if (match === null) return end;
      const found = start + match[0].length;
      if (found < sliceEnd || sliceEnd === n) return Math.max(found, end);
      span *= 2;
    }
  }
}
