import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { writeLogs } from '../analytics-fixtures.ts';
import { captureIo } from '../cli-io.ts';

let root: string;

function record(
  model: string,
  day: string,
  i: number,
  amount: number,
  weight?: number,
): Record<string, unknown> {
  return {
    event: 'ml.prediction',
    timestamp: `${day}T${String(i % 24).padStart(2, '0')}:00:00.000Z`,
    request_id: `${model}-${day}-${i}`,
    prediction_id: `${model}-${day}-${i}`,
    model_name: model,
    model_version: '1',
    input_features: { amount },
    prediction: amount > 50 ? 'fraud' : 'legit',
    score: amount / 100,
    threshold: 0.5,
    latency_ms: 4,
    serving_node: 'n',
    ...(weight === undefined ? {} : { sampling_weight: weight }),
  };
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'predlog-cli-stats-'));
  const records: Array<Record<string, unknown>> = [];
  // Day 1: amount 1 … 100; day 2: 1 … 10 kept with weight 5.
  for (let i = 1; i <= 100; i++) records.push(record('fraud', '2026-03-01', i, i));
  for (let i = 1; i <= 10; i++) records.push(record('fraud', '2026-03-02', i, i, 5));
  records.push(record('churn', '2026-03-02', 1, 3));
  await writeLogs(path.join(root, 'logs'), records);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function stats(...args: string[]) {
  const captured = captureIo(root);
  const code = await runCli(['stats', ...args], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('predlog stats', () => {
  it('prints each model-day: count, mean, std and percentiles per feature and for the score', async () => {
    const { code, stdout } = await stats('logs', '--model', 'fraud');
    expect(code).toBe(0);
    expect(stdout).toContain('fraud 2026-03-01: 100 records (100 weighted), positive rate 51.00%');
    // 1 … 100: mean 50.5, std √833.25 = 28.87, p50 within 1% of 50.
    expect(stdout).toMatch(/^amount +100 +0\.00% +50\.5 +28\.87 +/m);
    expect(stdout).toContain('fraud 2026-03-02: 10 records (50 weighted)');
    expect(stdout).not.toContain('churn');
  });

  it('prints NDJSON stats lines with --json, every model without --model', async () => {
    const { code, stdout } = await stats('logs', '--json');
    expect(code).toBe(0);
    const days = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(days.map((d) => `${d.model} ${d.date}`)).toEqual([
      'churn 2026-03-02',
      'fraud 2026-03-01',
      'fraud 2026-03-02',
    ]);
    expect(days[1]).toMatchObject({ format: 'predlog.daily-stats', records: 100, relativeAccuracy: 0.01 });
    expect(Math.abs(days[1].features.amount.p50 - 50)).toBeLessThanOrEqual(0.5);
  });

  it('keeps a stats file across runs: recomputed days replace, the others stay', async () => {
    const first = await stats('logs', '--out', 'stats.ndjson');
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('wrote 3 day(s) (111 records) to stats.ndjson; kept 0 earlier line(s)\n');
    const second = await stats('logs', '--since', '2026-03-02', '--model', 'fraud', '--out', 'stats.ndjson');
    expect(second.stdout).toBe('wrote 1 day(s) (10 records) to stats.ndjson; kept 2 earlier line(s)\n');
    const lines = (await readFile(path.join(root, 'stats.ndjson'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(3);
  });

  it('prints exact percentiles for discrete values (a 0/1 flag, a small count) and names the estimated ones', async () => {
    const records: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 200; i++) {
      const amount = 10 + i * 0.37;
      records.push({
        ...record('shop', '2026-03-01', i, amount),
        input_features: { is_weekend: i % 5 === 0 ? 0 : 1, items: [1, 2, 2, 3][i % 4], amount },
      });
    }
    await writeLogs(path.join(root, 'discrete'), records);
    const { code, stdout } = await stats('discrete');
    expect(code).toBe(0);
    // 20% zeros: p5 0, then 1 (a bucket midpoint would print 0.9901); items 1, 2, 2, 3: 1 1 2 2 3 (not 1.994).
    expect(stdout).toMatch(/^is_weekend +200 +0\.00% +0\.8 +0\.4 +0 +1 +1 +1 +1 *$/m);
    expect(stdout).toMatch(/^items +200 +0\.00% +2 +0\.7071 +1 +1 +2 +2 +3 *$/m);
    expect(stdout).toMatch(/^\(latency ms\) +200 +0\.00% +4 +0 +4 +4 +4 +4 +4 *$/m);
    expect(stdout).toContain(
      'percentiles of (score), amount are estimates within ±1% (DDSketch); the others are exact',
    );
    const json = JSON.parse((await stats('discrete', '--json')).stdout);
    expect(json.features.items).toMatchObject({ p50: 2, exactPercentiles: true });
    expect(json.features.amount.exactPercentiles).toBe(false);
  });

  it('exits 1 without predictions, 2 on usage errors', async () => {
    expect((await stats('logs', '--since', '2030-01-01')).code).toBe(1);
    expect((await stats('missing')).code).toBe(2);
    expect((await stats('logs', '--until', 'tomorrow')).code).toBe(2);
  });
});
