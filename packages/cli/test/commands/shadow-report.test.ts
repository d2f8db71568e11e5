import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { writeLogs } from '../analytics-fixtures.ts';
import { captureIo } from '../cli-io.ts';

let root: string;

function record(
  id: string,
  role: string,
  score: number,
  prediction: string,
  model = 'fraud',
): Record<string, unknown> {
  return {
    event: 'ml.prediction',
    timestamp: '2026-03-01T12:00:00.000Z',
    request_id: id,
    prediction_id: `${id}-${role}`,
    model_name: model,
    model_version: role === 'challenger' ? '2' : '1',
    model_role: role,
    input_features: {},
    prediction,
    score,
    threshold: 0.5,
    latency_ms: role === 'challenger' ? 8 : 4,
    serving_node: 'n',
  };
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'predlog-cli-shadow-'));
  await writeLogs(path.join(root, 'logs'), [
    record('r1', 'champion', 0.2, 'legit'),
    record('r1', 'challenger', 0.3, 'legit'),
    record('r2', 'champion', 0.6, 'fraud'),
    record('r2', 'challenger', 0.7, 'fraud'),
    record('r3', 'champion', 0.4, 'legit'),
    record('r3', 'challenger', 0.6, 'fraud'),
    record('r4', 'champion', 0.9, 'fraud'),
  ]);
  await writeLogs(path.join(root, 'split'), [
    record('r1', 'champion', 0.2, 'legit'),
    record('r1', 'challenger', 0.3, 'legit', 'fraud-v2'),
  ]);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function shadow(...args: string[]) {
  const captured = captureIo(root);
  const code = await runCli(['shadow-report', ...args], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('predlog shadow-report', () => {
  it('compares champion and challenger on the same requests', async () => {
    const { code, stdout } = await shadow('logs');
    expect(code).toBe(0);
    expect(stdout).toContain('pairs         3 requests (3 weighted); unpaired: 1 champion, 0 challenger');
    // Same prediction for r1 and r2, not r3: 2/3.
    expect(stdout).toContain('agreement     66.67% same prediction, 66.67% same decision');
    expect(stdout).toContain('latency p99   champion 4 ms, challenger 8 ms (2x)');
    expect(stdout).toContain('versions      champion 1; challenger 2');
  });

  it('prints JSON, and pairs a challenger logged under another model name', async () => {
    const { code, stdout } = await shadow(
      'split',
      '--model',
      'fraud',
      '--challenger-model',
      'fraud-v2',
      '--json',
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ pairs: { count: 1 }, agreementRate: 1 });
  });

  it('exits 1 without pairs, 2 on usage errors', async () => {
    const none = await shadow('split', '--model', 'fraud');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no champion/challenger pairs');
    expect((await shadow('logs', '--champion-role', 'x', '--challenger-role', 'x')).code).toBe(2);
    expect((await shadow('logs', '--challenger-model', '')).code).toBe(2);
  });
});
