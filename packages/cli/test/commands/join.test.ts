import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { fraudPredictions, labelLine, writeLines, writeLogs } from '../analytics-fixtures.ts';
import { captureIo } from '../cli-io.ts';
import { writePartitionFile, writeWithFileExporter } from '../log-fixtures.ts';

let root: string;
const generated = fraudPredictions({ seed: 1, count: 400, start: '2026-03-01', days: 4 });

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'predlog-cli-join-'));
  await writeLogs(
    path.join(root, 'logs'),
    generated.map((g) => g.record),
  );
  // 300 labels for logged requests and 20 for requests that were never logged: 300/320 = 93.75%.
  await writeLines(path.join(root, 'labels.ndjson'), [
    ...generated.slice(0, 300).map(labelLine),
    ...Array.from({ length: 20 }, (_, i) => JSON.stringify({ request_id: `missing-${i}`, label: 'fraud' })),
  ]);
  await writeLines(path.join(root, 'labels.csv'), [
    'request_id,label,timestamp',
    ...generated
      .slice(0, 10)
      .map((g) => `${g.record.request_id},${g.fraud ? 'fraud' : 'legit'},2026-03-20T00:00:00Z`),
  ]);
  await writeLines(path.join(root, 'bad.csv'), ['id,outcome', 'a,1']);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function join(...args: string[]) {
  const captured = captureIo(root);
  const code = await runCli(['join', ...args], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('predlog join', () => {
  it('reports the label match rate and coverage', async () => {
    const { code, stdout, stderr } = await join('logs', '--labels', 'labels.ndjson');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('320 read, 320 used, 300 matched: match rate 93.75%');
    expect(stdout).toContain('400 read (400 weighted), 300 joined: coverage 75.00% weighted');
    expect(stdout).toContain('on request_id, in memory');
  });

  it('exits 1 with a warning under the minimum match rate', async () => {
    const { code, stderr } = await join('logs', '--labels', 'labels.ndjson', '--min-match-rate', '0.95');
    expect(code).toBe(1);
    expect(stderr).toContain('warning: label match rate 93.75% is below the minimum 95.00%');
  });

  it('writes the joined predictions with their ground truth, spilling past --max-keys-in-memory', async () => {
    const { code, stdout } = await join(
      'logs',
      '--labels',
      'labels.ndjson',
      '--out',
      'joined.ndjson',
      '--max-keys-in-memory',
      '50',
      '--spill-dir',
      'spill',
    );
    expect(code).toBe(0);
    expect(stdout).toContain('spilled to disk: 64 partitions');
    const lines = (await readFile(path.join(root, 'joined.ndjson'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(300);
    const first = lines.map((l) => JSON.parse(l)).find((r) => r.request_id === 'req-0');
    expect(first.ground_truth).toEqual({ label: generated[0]?.fraud ? 'fraud' : 'legit' });
    expect(first.prediction_id).toBe('p-0');
  });

  it('prints the report as JSON', async () => {
    const { code, stdout } = await join('logs', '--labels', 'labels.csv', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.labels).toMatchObject({ read: 10, matched: 10 });
    expect(report.matchRate).toBe(1);
    // 10 of 400 predictions labelled: coverage is low but the match rate is what the minimum checks.
    expect(report.coverage).toBe(0.025);
  });

  it('joins by entity to the closest prediction within the window', async () => {
    // cust-0's predictions are at i = 0, 40, 80, …; 400 records over 4 days are 864 s apart.
    const at = (i: number) => Date.parse('2026-03-01T00:00:00.000Z') + Math.floor((4 * 86_400_000 * i) / 400);
    await writeLines(path.join(root, 'entity.ndjson'), [
      JSON.stringify({
        entity_id: 'cust-0',
        label: 'fraud',
        timestamp: new Date(at(40) + 60_000).toISOString(),
      }),
      JSON.stringify({ entity_id: 'cust-0', label: 'legit', timestamp: '2026-05-01T00:00:00.000Z' }),
    ]);
    const { code, stdout } = await join(
      'logs',
      '--labels',
      'entity.ndjson',
      '--on',
      'entity_id',
      '--window',
      '1h',
      '--json',
      '--min-match-rate',
      '0.5',
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.labels.matched).toBe(1);
    expect(report.windowMs).toBe(3_600_000);
  });

  it('takes labels from the ml.feedback records the logger wrote, by default', async () => {
    const logs = path.join(root, 'exporter');
    await writeWithFileExporter(
      logs,
      [
        {
          requestId: 'r-1',
          features: { amount: 1 },
          prediction: 'fraud',
          score: 0.9,
          threshold: 0.5,
          latencyMs: 1,
        },
        {
          requestId: 'r-2',
          features: { amount: 2 },
          prediction: 'legit',
          score: 0.1,
          threshold: 0.5,
          latencyMs: 1,
        },
      ],
      { feedback: [{ requestId: 'r-1', label: 'fraud' }] },
    );
    const { code, stdout } = await join('exporter', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ labels: { read: 1, matched: 1 }, joined: { count: 1 } });
  });

  it('reads hash-chained files (integrity mode): control lines skipped, chain fields removed', async () => {
    await writeWithFileExporter(
      path.join(root, 'chained'),
      [
        {
          requestId: 'c-1',
          features: { amount: 1 },
          prediction: 'fraud',
          score: 0.9,
          threshold: 0.5,
          latencyMs: 1,
        },
        {
          requestId: 'c-2',
          features: { amount: 2 },
          prediction: 'legit',
          score: 0.1,
          threshold: 0.5,
          latencyMs: 1,
        },
      ],
      { integrity: true, feedback: [{ requestId: 'c-2', label: 'legit' }] },
    );
    const { code, stdout, stderr } = await join('chained', '--out', 'chained.ndjson');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('2 read (2 weighted), 1 joined');
    const [line] = (await readFile(path.join(root, 'chained.ndjson'), 'utf8')).trim().split('\n');
    const record = JSON.parse(line ?? '{}');
    expect(record).toMatchObject({ request_id: 'c-2', ground_truth: { label: 'legit' } });
    expect(record).not.toHaveProperty('_seq');
    expect(record).not.toHaveProperty('_prev');
  });

  it('needs --model when the tree holds several models', async () => {
    await writePartitionFile(path.join(root, 'two'), 'a', '2026-03-01', [generated[0]?.record ?? {}]);
    await writePartitionFile(path.join(root, 'two'), 'b', '2026-03-01', [generated[1]?.record ?? {}]);
    const { code, stderr } = await join('two', '--labels', 'labels.ndjson');
    expect(code).toBe(2);
    expect(stderr).toContain('holds 2 models (a, b); choose one with --model');
  });

  it('usage errors exit 2', async () => {
    for (const args of [
      ['missing-dir'],
      ['logs', '--labels', 'nope.ndjson'],
      ['logs', '--on', 'user_id'],
      ['logs', '--window', 'soon'],
      ['logs', '--min-match-rate', '1.5'],
      ['logs', '--labels', 'bad.csv'],
      ['logs', '--since', '2026-03-02', '--until', '2026-03-01'],
    ]) {
      const { code, stderr } = await join(...args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toContain("Run 'predlog join --help' for usage.");
    }
    expect((await join('logs', '--labels', 'bad.csv')).stderr).toContain('neither request_id nor entity_id');
  });
});
