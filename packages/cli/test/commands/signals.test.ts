import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ProxySignalReport } from '@predlog/analytics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { captureIo } from '../cli-io.ts';
import { DRIFT_DAY, type ScenarioFiles, writeDegradationScenario } from '../degradation-scenario.ts';
import { exactQuantile, readNdjson, readTree } from '../scenario-reading.ts';

let root: string;
let files: ScenarioFiles;
let report: ProxySignalReport;
let exitCode: number;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'predlog-cli-signals-'));
  files = await writeDegradationScenario(root);
  const out = captureIo(root);
  exitCode = await runCli(
    ['signals', files.logs, '--baseline', files.training, '--business', files.business, '--json'],
    out.io,
  );
  report = JSON.parse(out.stdout()) as ProxySignalReport;
}, 60_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('predlog signals', () => {
  it('scores the 60 days: quiet before the drift, paging from its first day', () => {
    expect(report.days).toHaveLength(60);
    expect(report.referenceDays).toHaveLength(7);
    const before = report.days.slice(7, DRIFT_DAY);
    expect(Math.max(...before.map((d) => d.composite ?? 0))).toBeLessThan(60);
    expect(before.every((d) => d.level === 'none')).toBe(true);
    const drifted = report.days.slice(DRIFT_DAY);
    expect(drifted.every((d) => d.level === 'page' && d.action === 'retrain')).toBe(true);
    expect(report.days[DRIFT_DAY]?.contributing).toContain('anomaly');
    expect(exitCode).toBe(1);
  });

  it('computes the daily figures as an independent pass over the files does', async () => {
    const records = await readTree(files.logs);
    const training = await readNdjson(files.training);
    const names = Object.keys(training[0]?.input_features as object);
    const ranges = new Map(
      names.map((name) => {
        const sorted = training
          .map((r) => (r.input_features as Record<string, number>)[name] as number)
          .sort((a, b) => a - b);
        return [name, [exactQuantile(sorted, 0.005), exactQuantile(sorted, 0.995)] as const];
      }),
    );
    for (const index of [0, DRIFT_DAY]) {
      const date = report.days[index]?.date as string;
      const ofDay = records.filter((r) => String(r.timestamp).startsWith(date));
      const scores = ofDay.map((r) => r.score as number);
      const confidence = scores.reduce((a, s) => a + Math.max(s, 1 - s), 0) / scores.length;
      expect(report.days[index]?.meanConfidence).toBeCloseTo(confidence, 10);
      const anomalous = ofDay.filter((r) =>
        Object.entries(r.input_features as Record<string, number>).some(([name, v]) => {
          const [lo, hi] = ranges.get(name) as readonly [number, number];
          return v < lo || v > hi;
        }),
      ).length;
      // The profile's sketch quantiles are within ±1% of the exact ones (the range is widened by that).
      expect(Math.abs((report.days[index]?.anomalyRate as number) - anomalous / ofDay.length)).toBeLessThan(
        0.01,
      );
    }
    // Before the drift a handful of requests per hundred fall outside 0.5–99.5% of some feature;
    // after it, the 40% of requests with the ×100 ratio on top.
    expect(report.days[0]?.anomalyRate).toBeLessThan(0.1);
    expect(report.days[DRIFT_DAY]?.anomalyRate).toBeGreaterThan(0.4);
  });

  it('prints the verdict with the score, contributing signals, trend, action and a sample command', async () => {
    const out = captureIo(root);
    const code = await runCli(
      ['signals', files.logs, '--baseline', files.training, '--until', '2026-01-31'],
      out.io,
    );
    expect(code).toBe(0);
    const text = out.stdout();
    expect(text).toMatch(/2026-01-30: degradation score \d+(\.\d+)? \(ok\), trend \w+, action: monitor/);
    expect(text).toContain('recent predictions: predlog query');
    const paged = captureIo(root);
    await runCli(['signals', files.logs, '--baseline', files.training], paged.io);
    expect(paged.stdout()).toMatch(/degradation score 100 \(page\), trend stable, action: retrain/);
    expect(paged.stdout()).toMatch(/contributing: anomaly 100/);
  });

  it('without a baseline there is no anomaly rate; bad flags are usage errors', async () => {
    const out = captureIo(root);
    await runCli(['signals', files.logs, '--json', '--until', '2026-01-10'], out.io);
    const plain = JSON.parse(out.stdout()) as ProxySignalReport;
    expect(plain.rangedFeatures).toBeNull();
    expect(plain.days.every((d) => d.anomalyRate === null)).toBe(true);
    const bad = captureIo(root);
    expect(await runCli(['signals', files.logs, '--warn', '150'], bad.io)).toBe(2);
    expect(bad.stderr()).toContain('--warn must be a score from 0 to 100');
  });

  it('--weights takes the calibrated weights of predlog backtest --json, or a plain object of them', async () => {
    const calibrated = { anomaly: 0.6, confidence: 0.1, entropy: 0.1, uniformity: 0.1, business: 0.1 };
    await writeFile(
      path.join(root, 'backtest.json'),
      JSON.stringify({ calibration: { weights: calibrated } }),
    );
    await writeFile(
      path.join(root, 'weights.json'),
      JSON.stringify({ anomaly: 1, confidence: 0, entropy: 0, uniformity: 0, business: 0 }),
    );
    const args = ['signals', files.logs, '--baseline', files.training, '--json', '--until', '2026-01-20'];
    const fromBacktest = captureIo(root);
    await runCli([...args, '--weights', 'backtest.json'], fromBacktest.io);
    expect((JSON.parse(fromBacktest.stdout()) as ProxySignalReport).weights).toEqual(calibrated);
    const plain = captureIo(root);
    await runCli([...args, '--weights', 'weights.json'], plain.io);
    const onlyAnomaly = JSON.parse(plain.stdout()) as ProxySignalReport;
    expect(onlyAnomaly.weights.anomaly).toBe(1);
    // With all the weight on the anomaly rate, a day's composite is its anomaly score.
    for (const day of onlyAnomaly.days.filter((d) => d.composite !== null)) {
      expect(day.composite).toBeCloseTo(
        day.signals.find((x) => x.signal === 'anomaly')?.score ?? Number.NaN,
        9,
      );
    }
    await writeFile(path.join(root, 'bad-weights.json'), JSON.stringify({ anomoly: 1 }));
    const bad = captureIo(root);
    expect(await runCli([...args, '--weights', 'bad-weights.json'], bad.io)).toBe(2);
    expect(bad.stderr()).toContain('anomoly');
  });
});
