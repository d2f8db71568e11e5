import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  estimateMonitoringCost,
  type ModelMonitoringConfig,
  pricesSchema,
  rateForVolume,
  readLogVolumes,
  retentionSchema,
} from '../src/index.ts';
import { exampleModels } from './rendered-models.ts';

// The cost estimate against figures computed by hand from logs whose sizes are known exactly.

const DEFAULT_TIERS = {
  volumeTiers: [{ belowPerDay: 100_000, rate: 1 }, { belowPerDay: 1_000_000, rate: 0.5 }, { rate: 0.1 }],
};
const prices = pricesSchema.parse({
  storage: { hotPerGbMonth: 0.1, warmPerGbMonth: 0.02, coldPerGbMonth: 0.004 },
  perQuery: 0.000001,
  perJob: 0.01,
  perGbScanned: 0.5,
});

/** One stored prediction line of exactly `bytes` bytes, newline included. */
function line(model: string, date: string, weight: number, bytes: number): string {
  const base = {
    event: 'ml.prediction',
    timestamp: `${date}T12:00:00.000Z`,
    model_name: model,
    sampling_weight: weight,
    pad: '',
  };
  const length = Buffer.byteLength(JSON.stringify(base)) + 1;
  return `${JSON.stringify({ ...base, pad: 'x'.repeat(bytes - length) })}\n`;
}

async function partition(root: string, model: string, date: string, file: string, text: string | Buffer) {
  const dir = path.join(root, `model_name=${model}`, `date=${date}`);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, file), text);
}

let root: string;
let models: ModelMonitoringConfig[];

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'predlog-monitoring-cost-'));
  models = await exampleModels();
  // fraud-xgb: 2 days of 200 lines of 500 bytes, each standing for 1,000 predictions (200,000/day).
  for (const date of ['2026-03-01', '2026-03-02'])
    await partition(root, 'fraud-xgb', date, 'part-1.ndjson', line('fraud-xgb', date, 1000, 500).repeat(200));
  // churn-gbm: 1 day of 100 lines of 250 bytes, unsampled; a torn last line is skipped, its bytes stored.
  await partition(
    root,
    'churn-gbm',
    '2026-03-01',
    'part-1.ndjson',
    `${line('churn-gbm', '2026-03-01', 1, 250).repeat(100)}{"torn`,
  );
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('monitoring cost', () => {
  it('reads records, weights and sizes per model and day from the files', async () => {
    const { days, skippedLines } = await readLogVolumes(root);
    expect(skippedLines).toBe(1);
    expect(days.map((d) => [d.model, d.date, d.records, d.predictions, d.plainBytes, d.diskBytes])).toEqual([
      ['churn-gbm', '2026-03-01', 100, 100, 100 * 250 + 7, 100 * 250 + 6],
      ['fraud-xgb', '2026-03-01', 200, 200_000, 200 * 500, 200 * 500],
      ['fraud-xgb', '2026-03-02', 200, 200_000, 200 * 500, 200 * 500],
    ]);
  });

  it("picks the sampling config's rate by daily volume: the seed's 100% / 50% / 10%", () => {
    expect(rateForVolume(DEFAULT_TIERS, 99_999)).toBe(1);
    expect(rateForVolume(DEFAULT_TIERS, 100_000)).toBe(0.5);
    expect(rateForVolume(DEFAULT_TIERS, 5_000_000)).toBe(0.1);
    expect(rateForVolume({ ...DEFAULT_TIERS, rate: 0.2 }, 5_000_000)).toBe(0.2);
  });

  it('estimates storage, jobs and queries per model per month, and the savings, as computed by hand', async () => {
    const { days } = await readLogVolumes(root);
    const retention = retentionSchema.parse({ compressionRatio: 0.25 });
    const report = estimateMonitoringCost({
      volumes: days,
      sampling: DEFAULT_TIERS,
      prices,
      retention,
      models,
    });
    const fraud = report.models.find((m) => m.model === 'fraud-xgb');
    const churn = report.models.find((m) => m.model === 'churn-gbm');
    if (fraud === undefined || churn === undefined) throw new Error('models missing');

    // fraud-xgb, T1: 200,000 predictions/day at 50% of 500 bytes = 0.05 GB/day.
    expect(fraud.tier).toBe('T1');
    expect(fraud.predictionsPerDay).toBe(200_000);
    expect(fraud.loggedRate).toBeCloseTo(0.001, 12);
    expect(fraud.configuredRate).toBe(0.5);
    expect(fraud.storage.bytesPerDay).toBe(5e7);
    expect(fraud.storage.hotGb).toBeCloseTo(0.05 * 7, 12);
    expect(fraud.storage.warmGb).toBeCloseTo(0.05 * 83 * 0.25, 12);
    expect(fraud.storage.coldGb).toBe(0);
    expect(fraud.storage.cost).toBeCloseTo(0.35 * 0.1 + 1.0375 * 0.02, 12);
    // Hourly drift (720 a month, each reading 1 h = 0.05/24 GB) and daily performance (30, 1 day each).
    expect(fraud.jobsPerMonth).toEqual({ drift: 720, performance: 30 });
    expect(fraud.gbScannedPerMonth).toBeCloseTo(720 * (0.05 / 24) + 30 * 0.05, 12);
    expect(fraud.jobCost).toBeCloseTo(750 * 0.01 + 3 * 0.5, 12);
    // Rules: serving 4 at 1m, drift 8 at 1h, escalation 1 at 1m, health 3 at 1m.
    expect(fraud.queriesPerMonth).toBe(4 * 43_200 + 8 * 720 + 43_200 + 3 * 43_200);
    expect(fraud.queryCost).toBeCloseTo(351_360 * 0.000001, 12);
    expect(fraud.totalPerMonth).toBeCloseTo(0.05575 + 9 + 0.35136, 10);
    // Sampling: at 100%, storage 0.7 GB hot + 2.075 GB warm, scans 6 GB.
    const full = 0.7 * 0.1 + 2.075 * 0.02 + 7.5 + 6 * 0.5;
    expect(fraud.savings.sampling.without).toBeCloseTo(full, 10);
    expect(fraud.savings.sampling.saved).toBeCloseTo(full - (0.05575 + 9), 10);
    // Retention tiers: 90 days hot would be 4.5 GB at 0.1.
    expect(fraud.savings.retentionTiers.saved).toBeCloseTo(0.45 - 0.05575, 12);
    expect(fraud.savings.frequencyTiers.saved).toBe(0);

    // churn-gbm, T2: 100 a day, logged in full (rate 1), 25,007 bytes/day (the torn line included).
    expect(churn.configuredRate).toBe(1);
    expect(churn.savings.sampling.saved).toBeCloseTo(0, 15);
    const gbDay = 25_007 / 1e9;
    expect(churn.jobsPerMonth.drift).toBe(30);
    expect(churn.jobsPerMonth.performance).toBeCloseTo(30 / 7, 12);
    expect(churn.queriesPerMonth).toBe(3 * 720 + 8 * 30 + 43_200 + 3 * 43_200);
    // Frequency tiers: the same model at T1 runs 750 jobs and 308,160 rule evaluations a month.
    const t1 = 750 * 0.01 + 60 * gbDay * 0.5 + 308_160 * 0.000001;
    const t2 = (30 + 30 / 7) * 0.01 + 60 * gbDay * 0.5 + 175_200 * 0.000001;
    expect(churn.savings.frequencyTiers.without).toBeCloseTo(t1, 10);
    expect(churn.savings.frequencyTiers.saved).toBeCloseTo(t1 - t2, 10);

    expect(report.total.perMonth).toBeCloseTo(fraud.totalPerMonth + churn.totalPerMonth, 12);
    expect(report.compressionRatioSource).toBe('config');
  });

  it('measures the compression ratio on gzipped files, and costs a model without a config at the default tier', async () => {
    const gz = await mkdtemp(path.join(os.tmpdir(), 'predlog-monitoring-cost-gz-'));
    try {
      const text = line('new-model', '2026-03-01', 1, 400).repeat(50);
      const packed = gzipSync(text);
      await partition(gz, 'new-model', '2026-03-01', 'part-1.ndjson.gz', packed);
      const { days } = await readLogVolumes(gz);
      const report = estimateMonitoringCost({
        volumes: days,
        sampling: DEFAULT_TIERS,
        prices,
        retention: retentionSchema.parse({}),
      });
      expect(report.compressionRatioSource).toBe('measured');
      expect(report.compressionRatio).toBeCloseTo(packed.length / 20_000, 12);
      expect(report.models.map((m) => [m.model, m.tier, m.tierAssumed])).toEqual([['new-model', 'T2', true]]);
    } finally {
      await rm(gz, { recursive: true, force: true });
    }
  });
});
