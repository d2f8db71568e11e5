import { MatchRanges } from '../../src/internal/match-ranges.ts';

export type Detect = (text: string, limit: number, ranges: MatchRanges, detector: number) => void;

/** The substrings a detector matches in `text`, in order. */
export function matches(detect: Detect, text: string): string[] {
  const ranges = new MatchRanges();
  detect(text, text.length, ranges, 0);
  const out: string[] = [];
  for (let i = 0; i < ranges.length; i++) out.push(text.slice(ranges.starts[i], ranges.ends[i]));
  return out;
}
