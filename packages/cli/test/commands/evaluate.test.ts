import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { fraudPredictions, labelLine, writeLines, writeLogs } from '../analytics-fixtures.ts';
import { captureIo } from '../cli-io.ts';

let root: string;
const generated = fraudPredictions({ seed: 2, count: 600, start: '2026-03-01', days: 3 });

const prediction = (i: number, score: number, extra: Record<string, unknown> = {}) => ({
  event: 'ml.prediction',
  timestamp: `2026-04-01T00:00:0${i}.000Z`,
  request_id: `s-${i}`,
  prediction_id: `s-${i}`,
  model_name: 'toy',
  model_version: '1',
  input_features: {},
  prediction: score >= 0.5 ? 'fraud' : 'legit',
  score,
  threshold: 0.5,
  latency_ms: 1,
  serving_node: 'n',
  ...extra,
});

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'predlog-cli-evaluate-'));
  await writeLogs(
    path.join(root, 'logs'),
    generated.map((g) => g.record),
  );
  await writeLines(path.join(root, 'labels.ndjson'), generated.map(labelLine));
  // A third of the labels flipped: the same model looks worse against this truth.
  await writeLines(
    path.join(root, 'flipped.ndjson'),
    generated.map((g, i) =>
      JSON.stringify({
        request_id: g.record.request_id,
        label: (i % 3 === 0) !== g.fraud ? 'fraud' : 'legit',
      }),
    ),
  );
  // scikit-learn's roc_auc_score example: scores 0.1, 0.4, 0.35, 0.8 for truths 0, 0, 1, 1.
  const scores = [0.1, 0.4, 0.35, 0.8];
  await writeLogs(
    path.join(root, 'toy'),
    scores.map((s, i) => prediction(i, s)),
  );
  await writeLines(path.join(root, 'toy.csv'), ['request_id,label', 's-0,0', 's-1,0', 's-2,1', 's-3,1']);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function evaluate(...args: string[]) {
  const captured = captureIo(root);
  const code = await runCli(['evaluate', ...args], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('predlog evaluate', () => {
  it('prints overall metrics and the cohorts by version, segment and date', async () => {
    const { code, stdout, stderr } = await evaluate(
      'logs',
      '--labels',
      'labels.ndjson',
      '--positive-label',
      'fraud',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('model fraud: 600 labelled predictions (600 weighted), task classification');
    for (const metric of ['AUC-ROC', 'precision', 'recall', 'F1', 'ECE'])
      expect(stdout).toMatch(new RegExp(`^${metric} `, 'm'));
    expect(stdout).toContain('by version');
    expect(stdout).toContain('by segment');
    expect(stdout).toMatch(/^2026-03-03 +200 +200 /m);
  });

  it('evaluates a window; labels of older predictions make the match rate low, which is only warned about', async () => {
    const { code, stdout, stderr } = await evaluate(
      'logs',
      '--labels',
      'labels.ndjson',
      '--positive-label',
      'fraud',
      '--since',
      '2026-03-03',
    );
    expect(code).toBe(0);
    expect(stdout).toContain('model fraud: 200 labelled predictions');
    expect(stderr).toContain('label match rate 33.33% is below the minimum 90.00%');
    expect(stderr).toContain('made before --since / after --until');
  });

  it('gives the textbook AUC 0.75, precision 1, recall 0.5 through files and CSV labels', async () => {
    // Threshold 0.5: only 0.8 is positive: TP 1, FP 0, FN 1 (0.35).
    const { code, stdout } = await evaluate('toy', '--labels', 'toy.csv', '--json', '--by', 'none');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.overall.classification).toMatchObject({ auc: 0.75, precision: 1, recall: 0.5, count: 4 });
    expect(report.cohorts).toEqual([]);
  });

  it('--threshold replaces the records’ thresholds', async () => {
    // At 0.3: 0.4, 0.35 and 0.8 positive: TP 2, FP 1: precision 2/3, recall 1.
    const { stdout } = await evaluate('toy', '--labels', 'toy.csv', '--json', '--threshold', '0.3');
    expect(JSON.parse(stdout).overall.classification).toMatchObject({ recall: 1 });
    expect(JSON.parse(stdout).overall.classification.precision).toBeCloseTo(2 / 3, 12);
  });

  it('compares with a baseline report and exits 1 when a metric got worse', async () => {
    const first = await evaluate('logs', '--labels', 'labels.ndjson', '--positive-label', 'fraud', '--json');
    await writeFile(path.join(root, 'baseline.json'), first.stdout);
    const same = await evaluate(
      'logs',
      '--labels',
      'labels.ndjson',
      '--positive-label',
      'fraud',
      '--baseline',
      'baseline.json',
    );
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/^AUC-ROC +\S+ +\S+ +0 *$/m);
    const worse = await evaluate(
      'logs',
      '--labels',
      'flipped.ndjson',
      '--positive-label',
      'fraud',
      '--baseline',
      'baseline.json',
    );
    expect(worse.code).toBe(1);
    expect(worse.stdout).toMatch(/^AUC-ROC .* -0\.\d+ +WORSE$/m);
    expect(worse.stderr).toContain('worse than the baseline beyond tolerance: auc');
  });

  it('regression: MAE, RMSE, MAPE and bias', async () => {
    // y = [3, −0.5, 2, 7], ŷ = [2.5, 0, 2, 8]: MAE 0.5, RMSE 0.6124, MAPE 0.3274, bias 0.25.
    const yHat = [2.5, 0, 2, 8];
    await writeLogs(
      path.join(root, 'price'),
      yHat.map((p, i) => ({
        ...prediction(i, 0),
        model_name: 'price',
        prediction: p,
        score: undefined,
        threshold: undefined,
      })),
    );
    await writeLines(path.join(root, 'price.csv'), [
      'request_id,value',
      's-0,3',
      's-1,-0.5',
      's-2,2',
      's-3,7',
    ]);
    const { code, stdout } = await evaluate('price', '--labels', 'price.csv', '--by', 'none');
    expect(code).toBe(0);
    expect(stdout).toContain('task regression');
    expect(stdout).toMatch(/^MAE +0\.5$/m);
    expect(stdout).toMatch(/^RMSE +0\.6124$/m);
    expect(stdout).toMatch(/^MAPE +0\.3274$/m);
    expect(stdout).toMatch(/^bias +0\.25$/m);
  });

  it('string labels without --positive-label: says which labels it saw and exits 1', async () => {
    const { code, stdout, stderr } = await evaluate('logs', '--labels', 'labels.ndjson', '--by', 'none');
    expect(code).toBe(1);
    const fraud = generated.filter((g) => g.fraud).length;
    expect(fraud).toBeGreaterThan(0);
    expect(stderr).toContain(
      `labels seen: "fraud" (${fraud}), "legit" (${600 - fraud}); none is positive (positive labels: "1", "true") — pass --positive-label`,
    );
    // The figures are still printed (AUC undefined, precision 0): the warning says why.
    expect(stdout).toMatch(/^AUC-ROC +– *$/m);
    const json = JSON.parse((await evaluate('logs', '--labels', 'labels.ndjson', '--json')).stdout);
    expect(json.labels).toEqual({
      values: [
        { value: 'fraud', count: fraud, weight: fraud, positive: false },
        { value: 'legit', count: 600 - fraud, weight: 600 - fraud, positive: false },
      ],
      other: { count: 0, weight: 0 },
      positiveCount: 0,
    });
    // A positive label that matches none of them is the same mistake.
    const wrong = await evaluate('logs', '--labels', 'labels.ndjson', '--positive-label', 'Fraud');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('none is positive (positive labels: "Fraud")');
    const right = await evaluate('logs', '--labels', 'labels.ndjson', '--positive-label', 'fraud');
    expect(right.code).toBe(0);
    expect(right.stderr).not.toContain('labels seen');
  });

  it('exits 1 when no prediction found a label', async () => {
    await writeLines(path.join(root, 'none.ndjson'), [
      JSON.stringify({ request_id: 'nobody', label: 'fraud' }),
    ]);
    const { code, stderr } = await evaluate('logs', '--labels', 'none.ndjson');
    expect(code).toBe(1);
    expect(stderr).toContain('no labelled predictions to evaluate');
  });

  it('usage errors exit 2', async () => {
    await writeFile(path.join(root, 'not-a-report.json'), '{"hello":1}');
    for (const args of [
      ['logs', '--task', 'ranking'],
      ['logs', '--by', 'country'],
      ['logs', '--baseline', 'not-a-report.json'],
      ['logs', '--ece-bins', '0'],
      ['logs', '--tolerance', '2'],
      ['logs', '--threshold', 'high'],
    ]) {
      const { code, stderr } = await evaluate(...args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toContain("Run 'predlog evaluate --help' for usage.");
    }
  });
});
