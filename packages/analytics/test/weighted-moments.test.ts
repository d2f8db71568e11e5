import { describe, expect, it } from 'vitest';
import { WeightedMoments } from '../src/index.ts';

describe('WeightedMoments', () => {
  it('gives the textbook mean 5 and standard deviation 2 of 2, 4, 4, 4, 5, 5, 7, 9', () => {
    // Σx = 40, mean 5; Σ(x − 5)² = 9 + 1 + 1 + 1 + 0 + 0 + 4 + 16 = 32; 32 / 8 = 4; √4 = 2.
    const m = new WeightedMoments();
    for (const x of [2, 4, 4, 4, 5, 5, 7, 9]) m.add(x);
    expect(m.mean).toBe(5);
    expect(m.std).toBeCloseTo(2, 12);
  });

  it('weights count as repeats: 2, 4×3, 5×2, 7, 9 gives the same mean and std', () => {
    const m = new WeightedMoments();
    for (const [x, w] of [
      [2, 1],
      [4, 3],
      [5, 2],
      [7, 1],
      [9, 1],
    ] as const)
      m.add(x, w);
    expect(m.mean).toBeCloseTo(5, 12);
    expect(m.std).toBeCloseTo(2, 12);
    expect(m.totalWeight).toBe(8);
    expect(m.count).toBe(5);
  });

  it('merging two halves equals the whole, also after a JSON round trip', () => {
    const whole = new WeightedMoments();
    const left = new WeightedMoments();
    const right = new WeightedMoments();
    for (let i = 0; i < 1000; i++) {
      const x = Math.sin(i) * 100 + 1e6;
      whole.add(x, 1 + (i % 4));
      (i < 300 ? left : right).add(x, 1 + (i % 4));
    }
    left.merge(WeightedMoments.fromJSON(JSON.parse(JSON.stringify(right.toJSON()))));
    expect(left.mean).toBeCloseTo(whole.mean, 6);
    expect(left.std).toBeCloseTo(whole.std, 6);
  });

  it('is NaN when empty and skips non-finite values', () => {
    const m = new WeightedMoments();
    m.add(Number.NaN);
    expect(Number.isNaN(m.mean)).toBe(true);
    expect(m.count).toBe(0);
  });
});
