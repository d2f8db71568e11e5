import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BacktestReport } from '@predlog/analytics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { captureIo } from '../cli-io.ts';
import { type ScenarioFiles, writeDegradationScenario } from '../degradation-scenario.ts';
import { bruteForceAuc, readNdjson, readTree } from '../scenario-reading.ts';

let root: string;
let files: ScenarioFiles;
let report: BacktestReport;
let exitCode: number;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'predlog-cli-backtest-'));
  files = await writeDegradationScenario(root);
  const out = captureIo(root);
  exitCode = await runCli(
    [
      'backtest',
      files.logs,
      '--labels',
      files.labels,
      '--baseline',
      files.training,
      '--business',
      files.business,
      '--json',
    ],
    out.io,
  );
  report = JSON.parse(out.stdout()) as BacktestReport;
}, 60_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('predlog backtest', () => {
  it('finds the seeded event: predictions of day 30, visible in the labels on day 38', () => {
    expect(exitCode).toBe(0);
    // Day 30 is 2026-01-31; its labels arrive 7 days later, and the event is confirmed by day 31's
    // labels, which are half in on day 38.
    expect(report.event).toBe('2026-01-31');
    expect(report.visible).toBe('2026-02-08');
    expect(report.degradedDays[0]).toBe('2026-01-31');
  });

  it('the composite leads the labels, with few false alarms on the clean period', () => {
    const composite = report.signals.find((s) => s.signal === 'composite');
    expect(composite?.leadDays).toBeGreaterThan(0);
    expect(composite?.leadDays).toBe(8);
    expect(composite?.leadPredictionDays).toBe(0);
    expect(composite?.cleanDays).toBe(16);
    // Bound stated in the README: at most 1 false alert in 10 clean days.
    expect(composite?.falsePositiveRate).toBeLessThanOrEqual(0.1);
    const anomaly = report.signals.find((s) => s.signal === 'anomaly');
    expect(anomaly?.leadDays).toBeGreaterThan(0);
    expect(report.calibration.calibrated).toBe(true);
    expect(report.calibration.correlations.anomaly).toBeGreaterThan(0.5);
  });

  it('daily AUCs equal brute-force Mann–Whitney AUCs of the joined files', async () => {
    const records = await readTree(files.logs);
    const labels = new Map(
      (await readNdjson(files.labels)).map((l) => [l.request_id as string, l.label === 1]),
    );
    for (const date of ['2026-01-03', '2026-02-10']) {
      const pairs = records
        .filter((r) => String(r.timestamp).startsWith(date))
        .map((r) => ({ score: r.score as number, positive: labels.get(r.request_id as string) === true }));
      const day = report.days.find((d) => d.date === date);
      expect(day?.metric).toBeCloseTo(bruteForceAuc(pairs), 6);
    }
    const before = report.days.find((d) => d.date === '2026-01-03')?.metric as number;
    const after = report.days.find((d) => d.date === '2026-02-10')?.metric as number;
    expect(before - after).toBeGreaterThan(0.05);
  });

  it('needs labels, and fails (1) when the labels show no event', async () => {
    const out = captureIo(root);
    expect(await runCli(['backtest', files.logs], out.io)).toBe(2);
    expect(out.stderr()).toContain('backtest needs --labels');
    const clean = captureIo(root);
    const code = await runCli(
      [
        'backtest',
        files.logs,
        '--labels',
        files.labels,
        '--baseline',
        files.training,
        '--until',
        '2026-01-30',
      ],
      clean.io,
    );
    expect(code).toBe(1);
    expect(clean.stdout()).toContain('no degradation event in the labels');
  });
});
