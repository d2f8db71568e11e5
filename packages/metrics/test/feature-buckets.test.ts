import { describe, expect, it } from 'vitest';
import { featureBucketsFromBaseline, metricsConfigSchema } from '../src/index.ts';

describe('featureBucketsFromBaseline', () => {
  it('puts the boundaries at the baseline quantiles, so each bucket held an equal share of it', () => {
    const uniform = Array.from({ length: 1000 }, (_, i) => i);
    expect(featureBucketsFromBaseline({ amount: uniform })).toEqual({
      amount: { buckets: [100, 200, 300, 400, 500, 600, 700, 800, 900] },
    });
    expect(featureBucketsFromBaseline({ amount: uniform }, { buckets: 4 }).amount?.buckets).toEqual([
      250, 500, 750,
    ]);
  });

  it('merges repeated quantiles (binary and integer features) and rounds for readable le labels', () => {
    const binary = Array.from({ length: 100 }, (_, i) => (i < 97 ? 0 : 1));
    expect(featureBucketsFromBaseline({ is_new: binary }).is_new?.buckets).toEqual([0]);
    const halves = Array.from({ length: 100 }, (_, i) => (i < 50 ? 0 : 1));
    expect(featureBucketsFromBaseline({ flag: halves }).flag?.buckets).toEqual([0, 1]);
    const thirds = Array.from({ length: 300 }, (_, i) => i / 3 + 0.123456);
    expect(
      featureBucketsFromBaseline({ x: thirds }, { buckets: 2, significantDigits: 3 }).x?.buckets,
    ).toEqual([50.1]);
  });

  it('ignores non-finite baseline values, and makes buckets the config accepts', () => {
    const values = [Number.NaN, 3, Number.POSITIVE_INFINITY, 1, 2, 4];
    const features = featureBucketsFromBaseline(
      { amount: values, age: new Float64Array([5, 1, 9, 7]) },
      { buckets: 2 },
    );
    expect(features).toEqual({ amount: { buckets: [3] }, age: { buckets: [7] } });
    expect(metricsConfigSchema.parse({ features }).features).toEqual(features);
  });

  it('refuses an empty baseline and bad options, naming the feature but no value', () => {
    expect(() => featureBucketsFromBaseline({ amount: [Number.NaN] })).toThrow(
      /feature "amount" has no finite baseline value/,
    );
    expect(() => featureBucketsFromBaseline({ amount: [1] }, { buckets: 1 })).toThrow(/buckets must be/);
    expect(() => featureBucketsFromBaseline({ amount: [1] }, { significantDigits: 0 })).toThrow(
      /significantDigits/,
    );
  });
});
