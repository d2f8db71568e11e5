import type { StoredRecord } from '@predlog/schema';
import { describe, expect, it } from 'vitest';
import {
  analyticsConfigSchema,
  compareProfiles,
  type DistributionDrift,
  type DriftReport,
} from '../src/index.ts';
import { profileCollector } from '../src/profile-reader.ts';
import type { Row } from './support/partition-files.ts';
import { type SyntheticOptions, syntheticPredictions } from './support/synthetic-predictions.ts';

const config = analyticsConfigSchema.parse({});

function profile(options: SyntheticOptions, keep: (record: Row) => number = () => 1) {
  const collector = profileCollector(config);
  for (const { record } of syntheticPredictions(options)) {
    const p = keep(record);
    // Keep with probability p, deterministically from the request number; weight 1/p.
    const n = Number(String(record.request_id).split('-').pop());
    if (p < 1 && (n * 0.6180339887) % 1 >= p) continue;
    collector.add(record as StoredRecord, p < 1 ? 1 / p : 1);
  }
  return collector.profile;
}

function feature(report: DriftReport, name: string): DistributionDrift {
  const found = report.features.find((f) => f.name === name);
  if (found === undefined) throw new Error(`no drift row for ${name}`);
  return found;
}

const N = 20_000;

describe('compareProfiles on generated data with a known shift', () => {
  const baseline = profile({ seed: 1, count: N });

  it('flags the feature whose mean moved by one standard deviation, and no other', () => {
    const report = compareProfiles(baseline, profile({ seed: 2, count: N, shiftA: 1 }), config.drift);
    const a = feature(report, 'a');
    expect(a.band).toBe('significant');
    expect(a.psi).toBeGreaterThan(0.5);
    // For N(0,1) against N(1,1) the population D is 2Φ(0.5) − 1 = 0.3829.
    expect(a.ks?.statistic).toBeGreaterThan(0.35);
    expect(a.ks?.statistic).toBeLessThan(0.42);
    expect(a.ksRejects).toBe(true);
    expect(a.current.mean).toBeCloseTo(1, 1);
    for (const name of ['b', 'c', 'd']) {
      const other = feature(report, name);
      expect(other.band, name).toBe('none');
      expect(other.psi as number, name).toBeLessThan(0.01);
    }
    for (const name of ['b', 'c']) expect(feature(report, name).ks?.statistic as number).toBeLessThan(0.03);
    expect(report.features[0]?.name).toBe('a');
    // The score follows a; the positive decision rate rises and the z-test says so.
    expect(report.score?.band).toBe('significant');
    expect(report.positiveRate?.rejects).toBe(true);
    expect(report.positiveRate?.currentRate as number).toBeGreaterThan(
      report.positiveRate?.baselineRate as number,
    );
    expect(report.significant).toBe(true);
  });

  it('finds nothing between two samples of the same population', () => {
    const report = compareProfiles(baseline, profile({ seed: 3, count: N }), config.drift);
    for (const f of report.features) expect(f.band, f.name).toBe('none');
    expect(report.score?.band).toBe('none');
    expect(report.significant).toBe(false);
  });

  it('a categorical feature: PSI over its categories', () => {
    const report = compareProfiles(
      baseline,
      profile({ seed: 4, count: N, categories: [0.2, 0.3, 0.5] }),
      config.drift,
    );
    const d = feature(report, 'd');
    expect(d.kind).toBe('categorical');
    expect(d.band).toBe('significant');
    // Expected shares 0.5/0.3/0.2 against 0.2/0.3/0.5: PSI ≈ 0.3·ln(2.5)·2 = 0.5498.
    expect(d.psi as number).toBeCloseTo(0.5498, 1);
    expect(d.ks).toBeNull();
    expect(d.bins.map((b) => b.label)).toEqual(['x', 'y', 'z']);
  });

  it('nulls appearing in a feature show in its missing bin', () => {
    const report = compareProfiles(baseline, profile({ seed: 5, count: N, nullShareC: 0.3 }), config.drift);
    const c = feature(report, 'c');
    expect(c.band).toBe('significant');
    const missing = c.bins.find((b) => b.label === '(missing)');
    expect(missing?.expected).toBe(0);
    expect(missing?.actual).toBeCloseTo(0.3, 1);
    expect(c.current.missingShare).toBeCloseTo(0.3, 1);
  });

  it('with sampling weights 1/p a skewed subsample reads as the population it came from', () => {
    // Keep 30% of the records whose category is x (weight 1/0.3), all others.
    const keep = (record: Row) => ((record.input_features as { d: string }).d === 'x' ? 0.3 : 1);
    const current = profile({ seed: 6, count: N, shiftA: 1 }, keep);
    const weighted = compareProfiles(baseline, current, config.drift);
    expect(feature(weighted, 'd').band).toBe('none');
    expect(feature(weighted, 'd').psi as number).toBeLessThan(0.01);
    expect(feature(weighted, 'a').band).toBe('significant');
    expect(feature(weighted, 'b').band).toBe('none');
    expect(Math.abs(current.weight - N) / N).toBeLessThan(0.02);
    // The same subsample without its weights: x looks rare, a false drift of d.
    const unweightedCollector = profileCollector(config);
    for (const { record } of syntheticPredictions({ seed: 6, count: N, shiftA: 1 })) {
      const n = Number(String(record.request_id).split('-').pop());
      if (keep(record) < 1 && (n * 0.6180339887) % 1 >= 0.3) continue;
      unweightedCollector.add(record as StoredRecord, 1);
    }
    const unweighted = compareProfiles(baseline, unweightedCollector.profile, config.drift);
    expect(feature(unweighted, 'd').band).toBe('significant');
  });

  it('bins numbers at the baseline deciles, so each baseline bin holds about a tenth', () => {
    const report = compareProfiles(baseline, profile({ seed: 7, count: N }), config.drift);
    const b = feature(report, 'b');
    const numeric = b.bins.filter((bin) => bin.label !== '(missing)');
    expect(numeric).toHaveLength(10);
    // Cuts fall on sketch bucket edges, so each bin's share is off by at most the share of one bucket
    // at each end: a bucket spans 2α·|x| ≈ 0.1 at x = 5, where N(5, 2) has density 0.2, so ≈ 0.02.
    for (const bin of numeric) expect(Math.abs(bin.expected - 0.1)).toBeLessThan(0.025);
    expect(numeric[0]?.label.startsWith('≤ ')).toBe(true);
    expect(numeric[9]?.label.startsWith('> ')).toBe(true);
  });
});
