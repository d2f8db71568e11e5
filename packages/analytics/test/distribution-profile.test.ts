import { describe, expect, it } from 'vitest';
import { analyticsConfigSchema, DistributionProfile, isDistributionProfileJson } from '../src/index.ts';
import { profileOptions } from '../src/profile-reader.ts';

const options = profileOptions(analyticsConfigSchema.parse({}));

function record(features: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    event: 'ml.prediction',
    timestamp: '2026-03-01T00:00:00.000Z',
    input_features: features,
    ...extra,
  };
}

describe('DistributionProfile', () => {
  it('counts absent and null feature values as missing, also before a feature first appears', () => {
    const p = new DistributionProfile(options);
    p.addRecord(record({ a: 1 }), 2, undefined);
    p.addRecord(record({ a: null, b: 'x' }), 1, true);
    p.addRecord(record({ b: 'y' }), 1, false);
    const a = p.features.get('a');
    const b = p.features.get('b');
    // a: 1 (weight 2), null (1), absent (1) → missing 2 of 4.
    expect(a?.missing).toBe(2);
    expect(a?.numericWeight).toBe(2);
    // b first seen in the second record: the first record's weight 2 is missing.
    expect(b?.missing).toBe(2);
    expect(Object.fromEntries(b?.categories ?? [])).toEqual({ x: 1, y: 1 });
    expect([p.records, p.weight, p.decidedWeight, p.positiveWeight]).toEqual([3, 4, 2, 1]);
    expect(p.score.missing).toBe(4);
  });

  it('merging two days equals profiling both, and survives JSON', () => {
    const all = new DistributionProfile(options);
    const day1 = new DistributionProfile(options);
    const day2 = new DistributionProfile(options);
    for (let i = 0; i < 200; i++) {
      const r = record(i < 100 ? { a: i, c: 'k' } : { a: i, b: i / 2 }, { score: i / 200, latency_ms: 3 });
      all.addRecord(r, 1 + (i % 2), i % 3 === 0);
      (i < 100 ? day1 : day2).addRecord(r, 1 + (i % 2), i % 3 === 0);
    }
    const restored = DistributionProfile.fromJSON(JSON.parse(JSON.stringify(day1.toJSON())), options);
    restored.merge(DistributionProfile.fromJSON(JSON.parse(JSON.stringify(day2.toJSON())), options));
    for (const name of ['a', 'b', 'c']) {
      const x = restored.features.get(name);
      const y = all.features.get(name);
      expect(x?.missing, name).toBe(y?.missing);
      expect(x?.sketch.buckets(), name).toEqual(y?.sketch.buckets());
      if (name !== 'c') expect(x?.moments.mean, name).toBeCloseTo(y?.moments.mean as number, 9);
      expect(x?.categoricalWeight, name).toBe(y?.categoricalWeight);
    }
    expect([restored.weight, restored.positiveWeight, restored.decidedWeight]).toEqual([
      all.weight,
      all.positiveWeight,
      all.decidedWeight,
    ]);
    expect(restored.score.sketch.quantile(0.5)).toBe(all.score.sketch.quantile(0.5));
  });

  it('caps features and categories', () => {
    const p = new DistributionProfile({ ...options, maxFeatures: 2, maxCategories: 2 });
    p.addRecord(record({ a: 'u', b: 1, c: 2 }), 1, undefined);
    p.addRecord(record({ a: 'v', b: 1, d: 2 }), 1, undefined);
    p.addRecord(record({ a: 'w', b: 1 }), 1, undefined);
    expect([...p.features.keys()]).toEqual(['a', 'b']);
    expect(p.featuresDropped).toBe(2);
    expect(p.features.get('a')?.other).toBe(1);
  });

  it('recognises its JSON form and rejects others', () => {
    const p = new DistributionProfile(options);
    p.addRecord(record({ a: 1 }), 1, undefined);
    expect(isDistributionProfileJson(JSON.parse(JSON.stringify(p.toJSON())))).toBe(true);
    expect(isDistributionProfileJson({ format: 'predlog.profile', version: 1 })).toBe(false);
    expect(isDistributionProfileJson(null)).toBe(false);
  });
});
