import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { PerformanceReport } from '@predlog/analytics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { captureIo } from '../cli-io.ts';
import { type ScenarioFiles, writeDegradationScenario } from '../degradation-scenario.ts';
import { bruteForceAuc, readNdjson, readTree } from '../scenario-reading.ts';

let root: string;
let files: ScenarioFiles;
let server: Server;
let hookUrl: string;
const received: Array<{ method: string; type: string | undefined; body: string }> = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'predlog-cli-performance-'));
  files = await writeDegradationScenario(root);
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', type: req.headers['content-type'], body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/retrain`;
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(root, { recursive: true, force: true });
});

async function performance(
  args: string[],
): Promise<{ code: number; report: PerformanceReport; stderr: string }> {
  const out = captureIo(root);
  const code = await runCli(['performance', files.logs, '--labels', files.labels, '--json', ...args], out.io);
  return { code, report: JSON.parse(out.stdout()) as PerformanceReport, stderr: out.stderr() };
}

describe('predlog performance', () => {
  it('rolling AUC equals a brute-force AUC over the window’s joined pairs', async () => {
    const { report } = await performance(['--days', '7']);
    expect(report.days).toHaveLength(60);
    const records = await readTree(files.logs);
    const labels = new Map(
      (await readNdjson(files.labels)).map((l) => [l.request_id as string, l.label === 1]),
    );
    const window = new Set([
      '2026-01-25',
      '2026-01-26',
      '2026-01-27',
      '2026-01-28',
      '2026-01-29',
      '2026-01-30',
      '2026-01-31',
    ]);
    const pairs = records
      .filter((r) => window.has(String(r.timestamp).slice(0, 10)))
      .map((r) => ({ score: r.score as number, positive: labels.get(r.request_id as string) === true }));
    const rolling = report.rolling.find((p) => p.date === '2026-01-31');
    // Rolling windows keep an eighth of the score keys: the AUC is within its error bound.
    expect(rolling?.value).toBeCloseTo(bruteForceAuc(pairs), 2);
    expect(rolling?.count).toBe(pairs.length);
    expect(report.labelMatch.rate).toBe(1);
    expect(report.labelMatch.belowMinimum).toBe(false);
  });

  it('trend: stable before the drift, degrading across it', async () => {
    const before = await performance(['--days', '14', '--until', '2026-01-25']);
    expect(before.report.trend.direction).toBe('stable');
    expect(before.report.trend.statistic?.pValue).toBeGreaterThan(0.05);
    const across = await performance(['--days', '14', '--since', '2026-01-24', '--until', '2026-02-07']);
    expect(across.report.trend.direction).toBe('degrading');
    expect(across.report.trend.statistic?.slope).toBeLessThan(0);
    expect(across.report.trend.statistic?.degreesOfFreedom).toBe(12);
  });

  it('the trigger needs the drop on --for consecutive days: a short dip is noise', async () => {
    const short = await performance([
      '--days',
      '7',
      '--until',
      '2026-02-02',
      '--below',
      '0.78',
      '--for',
      '3',
    ]);
    const run = short.report.trigger?.consecutiveDays as number;
    expect(run).toBeGreaterThanOrEqual(1);
    expect(run).toBeLessThan(3);
    expect(short.report.trigger?.triggered).toBe(false);
    expect(short.stderr).not.toContain('predlog.retraining_trigger');
    const fired = await performance([
      '--days',
      '7',
      '--until',
      '2026-02-02',
      '--below',
      '0.78',
      '--for',
      String(run),
    ]);
    expect(fired.report.trigger?.triggered).toBe(true);
    expect(fired.stderr).toContain('predlog.retraining_trigger');
    expect(fired.code).toBe(1);
  });

  it('a fired trigger exits 1, prints one JSON line and POSTs it to the webhook', async () => {
    received.length = 0;
    const { code, report, stderr } = await performance([
      '--days',
      '7',
      '--metric',
      'auc',
      '--below',
      '0.75',
      '--for',
      '3',
      '--webhook',
      hookUrl,
    ]);
    expect(code).toBe(1);
    expect(report.trigger?.triggered).toBe(true);
    const line = stderr.split('\n').find((l) => l.startsWith('{')) as string;
    const event = JSON.parse(line) as Record<string, unknown>;
    expect(event).toMatchObject({
      event: 'predlog.retraining_trigger',
      metric: 'auc',
      threshold: 0.75,
      forDays: 3,
    });
    expect(event.since).toBe(report.trigger?.since);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'POST', type: 'application/json' });
    expect(JSON.parse(received[0]?.body as string)).toEqual(event);
  });

  it('an unreachable webhook is one warning, not an exception', async () => {
    const { code, stderr } = await performance(['--below', '0.9', '--webhook', 'http://127.0.0.1:1/hook']);
    expect(code).toBe(1);
    expect(stderr).toContain('webhook: 127.0.0.1:1 unreachable');
  });

  it('freshness: the share of the training set from the 90 days before the last logged day', async () => {
    const { report } = await performance(['--training-set', files.training]);
    const training = await readNdjson(files.training);
    const since = Date.parse('2026-03-02T00:00:00Z') - 90 * 86_400_000;
    const recent = training.filter((r) => Date.parse(r.timestamp as string) >= since).length;
    expect(report.freshness?.asOf).toBe('2026-03-02T00:00:00.000Z');
    expect(report.freshness?.share).toBeCloseTo(recent / training.length, 12);
    expect(report.freshness?.share).toBeCloseTo(30 / 90, 2);
  });

  it('a label match rate below the minimum warns and exits 1', async () => {
    // From day 40 on, the earlier days' labels find no prediction: match rate 1/3.
    const { code, report, stderr } = await performance(['--since', '2026-02-10']);
    expect(report.labelMatch.rate).toBeCloseTo(20 / 60, 2);
    expect(report.labelMatch.belowMinimum).toBe(true);
    expect(stderr).toContain('label match rate');
    expect(code).toBe(1);
  });
});
