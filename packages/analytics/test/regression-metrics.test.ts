import { describe, expect, it } from 'vitest';
import { RegressionAccumulator } from '../src/index.ts';

describe('RegressionAccumulator', () => {
  it('matches the hand-computed MAE, RMSE, MAPE and bias of the scikit-learn example', () => {
    // y = [3, −0.5, 2, 7], ŷ = [2.5, 0, 2, 8]; errors ŷ − y = [−0.5, 0.5, 0, 1].
    // MAE = (0.5 + 0.5 + 0 + 1)/4 = 0.5; MSE = (0.25 + 0.25 + 0 + 1)/4 = 0.375, RMSE = 0.612372…;
    // MAPE = (0.5/3 + 0.5/0.5 + 0/2 + 1/7)/4 = 0.327380…; bias = (−0.5 + 0.5 + 0 + 1)/4 = 0.25.
    const acc = new RegressionAccumulator();
    const y = [3, -0.5, 2, 7];
    const yHat = [2.5, 0, 2, 8];
    y.forEach((actual, i) => {
      acc.add(yHat[i] as number, actual, 1);
    });
    const m = acc.result();
    expect(m.mae).toBeCloseTo(0.5, 12);
    expect(m.rmse).toBeCloseTo(Math.sqrt(0.375), 12);
    expect(m.mape).toBeCloseTo(0.3273809523809524, 12);
    expect(m.bias).toBeCloseTo(0.25, 12);
    expect(m.count).toBe(4);
  });

  it('leaves actual zeros out of the MAPE and counts them', () => {
    const acc = new RegressionAccumulator();
    acc.add(1, 0, 1);
    acc.add(12, 10, 1);
    const m = acc.result();
    // MAPE over y ≠ 0 only: |12 − 10|/10 = 0.2; MAE over both: (1 + 2)/2 = 1.5.
    expect(m.mape).toBeCloseTo(0.2, 12);
    expect(m.mapeExcluded).toBe(1);
    expect(m.mae).toBeCloseTo(1.5, 12);
  });

  it('weights count as repeats', () => {
    const weighted = new RegressionAccumulator();
    const copied = new RegressionAccumulator();
    for (const [p, a, w] of [
      [2.5, 3, 3],
      [0, -0.5, 1],
      [8, 7, 2],
    ] as const) {
      weighted.add(p, a, w);
      for (let i = 0; i < w; i++) copied.add(p, a, 1);
    }
    const a = weighted.result();
    const b = copied.result();
    for (const key of ['mae', 'rmse', 'mape', 'bias'] as const)
      expect(a[key]).toBeCloseTo(b[key] as number, 12);
    expect(a.weight).toBe(6);
  });

  it('has null metrics without data', () => {
    expect(new RegressionAccumulator().result()).toMatchObject({
      mae: null,
      rmse: null,
      mape: null,
      bias: null,
    });
  });
});
