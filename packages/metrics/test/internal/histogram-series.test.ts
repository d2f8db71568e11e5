import { describe, expect, it } from 'vitest';
import { HistogramSeries } from '../../src/internal/histogram-series.ts';

describe('HistogramSeries', () => {
  it('counts a value in the bucket whose upper bound (inclusive) holds it, as Prometheus le does', () => {
    const series = new HistogramSeries({}, [0.1, 0.5, 1]);
    for (const v of [0, 0.1, 0.1000001, 0.5, 0.7, 1, 1.5, -2]) series.record(v);
    expect(Array.from(series.counts)).toEqual([3, 2, 2, 1]);
    expect(series.count).toBe(8);
    expect(series.sum).toBeCloseTo(1.9000001, 12);
    expect([series.min, series.max]).toEqual([-2, 1.5]);
  });

  it('ignores NaN and infinities, which would poison the sum', () => {
    const series = new HistogramSeries({}, [1]);
    series.record(Number.NaN);
    series.record(Number.POSITIVE_INFINITY);
    series.record(Number.NEGATIVE_INFINITY);
    series.record(0.5);
    expect([series.count, series.sum, Array.from(series.counts)]).toEqual([1, 0.5, [1, 0]]);
  });

  it('agrees with a linear scan over many boundaries', () => {
    const bounds = Array.from({ length: 37 }, (_, i) => i * i - 100);
    const series = new HistogramSeries({}, bounds);
    const expected = new Array<number>(bounds.length + 1).fill(0);
    for (let v = -150; v < 1400; v += 0.37) {
      series.record(v);
      const i = bounds.findIndex((b) => v <= b);
      const at = i === -1 ? bounds.length : i;
      expected[at] = (expected[at] as number) + 1;
    }
    expect(Array.from(series.counts)).toEqual(expected);
  });
});
