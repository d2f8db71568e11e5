import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { fraudPredictions, labelLine, writeLines, writeLogs } from '../analytics-fixtures.ts';
import { captureIo } from '../cli-io.ts';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'predlog-cli-report-'));
  const before = fraudPredictions({ seed: 6, count: 1500, start: '2026-03-01', days: 3 });
  const after = fraudPredictions({
    seed: 7,
    count: 1500,
    start: '2026-03-04',
    days: 3,
    shift: 10,
    prefix: 'late',
  });
  await writeLogs(
    path.join(root, 'logs'),
    [...before, ...after].map((g) => g.record),
  );
  await writeLines(path.join(root, 'labels.ndjson'), [...before, ...after].map(labelLine));
  await writeLogs(
    path.join(root, 'two-days'),
    fraudPredictions({ seed: 9, count: 800, start: '2026-12-01', days: 2 }).map((g) => g.record),
  );
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function report(...args: string[]) {
  const captured = captureIo(root);
  const code = await runCli(['report', ...args], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('predlog report', () => {
  it('writes one self-contained HTML page', async () => {
    const { code, stdout } = await report(
      'logs',
      '--out',
      'weekly.html',
      '--baseline-days',
      '3',
      '--labels',
      'labels.ndjson',
      '--positive-label',
      'fraud',
      '--title',
      'Fraud <weekly>',
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^wrote weekly\.html \(\d+\.\d kB\): 1,500 predictions over 6 day\(s\) against 2026-03-01 to 2026-03-03 \(first 3 days\), AUC per day; by version, segment\n$/,
    );
    const html = await readFile(path.join(root, 'weekly.html'), 'utf8');
    expect(html).toContain('<title>Fraud &lt;weekly&gt;</title>');
    const charts = [...html.matchAll(/<svg [^>]*data-chart="([^"]+)"/g)].map((m) => m[1]);
    for (const chart of ['trend-auc', 'trend-precision', 'trend-ece', 'trend-positive-rate', 'calibration']) {
      expect(charts).toContain(chart);
    }
    // The fixture's versions 1 and 2 and its segments get their lines.
    expect(charts).toContain('version-precision');
    expect(charts).toContain('segment-recall');
    // The label-free proxy signals: the verdict and one trend per signal.
    expect(html).toContain('<h2>Proxy signals (no labels needed)</h2>');
    expect(charts).toContain('signal-confidence');
    expect(charts).toContain('signal-entropy');
    expect(html).not.toMatch(/<script|https?:\/\//i);
  });

  it('prints the figures behind the page with --json', async () => {
    const { code, stdout } = await report('logs', '--out', 'plain.html', '--baseline-days', '3', '--json');
    expect(code).toBe(0);
    const data = JSON.parse(stdout);
    expect(data.metricName).toBeNull();
    expect(data.drift.features[0]).toMatchObject({ name: 'amount', band: 'significant' });
    expect(data.daily).toHaveLength(6);
  });

  it('labels of which none is positive: the page is written, the labels seen are listed, exit 1', async () => {
    const { code, stderr } = await report(
      'logs',
      '--out',
      'unlabelled.html',
      '--baseline-days',
      '3',
      '--labels',
      'labels.ndjson',
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(/^labels seen: "fraud" \(\d[\d,]*\), "legit" \(\d[\d,]*\); none is positive/m);
    expect((await readFile(path.join(root, 'unlabelled.html'), 'utf8')).startsWith('<!DOCTYPE html>')).toBe(
      true,
    );
  });

  it('a history shorter than the baseline days: the last day against the one before, printed', async () => {
    const { code, stdout, stderr } = await report('two-days', '--out', 'short.html');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^wrote short\.html \(\d+\.\d kB\): 400 predictions over 48 hour\(s\) against 2026-12-01 \(auto: history is 2 days\); by version, segment\n$/,
    );
    const html = await readFile(path.join(root, 'short.html'), 'utf8');
    expect(html).toContain('baseline 2026-12-01 (auto: history is 2 days)');
  });

  it('--cohort-fields and --period choose the breakdowns and the trend points', async () => {
    const { code, stdout } = await report(
      'two-days',
      '--out',
      'fields.html',
      '--cohort-fields',
      'country,segment',
      '--period',
      'day',
      '--json',
    );
    expect(code).toBe(0);
    const data = JSON.parse(stdout);
    // country is an input feature of the fixture; segment a field of the record.
    expect(data.breakdowns.map((b: { dimension: string }) => b.dimension)).toEqual([
      'version',
      'country',
      'segment',
    ]);
    expect(data.period).toBe('day');
    expect(data.daily).toHaveLength(2);
    expect((await report('two-days', '--out', 'x.html', '--period', 'week')).code).toBe(2);
    expect((await report('two-days', '--out', 'x.html', '--cohort-fields', 'a,,b')).code).toBe(2);
  });

  it('usage errors exit 2; an empty window exits 1', async () => {
    expect((await report('logs')).code).toBe(2);
    expect((await report('logs', '--out', 'x.html', '--labels', 'labels.ndjson', '--feedback')).code).toBe(2);
    expect((await report('logs', '--out', 'x.html', '--baseline', 'b', '--baseline-days', '2')).code).toBe(2);
    const empty = await report('logs', '--out', 'x.html', '--since', '2030-01-01');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('nothing written');
  });
});
