import { describe, expect, it } from 'vitest';
import { consistentHash } from '../src/consistent-hash.ts';

describe('consistentHash', () => {
  it('is deterministic per key and seed, and the seed changes it', () => {
    expect(consistentHash('req-1', 7)).toBe(consistentHash('req-1', 7));
    expect(consistentHash('req-1', 7)).not.toBe(consistentHash('req-1', 8));
    expect(consistentHash('req-1')).not.toBe(consistentHash('req-2'));
    // odd and even lengths, and a trailing NUL, all hash apart
    expect(new Set(['a', 'a\0', 'ab', 'ba', 'abc', ''].map((k) => consistentHash(k, 3))).size).toBe(6);
  });

  it('is uniform on [0,1) for sequential ids (chi-square over 20 bins, 200k keys, seed 1)', () => {
    const bins = new Array<number>(20).fill(0);
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const u = consistentHash(`req-${i}`, 1);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      bins[Math.floor(u * 20)]! += 1;
    }
    const expected = n / 20;
    const chi2 = bins.reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
    // 19 degrees of freedom: the 99.9th percentile of chi-square is 43.8.
    expect(chi2).toBeLessThan(43.8);
  });

  it('keeps the share of keys below a rate within 1% of the rate (100k UUID-like keys)', () => {
    const n = 100_000;
    for (const rate of [0.01, 0.1, 0.5]) {
      let kept = 0;
      for (let i = 0; i < n; i++)
        if (consistentHash(`${(i * 2654435761) >>> 0}-a1b2-c3d4-${i}`, 42) < rate) kept++;
      expect(Math.abs(kept / n - rate)).toBeLessThan(
        Math.max(0.01 * rate, 5 * Math.sqrt((rate * (1 - rate)) / n)),
      );
    }
  });
});
