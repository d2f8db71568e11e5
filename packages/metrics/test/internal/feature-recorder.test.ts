import { describe, expect, it } from 'vitest';
import { compileFeatureRecorder, loopFeatureRecorder } from '../../src/internal/feature-recorder.ts';
import { HistogramSeries } from '../../src/internal/histogram-series.ts';

const fresh = (n: number) => Array.from({ length: n }, () => new HistogramSeries({}, [0, 1, 10]));
const state = (series: HistogramSeries[]) => series.map((s) => [s.count, s.sum, Array.from(s.counts)]);

describe('compileFeatureRecorder', () => {
  it('records what the loop form records: numbers, booleans as 0/1, nothing else', () => {
    const names = ['amount', 'is_new', 'country', 'missing', 'ratio.30d', 'k:v-1'];
    const inputs: Array<Record<string, unknown>> = [
      { amount: 5, is_new: true, country: 'DE', 'ratio.30d': 0.5, 'k:v-1': -1 },
      { amount: '5', is_new: false, missing: null, 'ratio.30d': Number.NaN, 'k:v-1': 20 },
      { amount: 0.25, is_new: 1, country: 3 },
      {},
    ];
    const compiled = fresh(names.length);
    const looped = fresh(names.length);
    const compile = compileFeatureRecorder(names);
    const loop = loopFeatureRecorder(names);
    for (const input of inputs) {
      compile(input, compiled);
      loop(input, looped);
    }
    expect(state(compiled)).toEqual(state(looped));
    expect(compiled.map((s) => s.count)).toEqual([2, 3, 1, 0, 1, 2]);
  });

  it('embeds feature names as string literals: a name that looks like code is only a key', () => {
    const hostile = '"]; globalThis.__predlogInjected = 1; //';
    const series = fresh(1);
    compileFeatureRecorder([hostile])({ [hostile]: 7 }, series);
    expect((globalThis as Record<string, unknown>).__predlogInjected).toBeUndefined();
    expect(series[0]?.count).toBe(1);
  });

  it('does nothing for no features', () => {
    expect(() => compileFeatureRecorder([])({ a: 1 }, [])).not.toThrow();
  });
});
