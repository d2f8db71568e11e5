import { describe, expect, it } from 'vitest';
import { QuantileSketch } from '../src/index.ts';
import { SeededRandom } from './support/seeded-random.ts';

/** The exact weighted quantile: the smallest x whose cumulative weight reaches q·W. */
function exactQuantile(values: readonly number[], weights: readonly number[], q: number): number {
  const order = values.map((_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number));
  const total = weights.reduce((s, w) => s + w, 0);
  let cumulative = 0;
  for (const i of order) {
    cumulative += weights[i] as number;
    if (cumulative >= q * total) return values[i] as number;
  }
  return values[order[order.length - 1] as number] as number;
}

/** Exact quantiles for q = 0.01, 0.02, …, 0.99 from one sort. */
function exactQuantiles(values: readonly number[], weights: readonly number[]): Map<number, number> {
  const order = values.map((_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number));
  const total = weights.reduce((s, w) => s + w, 0);
  const out = new Map<number, number>();
  let cumulative = 0;
  let k = 1;
  for (const i of order) {
    cumulative += weights[i] as number;
    while (k < 100 && cumulative >= (k / 100) * total) out.set(k++, values[i] as number);
  }
  return out;
}

function expectWithinBound(sketch: QuantileSketch, values: number[], weights: number[]): void {
  const exactByPercent = exactQuantiles(values, weights);
  for (let k = 1; k < 100; k++) {
    const q = k / 100;
    const exact = exactByPercent.get(k) as number;
    const answer = sketch.quantile(q);
    // |x̂ − x_q| ≤ α·|x_q|, plus 1e-9 for values counted as zero and float rounding.
    expect(Math.abs(answer - exact)).toBeLessThanOrEqual(sketch.alpha * Math.abs(exact) * (1 + 1e-9) + 1e-9);
  }
}

describe('QuantileSketch', () => {
  it('answers every quantile within ±α·|x_q| (log-normal values, unit weights)', () => {
    const random = new SeededRandom(1);
    const values = Array.from({ length: 20_000 }, () => Math.exp(random.normal(0, 2)));
    const sketch = new QuantileSketch(0.01);
    for (const v of values) sketch.add(v);
    expectWithinBound(
      sketch,
      values,
      values.map(() => 1),
    );
  });

  it('holds the bound with sampling weights and values of both signs and zeros', () => {
    const random = new SeededRandom(2);
    const values: number[] = [];
    const weights: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      values.push(i % 50 === 0 ? 0 : random.normal(0, 100));
      weights.push(random.pick([1, 2, 5, 10, 20]));
    }
    for (const alpha of [0.001, 0.01, 0.05]) {
      // Enough buckets for the range at this α (|x| from ~0.005 to ~400), so none is merged.
      const sketch = new QuantileSketch(alpha, 16_384);
      values.forEach((v, i) => {
        sketch.add(v, weights[i]);
      });
      expect(sketch.collapsed).toBe(false);
      expectWithinBound(sketch, values, weights);
    }
  });

  it('a weight of k counts as k copies of the value', () => {
    const weighted = new QuantileSketch(0.01);
    const copied = new QuantileSketch(0.01);
    for (const [value, weight] of [
      [3, 4],
      [10, 1],
      [250, 2],
    ] as const) {
      weighted.add(value, weight);
      for (let i = 0; i < weight; i++) copied.add(value);
    }
    for (const q of [0.1, 0.3, 0.5, 0.6, 0.7, 0.9, 1]) expect(weighted.quantile(q)).toBe(copied.quantile(q));
    expect(weighted.totalWeight).toBe(7);
    expect(weighted.buckets()).toEqual(copied.buckets());
  });

  it('merging two sketches equals sketching both inputs (exactly, bucket for bucket)', () => {
    const random = new SeededRandom(3);
    const all = new QuantileSketch(0.01);
    const left = new QuantileSketch(0.01);
    const right = new QuantileSketch(0.01);
    for (let i = 0; i < 5000; i++) {
      const value = random.normal(50, 30);
      all.add(value, 2);
      (i % 2 === 0 ? left : right).add(value, 2);
    }
    left.merge(right);
    expect(left.buckets()).toEqual(all.buckets());
    for (const q of [0.05, 0.25, 0.5, 0.75, 0.95]) expect(left.quantile(q)).toBe(all.quantile(q));
    expect(() => left.merge(new QuantileSketch(0.02))).toThrow(RangeError);
  });

  it('survives a JSON round trip', () => {
    const sketch = new QuantileSketch(0.01);
    for (let i = -50; i <= 200; i++) sketch.add(i * 1.5, 1 + Math.abs(i % 3));
    const copy = QuantileSketch.fromJSON(JSON.parse(JSON.stringify(sketch.toJSON())));
    expect(copy.buckets()).toEqual(sketch.buckets());
    expect(copy.quantile(0.37)).toBe(sketch.quantile(0.37));
    expect([copy.min, copy.max, copy.count, copy.totalWeight]).toEqual([-75, 300, 251, sketch.totalWeight]);
  });

  it('answers a single value exactly and counts |x| < 1e-9 as zero', () => {
    const one = new QuantileSketch(0.01);
    one.add(42);
    // The bucket midpoint 2γ^i/(γ+1) is clamped to [min, max] = [42, 42].
    expect(one.quantile(0.5)).toBe(42);
    const tiny = new QuantileSketch(0.01);
    tiny.add(1e-12);
    tiny.add(-1e-12);
    tiny.add(0);
    expect(tiny.buckets()).toEqual([{ key: 0, weight: 3 }]);
    expect(tiny.quantile(0.5)).toBe(0);
  });

  it('ignores non-finite values and non-positive weights', () => {
    const sketch = new QuantileSketch(0.01);
    expect(sketch.add(Number.NaN)).toBe(false);
    expect(sketch.add(Number.POSITIVE_INFINITY)).toBe(false);
    expect(sketch.add(1, 0)).toBe(false);
    expect(sketch.add(1, -2)).toBe(false);
    expect(sketch.count).toBe(0);
    expect(Number.isNaN(sketch.quantile(0.5))).toBe(true);
  });

  it('stays within maxBuckets per sign whatever the range, merging the smallest magnitudes', () => {
    // α = 0.05: a bucket spans a factor γ ≈ 1.105, so 64 buckets cover [10, 1000] (46 buckets) but
    // not the 100 tiny values below, which are merged into the lowest bucket kept.
    const sketch = new QuantileSketch(0.05, 64);
    const values: number[] = [];
    for (let i = 0; i < 100; i++) values.push(10 ** (-8 + (2 * i) / 100));
    for (let i = 0; i < 1000; i++) values.push(10 + (990 * i) / 999);
    for (const v of values) sketch.add(v);
    expect(sketch.buckets().length).toBeLessThanOrEqual(64);
    expect(sketch.collapsed).toBe(true);
    // Quantiles above the merged 9% keep the bound.
    const weights = values.map(() => 1);
    for (const q of [0.15, 0.5, 0.9, 0.99]) {
      const exact = exactQuantile(values, weights, q);
      expect(Math.abs(sketch.quantile(q) - exact)).toBeLessThanOrEqual(0.05 * exact * (1 + 1e-9));
    }
  });

  it('answers discrete data exactly while it keeps every distinct value (binary flags, small counts)', () => {
    const random = new SeededRandom(4);
    const flags = new QuantileSketch(0.01, 2048, 64);
    const counts = new QuantileSketch(0.01, 2048, 64);
    const flagValues: number[] = [];
    const countValues: number[] = [];
    const weights: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      const weight = random.pick([1, 2, 10]);
      const flag = random.next() < 0.8 ? 1 : 0;
      const count = Math.floor(random.next() * 4);
      flags.add(flag, weight);
      counts.add(count, weight);
      flagValues.push(flag);
      countValues.push(count);
      weights.push(weight);
    }
    expect(flags.isExact).toBe(true);
    expect(flags.exactValues()?.map(([value]) => value)).toEqual([0, 1]);
    // Bucket midpoints would say 0.9901 for the 1s and 1.994 for a count of 2.
    expect(flags.quantile(0.5)).toBe(1);
    expect(counts.quantile(0.5)).toBe(exactQuantile(countValues, weights, 0.5));
    const exactFlags = exactQuantiles(flagValues, weights);
    const exactCounts = exactQuantiles(countValues, weights);
    for (let k = 1; k < 100; k++) {
      expect(flags.quantile(k / 100)).toBe(exactFlags.get(k));
      expect(counts.quantile(k / 100)).toBe(exactCounts.get(k));
    }
  });

  it('past exactValues distinct values it answers from the buckets, within the bound', () => {
    const random = new SeededRandom(5);
    const sketch = new QuantileSketch(0.01, 2048, 64);
    const values = Array.from({ length: 20_000 }, () => random.normal(10, 3));
    for (const v of values) sketch.add(v);
    expect(sketch.isExact).toBe(false);
    expect(sketch.exactValues()).toBeNull();
    expect(sketch.toJSON().exact).toBeUndefined();
    expectWithinBound(
      sketch,
      values,
      values.map(() => 1),
    );
  });

  it('whole numbers past the cap: a bucket holding a single integer answers that integer', () => {
    const random = new SeededRandom(6);
    const sketch = new QuantileSketch(0.01, 2048, 64);
    const values: number[] = [];
    // Counts from 0 to ~400 (far more than 64 distinct), most of them small.
    for (let i = 0; i < 20_000; i++) values.push(Math.floor(random.next() ** 3 * 400));
    for (const v of values) sketch.add(v);
    expect(sketch.isExact).toBe(false);
    const weights = values.map(() => 1);
    const exactByPercent = exactQuantiles(values, weights);
    let exactAnswers = 0;
    for (let k = 1; k < 100; k++) {
      const exact = exactByPercent.get(k) as number;
      const answer = sketch.quantile(k / 100);
      // A bucket (γ^(i−1), γ^i] spans 2α·x: narrower than 1 below x ≈ 50 at α = 0.01, one integer in it.
      if (exact < 49) {
        expect(answer, `p${k}`).toBe(exact);
        exactAnswers++;
      } else expect(Math.abs(answer - exact)).toBeLessThanOrEqual(0.01 * exact);
    }
    expect(exactAnswers).toBeGreaterThan(30);
    const two = new QuantileSketch(0.01);
    two.add(2);
    two.add(1.5);
    two.add(2);
    // Not all whole numbers: the bucket midpoint, within ±1%, as before.
    expect(two.quantile(0.9)).toBeCloseTo(1.9939, 3);
  });

  it('exact values merge exactly, survive JSON, and a JSON without them answers from the buckets', () => {
    const all = new QuantileSketch(0.01, 2048, 8);
    const left = new QuantileSketch(0.01, 2048, 8);
    const right = new QuantileSketch(0.01, 2048, 8);
    for (let i = 0; i < 100; i++) {
      const value = i % 5;
      all.add(value, 1 + (i % 3));
      (i < 50 ? left : right).add(value, 1 + (i % 3));
    }
    left.merge(right);
    expect(left.exactValues()).toEqual(all.exactValues());
    expect(left.quantile(0.3)).toBe(all.quantile(0.3));
    const copy = QuantileSketch.fromJSON(JSON.parse(JSON.stringify(all.toJSON())), 2048, 8);
    expect(copy.exactValues()).toEqual(all.exactValues());
    expect(copy.quantile(0.7)).toBe(all.quantile(0.7));
    const { exact: _dropped, ...older } = all.toJSON();
    const fromOlder = QuantileSketch.fromJSON(older, 2048, 8);
    expect(fromOlder.isExact).toBe(false);
    expect(fromOlder.buckets()).toEqual(all.buckets());
    // A merge that takes the union past the cap drops the exact values for good.
    const wide = new QuantileSketch(0.01, 2048, 8);
    for (let i = 10; i < 15; i++) wide.add(i);
    left.merge(wide);
    expect(left.isExact).toBe(false);
    left.add(3);
    expect(left.isExact).toBe(false);
  });
});
