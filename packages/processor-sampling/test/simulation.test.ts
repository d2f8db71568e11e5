import { seededRandom } from '@predlog/test-kit';
import { describe, expect, it } from 'vitest';
import { type SimulationRecord, samplingConfigSchema, simulateSampling } from '../src/index.ts';

/** A sample as `predlog query --json` would give it: a skewed fraud model, ~600-byte lines. */
function sample(n: number, extra: (i: number) => Record<string, unknown> = () => ({})): SimulationRecord[] {
  const random = seededRandom(3);
  return Array.from({ length: n }, (_, i) => ({
    attributes: {
      'ml.request.id': `s${i}`,
      'ml.model.name': 'fraud',
      'ml.model.version': '2.3.1',
      'ml.prediction.score': 0.05 + 0.9 * random() ** 4,
      'ml.prediction.threshold': 0.5,
      ...extra(i),
    },
    body: { input_features: { amount: random() * 100 } },
    bytes: 600,
  }));
}

describe('simulateSampling', () => {
  it('5M/day at steady state: the 10% tier, per-rule records and bytes per day, saving vs 100%', () => {
    const report = simulateSampling({
      config: samplingConfigSchema.parse({}),
      records: sample(1000, (i) => (i % 100 === 0 ? { 'ml.prediction.status': 'error' } : {})),
      volumePerDay: 5_000_000,
      hours: 2,
    });
    expect(report.full.recordsPerDay).toBeCloseTo(5_000_000, -1);
    expect(report.full.bytesPerDay).toBeCloseTo(5_000_000 * 600, -4);
    expect(report.models).toEqual([
      { model: 'fraud', rate: 0.1, volumePerDay: expect.any(Number), tierChanges: 0 },
    ]);
    const rules = Object.fromEntries(report.rules.map((r) => [r.reason, r.keptPerDay]));
    // 1% errors are past the always-keep cap (maxShare 0.5%): drawn at p = 0.005 / 0.01 = 0.5, so
    // about 25,000 a day kept, each with weight 2; about 10% of the rest is drawn; no new versions.
    expect(Math.abs((rules.error ?? 0) - 25_000)).toBeLessThan(1_500);
    expect(rules.new_version).toBeUndefined();
    expect(rules.sampled ?? 0).toBeGreaterThan(0.08 * 5_000_000);
    expect(rules.sampled ?? 0).toBeLessThan(0.1 * 5_000_000);
    const sum = report.rules.reduce((a, r) => a + r.keptPerDay, 0);
    expect(report.kept.recordsPerDay).toBeCloseTo(sum, 6);
    expect(report.saving.records).toBeCloseTo(1 - report.kept.recordsPerDay / report.full.recordsPerDay, 9);
    expect(report.saving.records).toBeGreaterThan(0.8);
    // Kept lines grow by their sampling annotations.
    expect(report.kept.bytesPerDay).toBeGreaterThan(report.kept.recordsPerDay * 600);
    // The weights estimate the volume (within 2%).
    expect(Math.abs(report.weightedVolumePerDay - 5_000_000) / 5_000_000).toBeLessThan(0.02);
  });

  it('below 100k/day everything is kept: no saving', () => {
    const report = simulateSampling({
      config: samplingConfigSchema.parse({}),
      records: sample(200),
      volumePerDay: 50_000,
      hours: 24,
    });
    expect(report.saving.records).toBe(0);
    expect(report.models[0]?.rate).toBe(1);
  });

  it('a fresh start shows the new-version period: 24 h at 100%', () => {
    const report = simulateSampling({
      config: samplingConfigSchema.parse({}),
      records: sample(200),
      volumePerDay: 5_000_000,
      hours: 1,
      freshStart: true,
    });
    expect(report.warmupHours).toBe(0);
    expect(report.saving.records).toBe(0);
    expect(report.rules.find((r) => r.reason === 'new_version')?.shareOfRecords).toBeGreaterThan(0.9);
  });

  it('shows what a rate limit sheds, by rule', () => {
    const report = simulateSampling({
      config: samplingConfigSchema.parse({ rateLimit: { recordsPerSecond: 2 } }),
      records: sample(500),
      volumePerDay: 5_000_000,
      hours: 1,
    });
    expect(report.kept.recordsPerDay).toBeLessThanOrEqual(2 * 86_400 + 2 * 24);
    expect(report.rateLimited.find((r) => r.reason === 'sampled')?.perDay).toBeGreaterThan(100_000);
  });

  it('draws sample lines in proportion to their weight', () => {
    const records: SimulationRecord[] = sample(2).map((r, i) => ({ ...r, weight: i === 0 ? 9 : 1 }));
    records[0] = { ...(records[0] as SimulationRecord), attributes: { 'ml.model.name': 'heavy' } };
    const report = simulateSampling({
      config: samplingConfigSchema.parse({ rate: 1 }),
      records,
      volumePerDay: 100_000,
      hours: 24,
    });
    const volumes = Object.fromEntries(report.models.map((m) => [m.model, m.volumePerDay]));
    expect((volumes.heavy ?? 0) / 100_000).toBeCloseTo(0.9, 2);
  });

  it('refuses runs that are too large, and empty samples', () => {
    const config = samplingConfigSchema.parse({});
    expect(() => simulateSampling({ config, records: sample(1), volumePerDay: 1e10 })).toThrow(
      /simulate fewer hours/,
    );
    expect(() => simulateSampling({ config, records: [], volumePerDay: 100 })).toThrow(
      /no prediction records/,
    );
  });
});
