import { describe, expect, it } from 'vitest';
import { WeightedCorrelation } from '../src/index.ts';

describe('WeightedCorrelation', () => {
  it('is 1 for y = 2x, −1 for y = −x + 3 and NaN for a constant', () => {
    const up = new WeightedCorrelation();
    const down = new WeightedCorrelation();
    const flat = new WeightedCorrelation();
    for (const x of [0.1, 0.2, 0.3, 0.4]) {
      up.add(x, 2 * x);
      down.add(x, 3 - x);
      flat.add(x, 1);
    }
    expect(up.correlation).toBeCloseTo(1, 12);
    expect(down.correlation).toBeCloseTo(-1, 12);
    expect(Number.isNaN(flat.correlation)).toBe(true);
  });

  it('matches the hand-computed r of (1,2), (2,1), (3,4), (4,3)', () => {
    // x̄ = ȳ = 2.5; Σdxdy = (−1.5)(−0.5) + (−0.5)(−1.5) + (0.5)(1.5) + (1.5)(0.5) = 3;
    // Σdx² = Σdy² = 5; r = 3/5 = 0.6.
    const r = new WeightedCorrelation();
    for (const [x, y] of [
      [1, 2],
      [2, 1],
      [3, 4],
      [4, 3],
    ] as const)
      r.add(x, y);
    expect(r.correlation).toBeCloseTo(0.6, 12);
  });

  it('a weight of 2 equals adding the pair twice', () => {
    const weighted = new WeightedCorrelation();
    const copied = new WeightedCorrelation();
    for (const [x, y, w] of [
      [1, 2, 2],
      [2, 1, 1],
      [3, 4, 3],
      [4, 3, 1],
    ] as const) {
      weighted.add(x, y, w);
      for (let i = 0; i < w; i++) copied.add(x, y);
    }
    expect(weighted.correlation).toBeCloseTo(copied.correlation, 12);
  });
});
