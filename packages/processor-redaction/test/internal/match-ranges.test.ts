import { describe, expect, it } from 'vitest';
import { MatchRanges } from '../../src/internal/match-ranges.ts';

describe('MatchRanges', () => {
  it('sorts ranges and merges overlaps, keeping the lowest detector', () => {
    const ranges = new MatchRanges();
    ranges.add(20, 30, 4);
    ranges.add(0, 5, 2);
    ranges.add(25, 40, 1);
    ranges.add(5, 8, 3);
    ranges.resolve();
    expect(ranges.length).toBe(3);
    expect([ranges.starts[0], ranges.ends[0], ranges.detectors[0]]).toEqual([0, 5, 2]);
    expect([ranges.starts[1], ranges.ends[1], ranges.detectors[1]]).toEqual([5, 8, 3]);
    expect([ranges.starts[2], ranges.ends[2], ranges.detectors[2]]).toEqual([20, 40, 1]);
    ranges.reset();
    expect(ranges.length).toBe(0);
  });
});
