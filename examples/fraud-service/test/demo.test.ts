import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoSummary } from '../scripts/demo.ts';
import { readStoredRecords } from '../scripts/prediction-log-files.ts';
import { FEATURE_NAMES } from '../src/features.ts';

const DEMO = fileURLToPath(new URL('../scripts/demo.ts', import.meta.url));
const REQUESTS = 400;

let dir: string;
let logDir: string;
let exitCode: number | null;
let stdout: string;
let stderr: string;
let summary: DemoSummary;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fraud-demo-'));
  logDir = join(dir, 'logs');
  const summaryFile = join(dir, 'summary.json');
  const child = spawn(
    process.execPath,
    [DEMO, '--requests', String(REQUESTS), '--log-dir', logDir, '--summary-file', summaryFile],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  stdout = '';
  stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  exitCode = await new Promise((resolve) => child.on('close', resolve));
  summary = JSON.parse(await readFile(summaryFile, 'utf8')) as DemoSummary;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('pnpm demo, end to end', () => {
  it('exits 0 with every request answered, valid ones scored and malformed ones refused', () => {
    expect(exitCode, stderr).toBe(0);
    expect(summary.failures).toEqual([]);
    expect(summary.requestsSent).toBe(REQUESTS);
    expect(summary.answered).toBe(REQUESTS);
    expect(summary.responsesByStatus['200']).toBe(
      summary.requestsByKind.transaction + summary.requestsByKind.anomalous,
    );
    expect(summary.responsesByStatus['400']).toBe(summary.requestsByKind.malformed);
    expect(summary.requestsByKind.malformed).toBeGreaterThan(0);
  });

  it('left exactly one prediction record per answered request in the files', async () => {
    const predictions = (await readStoredRecords(logDir)).filter(
      (record) => record.event === 'ml.prediction',
    );
    expect(predictions).toHaveLength(summary.answered);
    expect(new Set(predictions.map((record) => record.request_id)).size).toBe(summary.answered);
    expect(predictions.filter((record) => record.status === 'error')).toHaveLength(
      summary.requestsByKind.malformed,
    );
    expect(summary.serverStats?.received).toBe(REQUESTS);
    expect(summary.serverStats?.exported).toEqual({ file: REQUESTS });
  });

  it('left no e-mail address or card number in the clear: masked and hashed by predlog.yaml', async () => {
    expect(summary.personalDataInFiles).toBe(0);
    // Every scored request carried a card and an e-mail; malformed ones mostly did too.
    expect(summary.redactedRecords).toBeGreaterThanOrEqual(
      summary.requestsByKind.transaction + summary.requestsByKind.anomalous,
    );
    expect(summary.redactedRecords).toBeLessThanOrEqual(summary.answered);
    const record = (await readStoredRecords(logDir)).find((r) => r.request_id === summary.chosenRequestId);
    const raw = record?.raw_input as Record<string, unknown> | undefined;
    expect(raw?.card_number).toMatch(/^\*{12}\d{4}$/);
    expect(raw?.customer_email).toMatch(/^hmac:k1:[0-9a-f]{32}$/);
    expect(record?.redaction_rules).toEqual(expect.arrayContaining(['card_number', 'customer_email']));
  });

  it('logged the chosen request with its 23 features, its score and the raw input', async () => {
    const id = summary.chosenRequestId;
    expect(id).toMatch(/^demo-\d{6}$/);
    const record = (await readStoredRecords(logDir)).find((r) => r.request_id === id);
    expect(Object.keys(record?.input_features ?? {}).sort()).toEqual([...FEATURE_NAMES].sort());
    expect(record?.score).toEqual(expect.any(Number));
    expect(record?.prediction).toBe('fraud');
    expect(record?.raw_input).toMatchObject({
      amount: expect.any(Number),
      merchant_country: expect.any(String),
    });
  });

  it('printed the predlog query answer for that request under its heading', () => {
    const id = String(summary.chosenRequestId);
    const heading = `What did the model see for request ${id}`;
    expect(stdout).toContain(heading);
    const section = stdout.slice(stdout.indexOf(heading) + heading.length);
    expect(section).toContain(`--request-id ${id}`);
    expect(summary.queryExitCode).toBe(0);
    expect(summary.queryOutput).toContain(id);
    expect(stdout).toContain('OK: every answered request is in the logs');
  });
});
