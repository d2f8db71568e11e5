import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { queryRecords } from '@predlog/exporter-file';
import type { StoredRecord } from '@predlog/schema';
import { postJson, type TempDir, tempDir } from '@predlog/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppProcess, fixture, startApp } from './support/app-process.ts';

const CONFIG = `
exporters:
  file:
    directory: ./prediction-logs
pipelines:
  predictions:
    exporters: [file]
instrumentation:
  http:
    routes:
      POST /predict: { model: fraud, version: 1.2.0, threshold: 0.5 }
`;

let dir: TempDir;
let app: AppProcess | undefined;

beforeEach(async () => {
  dir = await tempDir('predlog-register-');
});
afterEach(async () => {
  app?.child.kill('SIGKILL');
  await app?.exited;
  app = undefined;
  await dir.remove();
});

async function stored(directory: string): Promise<StoredRecord[]> {
  const records: StoredRecord[] = [];
  for await (const record of queryRecords({ directory })) records.push(record);
  return records.sort((a, b) => String(a.request_id).localeCompare(String(b.request_id)));
}

async function predict(url: string, requestId: string, amount: number): Promise<unknown> {
  const answer = await postJson(url, '/predict', { amount }, { 'x-request-id': requestId });
  expect(answer.status).toBe(200);
  return answer.json();
}

describe('node --import @predlog/register app.mjs', () => {
  it('logs every request of the configured route of an app with no predlog code, and flushes on SIGTERM', async () => {
    await writeFile(path.join(dir.path, 'predlog.yaml'), CONFIG);
    app = startApp(fixture('app.mjs'), { cwd: dir.path });
    const url = await app.url();
    expect(await predict(url, 'req-1', 20)).toEqual({ prediction: 'legit', score: 0.1 });
    await predict(url, 'req-2', 500);
    await predict(url, 'req-3', 30);
    const notFound = await postJson(url, '/other', {});
    expect(notFound.status).toBe(404);

    app.child.kill('SIGTERM');
    const exit = await app.exited;
    // The app has no SIGTERM handler: after the flush it ends by the signal, as it would without predlog.
    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });

    const records = await stored(path.join(dir.path, 'prediction-logs'));
    expect(
      records.map((r) => [r.request_id, r.model_name, r.model_version, r.prediction, r.score, r.threshold]),
    ).toEqual([
      ['req-1', 'fraud', '1.2.0', 'legit', 0.1, 0.5],
      ['req-2', 'fraud', '1.2.0', 'fraud', 0.9, 0.5],
      ['req-3', 'fraud', '1.2.0', 'legit', 0.1, 0.5],
    ]);
    expect(records.map((r) => r.raw_input)).toEqual([{ amount: 20 }, { amount: 500 }, { amount: 30 }]);
    expect(app.stderr()).toContain('[register.started] logging POST /predict on every http/https server');
    expect(app.stderr()).not.toContain('register.exit_unexported');
  });

  it("runs the app's own SIGTERM handler after the flush, and shuts predlog down when the app ends", async () => {
    await writeFile(path.join(dir.path, 'predlog.yaml'), CONFIG);
    app = startApp(fixture('app.mjs'), { cwd: dir.path, env: { APP_OWN_SIGTERM: '1' } });
    const url = await app.url();
    await predict(url, 'own-1', 20);
    await predict(url, 'own-2', 200);

    app.child.kill('SIGTERM');
    const exit = await app.exited;
    // The app's handler ran (it printed) and closed its server; the process then ended by itself.
    expect(exit).toEqual({ code: 0, signal: null });
    expect(app.stdoutLines).toContain('{"event":"app-sigterm"}');
    const records = await stored(path.join(dir.path, 'prediction-logs'));
    expect(records.map((r) => [r.request_id, r.prediction])).toEqual([
      ['own-1', 'legit'],
      ['own-2', 'fraud'],
    ]);
  });

  it('instruments a CommonJS app (require, new http.Server) the same way, with the file PREDLOG_CONFIG names', async () => {
    await writeFile(path.join(dir.path, 'elsewhere.yaml'), CONFIG);
    app = startApp(fixture('app.cjs'), { cwd: dir.path, env: { PREDLOG_CONFIG: 'elsewhere.yaml' } });
    const answer = await postJson(await app.url(), '/predict', { amount: 150 }, { 'x-request-id': 'cjs-1' });
    expect(answer.json()).toEqual({ score: 0.9 });
    app.child.kill('SIGTERM');
    await app.exited;
    const records = await stored(path.join(dir.path, 'prediction-logs'));
    expect(records.map((r) => [r.request_id, r.model_name, r.score])).toEqual([['cjs-1', 'fraud', 0.9]]);
  });

  it('without a config, the app runs normally and stderr says so in one line', async () => {
    app = startApp(fixture('app.mjs'), { cwd: dir.path });
    expect(await predict(await app.url(), 'plain-1', 20)).toEqual({ prediction: 'legit', score: 0.1 });
    app.child.kill('SIGTERM');
    expect(await app.exited).toEqual({ code: null, signal: 'SIGTERM' });
    const lines = app.stderr().trimEnd().split('\n');
    expect(lines).toEqual([
      `predlog warn [register.config_missing] no config: no predlog.yaml in ${dir.path} and PREDLOG_CONFIG is not set; predlog is off, the app runs without prediction logging`,
    ]);
  });

  it('with a bad config, the app still serves and stderr shows every error with its key path', async () => {
    const bad = CONFIG.replace(
      'directory: ./prediction-logs',
      'directory: ./prediction-logs\n    maxFileByte: 10',
    ).replace('threshold: 0.5', 'threshold: high');
    await writeFile(path.join(dir.path, 'predlog.yaml'), bad);
    app = startApp(fixture('app.mjs'), { cwd: dir.path });
    expect(await predict(await app.url(), 'bad-1', 20)).toEqual({ prediction: 'legit', score: 0.1 });
    app.child.kill('SIGTERM');
    await app.exited;
    const file = path.join(dir.path, 'predlog.yaml');
    const stderr = app.stderr();
    expect(stderr).toContain(
      'predlog error [register.config_invalid] predlog is off, the app runs without prediction logging; the config has errors:',
    );
    expect(stderr).toMatch(
      new RegExp(
        `${escapeRegExp(file)}:\\d+:\\d+: instrumentation\\.http\\.routes\\.POST /predict\\.threshold: `,
      ),
    );
    expect(stderr).toMatch(
      new RegExp(`${escapeRegExp(file)}:\\d+:\\d+: exporters\\.file\\.maxFileByte: unknown key`),
    );
    expect(existsSync(path.join(dir.path, 'prediction-logs'))).toBe(false);
  });

  it('with PREDLOG_REQUIRED=true, a bad config stops the app before it starts (exit 78)', async () => {
    await writeFile(path.join(dir.path, 'predlog.yaml'), CONFIG.replace('threshold: 0.5', 'threshold: high'));
    app = startApp(fixture('app.mjs'), { cwd: dir.path, env: { PREDLOG_REQUIRED: 'true' } });
    expect(await app.exited).toEqual({ code: 78, signal: null });
    expect(app.stdoutLines).toEqual([]);
    expect(app.stderr()).toContain('instrumentation.http.routes.POST /predict.threshold');
  });

  it('with OTEL_SDK_DISABLED=true, predlog reads nothing, says nothing and logs nothing', async () => {
    await writeFile(path.join(dir.path, 'predlog.yaml'), CONFIG);
    app = startApp(fixture('app.mjs'), { cwd: dir.path, env: { OTEL_SDK_DISABLED: 'true' } });
    await predict(await app.url(), 'off-1', 20);
    app.child.kill('SIGTERM');
    expect(await app.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(app.stderr()).toBe('');
    expect(existsSync(path.join(dir.path, 'prediction-logs'))).toBe(false);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
