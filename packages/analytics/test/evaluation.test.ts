import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  analyticsConfigSchema,
  ClassificationAccumulator,
  compareWithBaseline,
  type EvaluationReport,
  evaluatePredictions,
  isEvaluationReport,
} from '../src/index.ts';
import { type Row, removeDir, tempDir, writeLines, writePartitions } from './support/partition-files.ts';
import { syntheticPredictions } from './support/synthetic-predictions.ts';

let root: string;
const config = analyticsConfigSchema.parse({ classification: { positiveLabels: ['fraud'] } });
const population = syntheticPredictions({
  seed: 31,
  count: 60_000,
  days: 3,
  start: '2026-03-01T00:00:00.000Z',
});

/** Keeps every score ≥ 0.5 and 20% of the rest (deterministic per request), as a sampler would. */
const inclusion = (score: number) => (score >= 0.5 ? 1 : 0.2);
const kept = (i: number, score: number) => (i * 0.6180339887) % 1 < inclusion(score);

beforeAll(async () => {
  root = await tempDir('evaluate');
  const versioned: Row[] = population.map((g, i) => ({
    ...g.record,
    model_version: i % 4 === 0 ? '2' : '1',
  }));
  await writePartitions(path.join(root, 'full'), versioned);
  await writePartitions(
    path.join(root, 'sampled'),
    versioned
      .map((record, i) => ({ record, i }))
      .filter(({ record, i }) => kept(i, record.score as number))
      .map(({ record }) => ({
        ...record,
        sampling_weight: 1 / inclusion(record.score as number),
        sampling_reason: 'test',
      })),
    { gzip: true },
  );
  await writeLines(
    path.join(root, 'labels.ndjson'),
    population.map((g) =>
      JSON.stringify({ request_id: g.record.request_id, label: g.positive ? 'fraud' : 'legit' }),
    ),
  );
});

afterAll(async () => {
  await removeDir(root);
});

const labels = () => ({ kind: 'file' as const, file: path.join(root, 'labels.ndjson') });

describe('evaluatePredictions', () => {
  let full: EvaluationReport;
  beforeAll(async () => {
    full = await evaluatePredictions({
      selection: { directory: path.join(root, 'full') },
      labels: labels(),
      config,
    });
  });

  it('computes the same figures as the accumulator fed with the same pairs', () => {
    const reference = new ClassificationAccumulator();
    for (const g of population) {
      const score = g.record.score as number;
      reference.add({ actual: g.positive, predicted: score >= 0.5, score, weight: 1 });
    }
    const expected = reference.result();
    const c = full.overall.classification;
    expect(full.task).toBe('classification');
    expect(c?.count).toBe(60_000);
    for (const key of ['auc', 'precision', 'recall', 'f1', 'ece'] as const) {
      expect(c?.[key], key).toBeCloseTo(expected[key] as number, 12);
    }
    expect(full.overall.regression).toBeNull();
    expect(full.join.matchRate).toBe(1);
    // The synthetic model is calibrated by construction: a small ECE, a fair AUC.
    expect(c?.ece as number).toBeLessThan(0.02);
    expect(c?.auc as number).toBeGreaterThan(0.7);
  });

  it('reports cohorts by version, segment and prediction date that add up to the whole', () => {
    for (const dimension of ['version', 'segment', 'date'] as const) {
      const cohorts = full.cohorts.filter((c) => c.dimension === dimension);
      const total = cohorts.reduce((sum, c) => sum + (c.classification?.count ?? 0), 0);
      expect(total, dimension).toBe(60_000);
    }
    expect(full.cohorts.filter((c) => c.dimension === 'date').map((c) => c.value)).toEqual([
      '2026-03-01',
      '2026-03-02',
      '2026-03-03',
    ]);
    expect(
      full.cohorts.find((c) => c.dimension === 'version' && c.value === '2')?.classification?.count,
    ).toBe(15_000);
  });

  it('tallies the label values met and how many read as positive', async () => {
    const positives = population.filter((g) => g.positive).length;
    expect(full.labels).toEqual({
      values: [
        { value: 'fraud', count: positives, weight: positives, positive: true },
        { value: 'legit', count: 60_000 - positives, weight: 60_000 - positives, positive: false },
      ],
      other: { count: 0, weight: 0 },
      positiveCount: positives,
    });
    // Without positiveLabels the same labels are all negative: nothing to rank, the tally says so.
    const unconfigured = await evaluatePredictions({
      selection: { directory: path.join(root, 'full') },
      labels: labels(),
      config: analyticsConfigSchema.parse({ evaluate: { cohorts: [] } }),
    });
    expect(unconfigured.labels?.positiveCount).toBe(0);
    expect(unconfigured.labels?.values.map((v) => [v.value, v.positive])).toEqual([
      ['fraud', false],
      ['legit', false],
    ]);
    expect(unconfigured.overall.classification?.auc).toBeNull();
  });

  it('with sampling weights 1/p, the subsample’s metrics match the full data set’s (seed 31)', async () => {
    const sampled = await evaluatePredictions({
      selection: { directory: path.join(root, 'sampled') },
      labels: labels(),
      config,
    });
    const s = sampled.overall.classification;
    const f = full.overall.classification;
    expect(s?.count as number).toBeLessThan(0.5 * 60_000);
    // Tolerances ≈ 3 standard errors at this subsample size (~22k records).
    expect(Math.abs((s?.auc as number) - (f?.auc as number))).toBeLessThan(0.012);
    expect(Math.abs((s?.precision as number) - (f?.precision as number))).toBeLessThan(0.02);
    expect(Math.abs((s?.recall as number) - (f?.recall as number))).toBeLessThan(0.02);
    expect(Math.abs((s?.ece as number) - (f?.ece as number))).toBeLessThan(0.015);
    expect(Math.abs((s?.weight as number) - 60_000) / 60_000).toBeLessThan(0.02);
    expect(Math.abs((sampled.join.coverage as number) - 1)).toBeLessThan(1e-9);
  });

  it('compares with a baseline report and flags a degraded model', async () => {
    const flipped = path.join(root, 'flipped.ndjson');
    // A third of the labels flipped: the model looks much worse against this truth.
    await writeLines(
      flipped,
      population.map((g, i) =>
        JSON.stringify({
          request_id: g.record.request_id,
          label: (i % 3 === 0 ? !g.positive : g.positive) ? 'fraud' : 'legit',
        }),
      ),
    );
    const baseline = JSON.parse(JSON.stringify(full)) as unknown;
    expect(isEvaluationReport(baseline)).toBe(true);
    const worse = await evaluatePredictions({
      selection: { directory: path.join(root, 'full') },
      labels: { kind: 'file', file: flipped },
      config,
      baseline: baseline as EvaluationReport,
    });
    expect(worse.degraded).toBe(true);
    const auc = worse.comparison?.find((c) => c.metric === 'auc');
    expect(auc?.worse).toBe(true);
    expect(auc?.delta as number).toBeLessThan(-0.1);
    // Against itself nothing is worse.
    expect(compareWithBaseline(full, full, config.evaluate).some((c) => c.worse)).toBe(false);
  });

  it('regression: MAE, RMSE, MAPE and bias of the scikit-learn example, through files', async () => {
    const dir = path.join(root, 'regression');
    const y = [3, -0.5, 2, 7];
    const yHat = [2.5, 0, 2, 8];
    const records: Row[] = yHat.map((p, i) => ({
      event: 'ml.prediction',
      timestamp: `2026-03-01T00:00:0${i}.000Z`,
      request_id: `r${i}`,
      prediction_id: `r${i}`,
      model_name: 'price',
      model_version: '1',
      input_features: {},
      prediction: p,
      latency_ms: 1,
      serving_node: 'n',
    }));
    await writePartitions(path.join(dir, 'logs'), records);
    await writeLines(path.join(dir, 'labels.csv'), ['request_id,value', ...y.map((v, i) => `r${i},${v}`)]);
    const report = await evaluatePredictions({
      selection: { directory: path.join(dir, 'logs') },
      labels: { kind: 'file', file: path.join(dir, 'labels.csv') },
      config,
    });
    expect(report.task).toBe('regression');
    // MAE 0.5, RMSE √0.375, MAPE 0.327381, bias 0.25 (see regression-metrics.test.ts).
    expect(report.overall.regression).toMatchObject({ count: 4, mae: 0.5, bias: 0.25 });
    expect(report.overall.regression?.rmse).toBeCloseTo(Math.sqrt(0.375), 12);
    expect(report.overall.regression?.mape).toBeCloseTo(0.3273809523809524, 12);
  });
});
