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
import { SeededRandom } from './support/seeded-random.ts';
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
    expect(b.kind).toBe('numeric');
    // The quantile bins; the range bins (below the baseline's minimum, above its maximum) hold only
    // the few current values beyond the baseline's extremes.
    const numeric = b.bins.filter((bin) => /^[[(]/.test(bin.label));
    expect(numeric).toHaveLength(10);
    // Cuts fall on sketch bucket edges, so each bin's share is off by at most the share of one bucket
    // at each end: a bucket spans 2α·|x| ≈ 0.1 at x = 5, where N(5, 2) has density 0.2, so ≈ 0.02.
    for (const bin of numeric) expect(Math.abs(bin.expected - 0.1)).toBeLessThan(0.025);
    expect(numeric[0]?.label.startsWith('[')).toBe(true);
    expect(numeric[9]?.label.endsWith(']')).toBe(true);
    for (const range of b.bins.filter((bin) => /^[<>]/.test(bin.label))) {
      expect(range.expected).toBe(0);
      expect(range.actual).toBeLessThan(0.001);
    }
  });
});

/** Profiles of one feature from (value, weight) pairs, as the analytics read them from stored records. */
function featureProfile(rows: ReadonlyArray<readonly [value: unknown, weight: number]>, extra = config) {
  const collector = profileCollector(extra);
  rows.forEach(([value, weight], i) => {
    collector.add(
      {
        event: 'ml.prediction',
        timestamp: '2026-12-01T00:00:00.000Z',
        request_id: `r-${i}`,
        input_features: { x: value },
        sampling_weight: weight,
      } as StoredRecord,
      weight,
    );
  });
  return collector.profile;
}

/** A population drawn with a seed and sampled: value v kept with probability keep(v), weight 1/keep(v). */
function sampled(
  seed: number,
  count: number,
  draw: (random: SeededRandom) => number,
  keep: (value: number) => number,
): Array<[number, number]> {
  const random = new SeededRandom(seed);
  const rows: Array<[number, number]> = [];
  for (let i = 0; i < count; i++) {
    const value = draw(random);
    const p = keep(value);
    if (random.next() < p) rows.push([value, 1 / p]);
  }
  return rows;
}

describe('compareProfiles on flags, counts and values outside the baseline range', () => {
  // The case of issue 15: is_weekend was 1 for every baseline record and is 0 for 86% of the current
  // ones; PSI used to put the zeros in the bin of the ones (0.0002, "none") while KS said D = 0.864.
  const baselineFlag = sampled(
    11,
    20_000,
    () => 1,
    () => 0.25,
  );
  const currentFlag = sampled(
    12,
    20_000,
    (random) => (random.next() < 0.86 ? 0 : 1),
    (value) => (value === 0 ? 0.1 : 0.5),
  );

  it('a 0/1 flag whose baseline is all ones and whose current is 86% zeros (weighted) is significant', () => {
    const report = compareProfiles(featureProfile(baselineFlag), featureProfile(currentFlag), config.drift);
    const x = feature(report, 'x');
    expect(x.kind).toBe('discrete');
    expect(x.band).toBe('significant');
    // Shares 1 → 0.14 for the ones, ε → 0.86 for the zeros (the weights undo the 10%/50% sampling):
    // (0.14 − 1)·ln 0.14 + (0.86 − 1e-4)·ln(0.86/1e-4) ≈ 1.69 + 7.79 = 9.48.
    expect(x.bins.map((b) => b.label)).toEqual(['0', '1']);
    const zeros = x.bins[0];
    expect(zeros?.expected).toBe(0);
    expect(zeros?.actual).toBeGreaterThan(0.84);
    expect(zeros?.actual).toBeLessThan(0.88);
    expect(x.psi as number).toBeGreaterThan(9);
    expect(x.psi as number).toBeLessThan(10);
    expect(x.chiSquare?.degreesOfFreedom).toBe(1);
    expect(x.chiSquare?.pValue as number).toBeLessThan(1e-16);
    expect(x.chiSquareRejects).toBe(true);
    expect(x.ks?.statistic as number).toBeGreaterThan(0.84);
    expect(report.significant).toBe(true);
  });

  it('without the exact values (an older baseline profile) the range bin still catches it', () => {
    const noExact = analyticsConfigSchema.parse({ sketch: { exactValues: 0 } });
    const x = feature(
      compareProfiles(
        featureProfile(baselineFlag, noExact),
        featureProfile(currentFlag, noExact),
        noExact.drift,
      ),
      'x',
    );
    expect(x.kind).toBe('numeric');
    expect(x.band).toBe('significant');
    // The zeros sit below the baseline's minimum, in their own bin.
    expect(x.bins.find((b) => b.label === '< 1')?.actual as number).toBeGreaterThan(0.84);
  });

  it('counts (a 1–5 rating) are compared value by value: a shift of one star is flagged, a resample is not', () => {
    const rating = (shift: number) => (random: SeededRandom) =>
      Math.min(5, 1 + Math.floor(random.next() ** (1.5 - shift) * 5));
    const keep = (value: number) => (value >= 4 ? 0.2 : 1);
    const baseline = featureProfile(sampled(21, 20_000, rating(0), keep));
    const same = feature(
      compareProfiles(baseline, featureProfile(sampled(22, 20_000, rating(0), keep)), config.drift),
      'x',
    );
    expect(same.kind).toBe('discrete');
    expect(same.bins.map((b) => b.label)).toEqual(['1', '2', '3', '4', '5']);
    expect(same.band).toBe('none');
    expect(same.psi as number).toBeLessThan(0.01);
    // A same-population resample: the χ² p-value is uniform, so this holds for this seed with 99% odds.
    expect(same.chiSquare?.pValue as number).toBeGreaterThan(0.01);
    const moved = feature(
      compareProfiles(baseline, featureProfile(sampled(23, 20_000, rating(0.5), keep)), config.drift),
      'x',
    );
    expect(moved.band).not.toBe('none');
    expect(moved.chiSquare?.pValue as number).toBeLessThan(1e-6);
    expect(moved.chiSquare?.degreesOfFreedom).toBe(4);
  });

  it('continuous values below the baseline minimum get their own bin instead of joining the first one', () => {
    const uniform = (lo: number, hi: number) => (random: SeededRandom) => lo + random.next() * (hi - lo);
    const baseline = featureProfile(sampled(31, 20_000, uniform(10, 20), () => 1));
    // 10% of the current values are in [0, 5), below every baseline value.
    const current = featureProfile([
      ...sampled(32, 18_000, uniform(10, 20), () => 1),
      ...sampled(33, 2000, uniform(0, 5), () => 1),
    ]);
    const x = feature(compareProfiles(baseline, current, config.drift), 'x');
    const below = x.bins.find((b) => b.label.startsWith('< '));
    expect(below?.label).toBe(`< ${Number(baseline.features.get('x')?.sketch.min.toPrecision(4))}`);
    expect(below?.actual).toBeCloseTo(0.1, 2);
    // 0.1·ln(0.1/1e-4) ≈ 0.69 from that bin alone; lumped into the first decile it was ≈ 0.07.
    expect(x.psi as number).toBeGreaterThan(0.6);
    expect(x.band).toBe('significant');
  });

  it('a small baseline is not flagged for its own range: an empty range bin expects 1/(n + 1)', () => {
    const normal = (random: SeededRandom) => random.normal(0, 1);
    const term = (a: number, e: number) => (a - e) * Math.log(a / e);
    let withFloor = 0;
    let withEpsilon = 0;
    let beyond = 0;
    const replicates = 40;
    for (let r = 0; r < replicates; r++) {
      // 100 baseline values against 5,000 current ones of the same population.
      const baseline = featureProfile(sampled(1000 + r, 100, normal, () => 1));
      const current = featureProfile(sampled(2000 + r, 5000, normal, () => 1));
      const x = feature(compareProfiles(baseline, current, config.drift), 'x');
      const range = x.bins.filter((b) => /^[<>]/.test(b.label));
      const floorTerms = range.reduce((sum, b) => sum + term(b.actual, 1 / 101), 0);
      // The PSI is the quantile bins' terms plus the range bins' terms at 1/(n + 1), not at ε.
      const quantileTerms = x.bins
        .filter((b) => /^[[(]/.test(b.label))
        .reduce((sum, b) => sum + term(b.actual, b.expected), 0);
      expect(x.psi as number).toBeCloseTo(quantileTerms + floorTerms, 9);
      withFloor += floorTerms / replicates;
      withEpsilon += range.reduce((sum, b) => sum + term(b.actual, 1e-4), 0) / replicates;
      beyond += range.reduce((sum, b) => sum + b.actual, 0) / replicates;
    }
    // On average 2/101 of the current values fall beyond the extremes of 100 baseline values.
    expect(beyond).toBeGreaterThan(0.012);
    expect(beyond).toBeLessThan(0.03);
    expect(withFloor).toBeLessThan(0.03);
    expect(withEpsilon).toBeGreaterThan(3 * withFloor);
  });
});
