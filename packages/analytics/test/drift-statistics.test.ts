import { describe, expect, it } from 'vitest';
import {
  chiSquareHomogeneity,
  effectiveSampleSize,
  kolmogorovSmirnovFromSketches,
  kolmogorovSmirnovPValue,
  kolmogorovSurvival,
  populationStabilityIndex,
  psiBand,
  QuantileSketch,
  twoProportionZTest,
} from '../src/index.ts';
import { chiSquareSurvival } from '../src/internal/chi-square-distribution.ts';
import { normalCdf } from '../src/internal/normal-distribution.ts';

function sketchOf(values: readonly number[], weights?: readonly number[]): QuantileSketch {
  const sketch = new QuantileSketch(0.001);
  values.forEach((v, i) => {
    sketch.add(v, weights?.[i] ?? 1);
  });
  return sketch;
}

describe('populationStabilityIndex', () => {
  it('is 0.2282 for 25/25/25/25 against 10/20/30/40', () => {
    // (0.1 − 0.25)·ln(0.1/0.25) = 0.137444; (0.2 − 0.25)·ln(0.8) = 0.011157;
    // (0.3 − 0.25)·ln(1.2) = 0.009116; (0.4 − 0.25)·ln(1.6) = 0.070501; Σ = 0.228217.
    expect(populationStabilityIndex([25, 25, 25, 25], [10, 20, 30, 40])).toBeCloseTo(0.22821740957339182, 12);
  });

  it('normalises weights and is 0 for the same shares', () => {
    expect(populationStabilityIndex([1, 2, 3], [10, 20, 30])).toBe(0);
  });

  it('replaces an empty share by epsilon without renormalising', () => {
    // Expected [0.5, 0.5, 0] → third share ε = 1e-4; actual [0.5, 0.4, 0.1]:
    // (0.4 − 0.5)·ln(0.8) = 0.022314; (0.1 − 0.0001)·ln(0.1/0.0001) = 0.0999·6.907755 = 0.690085;
    // Σ = 0.712399. A bin empty on both sides adds nothing.
    expect(populationStabilityIndex([0.5, 0.5, 0, 0], [0.5, 0.4, 0.1, 0], 1e-4)).toBeCloseTo(
      0.7123991075017365,
      12,
    );
  });

  it('is NaN when a side has no weight', () => {
    expect(Number.isNaN(populationStabilityIndex([0, 0], [1, 2]))).toBe(true);
  });

  it('bands: < 0.1 none, 0.1–0.2 moderate, > 0.2 significant', () => {
    expect([0, 0.0999, 0.1, 0.15, 0.2, 0.2001, 3].map((p) => psiBand(p))).toEqual([
      'none',
      'none',
      'moderate',
      'moderate',
      'moderate',
      'significant',
      'significant',
    ]);
  });
});

describe('Kolmogorov–Smirnov', () => {
  it('Q_KS matches the critical values 1.2238 (10%), 1.3581 (5%), 1.6276 (1%) and Q(0.5) = 0.96395', () => {
    expect(kolmogorovSurvival(1.2238)).toBeCloseTo(0.1, 4);
    expect(kolmogorovSurvival(1.3581)).toBeCloseTo(0.05, 4);
    expect(kolmogorovSurvival(1.6276)).toBeCloseTo(0.01, 4);
    // Both series (λ < 1.18 and λ ≥ 1.18) agree with the alternating sum: Q(0.5) = 0.963945, Q(1) = 0.270000.
    expect(kolmogorovSurvival(0.5)).toBeCloseTo(0.9639452436648751, 6);
    expect(kolmogorovSurvival(1)).toBeCloseTo(0.26999967167735456, 6);
    expect(kolmogorovSurvival(0)).toBe(1);
  });

  it('D = 0.6 for {1, 2, 3, 4} against {3, 4, 5, 6, 7}', () => {
    // ECDFs at 2: 2/4 − 0 = 0.5; at 3: 3/4 − 1/5 = 0.55; at 4: 1 − 2/5 = 0.6; then the gap closes.
    const result = kolmogorovSmirnovFromSketches(sketchOf([1, 2, 3, 4]), sketchOf([3, 4, 5, 6, 7]));
    expect(result.statistic).toBeCloseTo(0.6, 12);
    // 3 and 4 are in both samples, so their buckets are shared: the bound is max share 1/4.
    expect(result.errorBound).toBeCloseTo(0.25, 12);
    // nₑ = 4·5/9; λ = (√nₑ + 0.12 + 0.11/√nₑ)·0.6 = 1.010701; Q(λ) = 0.258705.
    expect(result.pValue).toBeCloseTo(0.25870469671266844, 6);
    expect(kolmogorovSmirnovPValue(0.6, 4, 5)).toBe(result.pValue);
  });

  it('weights: a value of weight 2 counts twice in the CDF, the p-value uses Kish sizes', () => {
    const weighted = kolmogorovSmirnovFromSketches(sketchOf([1, 2], [2, 1]), sketchOf([1.5, 2.5]));
    const copied = kolmogorovSmirnovFromSketches(sketchOf([1, 1, 2]), sketchOf([1.5, 2.5]));
    // F₁ at 1 = 2/3, F₂ = 0: D = 2/3 either way.
    expect(weighted.statistic).toBeCloseTo(2 / 3, 12);
    expect(copied.statistic).toBeCloseTo(2 / 3, 12);
    // Kish: (2 + 1)²/(4 + 1) = 1.8 effective records instead of 3.
    expect(weighted.n1).toBeCloseTo(1.8, 12);
    expect(copied.n1).toBe(3);
  });

  it('is 0 for identical samples and bounds the exact D when buckets are shared', () => {
    const same = kolmogorovSmirnovFromSketches(sketchOf([1, 2, 3]), sketchOf([3, 2, 1]));
    expect(same.statistic).toBe(0);
    // α = 0.1: 1.00 and 1.05 fall in one bucket; the exact D (0.5, at 1.00) is within the bound.
    const coarse = (values: number[]) => {
      const s = new QuantileSketch(0.1);
      for (const v of values) s.add(v);
      return s;
    };
    const r = kolmogorovSmirnovFromSketches(coarse([1, 2]), coarse([1.05, 2.05]));
    expect(r.statistic).toBeLessThanOrEqual(0.5);
    expect(r.statistic + r.errorBound).toBeGreaterThanOrEqual(0.5);
  });
});

describe('twoProportionZTest', () => {
  it('45/100 against 60/100: z = 2.124, p = 0.0337', () => {
    // Pooled p̄ = 105/200 = 0.525; SE = √(0.525·0.475·(1/100 + 1/100)) = 0.070622;
    // z = (0.60 − 0.45)/0.070622 = 2.123977; p = 2·(1 − Φ(2.123977)) = 0.033672.
    const test = twoProportionZTest(45, 100, 60, 100);
    expect(test.z).toBeCloseTo(2.1239769762143657, 9);
    expect(test.pValue).toBeCloseTo(0.033672068856345876, 6);
    expect([test.baselineRate, test.currentRate]).toEqual([0.45, 0.6]);
  });

  it('p = 1 for equal rates of 0, NaN without samples', () => {
    expect(twoProportionZTest(0, 50, 0, 80)).toMatchObject({ z: 0, pValue: 1 });
    expect(Number.isNaN(twoProportionZTest(0, 0, 1, 2).pValue)).toBe(true);
  });

  it('Φ(1.959964) = 0.975 and Φ(0) = 0.5', () => {
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(-3)).toBeCloseTo(0.0013499, 6);
  });
});

describe('effectiveSampleSize', () => {
  it('is n for unit weights and (Σw)²/Σw² otherwise', () => {
    expect(effectiveSampleSize(4, 4)).toBe(4);
    // Weights 1 and 3: 16/10.
    expect(effectiveSampleSize(4, 10)).toBe(1.6);
    expect(effectiveSampleSize(0, 0)).toBe(0);
  });
});

describe('χ² test', () => {
  it('the survival function matches the tables: 3.8415 (1 df), 5.9915 (2), 18.307 (10), 67.505 (50) at 5%', () => {
    for (const [x, df, p] of [
      [3.841459, 1, 0.05],
      [5.991465, 2, 0.05],
      [18.307038, 10, 0.05],
      [67.504807, 50, 0.05],
      [11.344867, 3, 0.01],
      [10.827566, 1, 0.001],
      [0.710723, 4, 0.95],
    ] as const) {
      expect(chiSquareSurvival(x, df), `${x} ${df}`).toBeCloseTo(p, 6);
    }
    // Two degrees of freedom: P(X ≥ x) = e^(−x/2) exactly.
    for (const x of [0.1, 1, 7, 40]) expect(chiSquareSurvival(x, 2)).toBeCloseTo(Math.exp(-x / 2), 12);
    expect(chiSquareSurvival(0, 3)).toBe(1);
    expect(chiSquareSurvival(2000, 1)).toBe(0);
  });

  it('homogeneity of 10/10/20 against 20/20/20 is X² = 2.778, 2 df, p = 0.2494 (scipy chi2_contingency)', () => {
    const result = chiSquareHomogeneity([10, 10, 20], [20, 20, 20], 40, 60);
    expect(result.statistic).toBeCloseTo(25 / 9, 10);
    expect(result.degreesOfFreedom).toBe(2);
    expect(result.pValue).toBeCloseTo(Math.exp(-25 / 18), 10);
  });

  it('scales shares to the effective sizes: the same shares with half the sizes halve X²', () => {
    const full = chiSquareHomogeneity([0.3, 0.2, 0.5], [20, 30, 50], 100, 100);
    // Pooled 0.25/0.25/0.5, E = 25/25/50 on each side: X² = 4 × (5²/25) = 4.
    expect(full.statistic).toBeCloseTo(4, 10);
    expect(full.pValue).toBeCloseTo(Math.exp(-2), 10);
    expect(chiSquareHomogeneity([0.3, 0.2, 0.5], [20, 30, 50], 50, 50).statistic).toBeCloseTo(2, 10);
  });

  it('bins empty on both sides are left out; one bin with weight is X² 0, p 1; no weight is NaN', () => {
    expect(chiSquareHomogeneity([10, 0, 10], [5, 0, 15], 20, 20).degreesOfFreedom).toBe(1);
    expect(chiSquareHomogeneity([5, 0], [7, 0], 5, 7)).toMatchObject({ statistic: 0, pValue: 1 });
    expect(Number.isNaN(chiSquareHomogeneity([0, 0], [1, 1], 0, 2).pValue)).toBe(true);
  });
});
