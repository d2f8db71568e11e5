import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { captureIo } from '../cli-io.ts';
import { writePartitionFile, writeWithFileExporter } from '../log-fixtures.ts';

let root: string;
const HOUR = 3_600_000;
const recent = new Date(Date.now() - HOUR).toISOString();
const old = new Date(Date.now() - 10 * 24 * HOUR).toISOString();

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'predlog-cli-query-'));
  await writeWithFileExporter(
    path.join(root, 'logs'),
    [
      {
        requestId: 'req-recent',
        timestamp: recent,
        features: { amount: 129.5, country: 'NL', card_present: false },
        rawInput: { amount: '129.50', currency: 'EUR' },
        prediction: 'fraud',
        score: 0.91,
        threshold: 0.8,
        latencyMs: 4.2,
        servingNode: 'pod-a',
        segment: 'new-customers',
      },
      {
        requestId: 'req-old',
        timestamp: old,
        features: { amount: 3, country: 'DE', card_present: true },
        prediction: 'legit',
        score: 0.02,
        threshold: 0.8,
        latencyMs: 2,
        servingNode: 'pod-b',
      },
    ],
    { feedback: [{ requestId: 'req-recent', label: 'fraud' }] },
  );
  // Annotations the pipeline adds (sampling, retention) and a value that tries to drive the terminal.
  await writePartitionFile(path.join(root, 'logs'), 'churn', '2026-01-31', [
    {
      event: 'ml.prediction',
      timestamp: '2026-01-31T12:00:00.000Z',
      request_id: 'req-churn',
      prediction_id: 'p-1',
      model_name: 'churn',
      model_version: '7',
      input_features: { tenure_months: 4, plan: '\u001b[2Jpro' },
      prediction: true,
      score: 0.7,
      latency_ms: 12,
      serving_node: 'pod-c',
      sampling_weight: 10,
      sampling_reason: 'base_rate',
      retention_class: 'extended',
      retention_policy: 'tail/high-score',
      attributes: { 'app.tenant': 'acme' },
    },
  ]);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function query(...args: string[]) {
  const captured = captureIo(root);
  const code = await runCli(['query', 'logs', ...args], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('predlog query', () => {
  it('shows what the model saw and decided for one request, with its feedback', async () => {
    const { code, stdout } = await query('--request-id', 'req-recent');
    expect(code).toBe(0);
    const [prediction = '', feedback = ''] = stdout.split('\n\n');
    expect(prediction).toContain(`${recent}  req-recent  fraud-xgb@3`);
    expect(prediction).toMatch(/prediction +"fraud" {2}score 0\.91 {2}threshold 0\.8/);
    expect(prediction).toMatch(/features +amount=129\.5 country="NL" card_present=false/);
    expect(prediction).toMatch(/raw input +\{"amount":"129\.50","currency":"EUR"\}/);
    expect(prediction).toMatch(/latency +4\.2 ms {2}on pod-a {2}service fraud-api/);
    expect(prediction).toMatch(/context +segment new-customers/);
    expect(feedback).toMatch(/feedback {2}request req-recent/);
    expect(feedback).toMatch(/outcome +label "fraud"/);
    expect(stdout.trimEnd().endsWith('2 records')).toBe(true);
  });

  it('shows sampling and retention annotations and extra attributes, and escapes control characters', async () => {
    const { code, stdout } = await query('--request-id', 'req-churn');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /kept +sampling weight 10 \(base_rate\) {2}retention extended \(tail\/high-score\)/,
    );
    expect(stdout).toMatch(/attributes +app\.tenant="acme"/);
    expect(stdout).toContain('plan="\\u001b[2Jpro"');
    expect(stdout).not.toContain('\u001b');
  });

  it('filters by model and relative time', async () => {
    const { code, stdout } = await query('--model', 'fraud-xgb', '--since', '-2h', '--json');
    expect(code).toBe(0);
    const records = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((r) => [r.event, r.request_id])).toEqual([
      ['ml.prediction', 'req-recent'],
      ['ml.feedback', 'req-recent'],
    ]);
  });

  it('filters with --until and ISO times, and with --where on nested fields', async () => {
    const until = await query(
      '--model',
      'fraud-xgb',
      '--until',
      new Date(Date.now() - 24 * HOUR).toISOString(),
    );
    expect(until.code).toBe(0);
    expect(until.stdout).toContain('req-old');
    expect(until.stdout).not.toContain('req-recent');

    const where = await query('--model', 'fraud-xgb', '--where', 'input_features.country=DE', '--json');
    expect(where.code).toBe(0);
    expect(
      where.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { request_id: string }).request_id),
    ).toEqual(['req-old']);
  });

  it('prints at most --limit records and says more match', async () => {
    const { code, stdout, stderr } = await query('--model', 'fraud-xgb', '--limit', '1', '--json');
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(stderr).toBe('1 record; more match, raise --limit (1)\n');
  });

  it('exits 1 when nothing matches', async () => {
    const { code, stdout, stderr } = await query('--request-id', 'req-nobody');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('no records match\n');
  });

  it('warns about lines it had to skip', async () => {
    const file = await writePartitionFile(path.join(root, 'logs'), 'broken', '2026-01-30', []);
    await writeFile(file, 'not json at all\n');
    const { code, stderr } = await query('--model', 'broken');
    expect(code).toBe(1);
    expect(stderr).toContain('warning: skipped 1 line(s) that are not records');
  });

  it.each([
    [[], /give --request-id <id> or --model <name>/],
    [['--model', 'm', '--since', 'yesterday'], /--since must be an ISO 8601 time/],
    [['--model', 'm', '--since', '-1h', '--until', '-2h'], /--since is later than --until/],
    [['--model', 'm', '--limit', '0'], /--limit must be a positive whole number/],
    [['--model', 'm', '--limit', 'ten'], /--limit must be a positive whole number/],
    [['--model', 'm', '--where', 'country'], /--where takes <field>=<value>/],
    [['--model', 'm', '--colour'], /Unknown option '--colour'/],
    [['--model'], /argument missing/],
    [['--request-id', ''], /--request-id needs a value/],
  ])('exits 2 on a bad command line: %j', async (args, message) => {
    const { code, stderr } = await query(...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toContain("Run 'predlog query --help' for usage.");
  });

  it('exits 2 when the directory does not exist or is missing', async () => {
    const captured = captureIo(root);
    expect(await runCli(['query', 'no-such-dir', '--model', 'm'], captured.io)).toBe(2);
    expect(captured.stderr()).toContain('cannot read no-such-dir (ENOENT)');
    const bare = captureIo(root);
    expect(await runCli(['query', '--model', 'm'], bare.io)).toBe(2);
    expect(bare.stderr()).toContain('missing <dir>');
  });
});
