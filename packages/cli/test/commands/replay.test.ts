import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  BaseExporter,
  ComponentRegistry,
  createPredictionLogger,
  ExportError,
  type ExporterFactory,
  ExportQueue,
  exportQueueConfigSchema,
  type LogRecordLike,
} from '@predlog/core';
import { queryRecords } from '@predlog/exporter-file';
import type { StoredRecord } from '@predlog/schema';
import { advanceUntil, FakeClock, settle } from '@predlog/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runCli } from '../../src/cli.ts';
import { runReplay } from '../../src/internal/replay-run.ts';
import { captureIo } from '../cli-io.ts';
import { writePartitionFile } from '../log-fixtures.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'predlog-cli-replay-'));
  dirs.push(dir);
  return dir;
}

const id = (n: number) => `pred-${String(n).padStart(4, '0')}`;

/** An exporter whose sink is always down, to leave a real spill behind. */
class DownExporter extends BaseExporter {
  async send(): Promise<void> {
    throw new ExportError('connection refused', { retryable: true });
  }
}
const downFactory: ExporterFactory<z.ZodObject> = {
  kind: 'exporter',
  type: 'down',
  configSchema: z.strictObject({}),
  create: (_config, services) => new DownExporter(services.id),
};

/** What a service leaves when its sink is down: `n` predictions in its spill, the service stopped. */
async function spillOf(spillRoot: string, n: number): Promise<void> {
  const logger = await createPredictionLogger({
    config: {
      exporters: {
        down: {
          queue: { maxBatchSize: 10, maxBatchAgeMs: 5, spill: { enabled: true, directory: spillRoot } },
        },
      },
      pipelines: { predictions: { exporters: ['down'] } },
    },
    components: [downFactory],
    model: { name: 'fraud', version: '3' },
    resource: { 'service.name': 'fraud-api' },
    diagnostics: { warnOnce: () => undefined, error: () => undefined, info: () => undefined },
  });
  for (let i = 0; i < n; i++) {
    logger.record({
      predictionId: id(i),
      requestId: `req-${i}`,
      timestamp: Date.parse('2026-01-31T12:00:00Z') + i * 1000,
      features: { amount: i, country: 'NL' },
      prediction: i % 2 === 0 ? 'legit' : 'fraud',
      score: i / n,
    });
  }
  await logger.shutdown();
}

/** A config whose `file` exporter writes to `out` (so what a replay sent can be read back). */
async function fileConfig(dir: string, out: string, queue: Record<string, unknown> = {}): Promise<string> {
  const file = path.join(dir, 'predlog.json');
  await writeFile(
    file,
    JSON.stringify({
      resource: { 'service.name': 'replayer' },
      exporters: { file: { directory: out, compress: false, queue: { maxBatchSize: 10, ...queue } } },
      pipelines: { predictions: { exporters: ['file'] } },
    }),
  );
  return file;
}

async function readBack(out: string): Promise<StoredRecord[]> {
  const found: StoredRecord[] = [];
  for await (const record of queryRecords({ directory: out })) found.push(record);
  return found;
}

/** A registry with one exporter `type` and a config that sends a pipeline through it. */
async function exporterSetup(
  dir: string,
  type: string,
  Exporter: new (id: string) => BaseExporter,
  queue: Record<string, unknown> = {},
): Promise<{ registry: ComponentRegistry; config: string }> {
  const registry = new ComponentRegistry([
    {
      kind: 'exporter',
      type,
      configSchema: z.strictObject({}),
      create: (_config, services) => new Exporter(services.id),
    },
  ]);
  const config = path.join(dir, 'predlog.json');
  await writeFile(
    config,
    JSON.stringify({
      exporters: { [type]: { queue: { maxBatchSize: 10, ...queue } } },
      pipelines: { p: { exporters: [type] } },
    }),
  );
  return { registry, config };
}

const segments = async (folder: string) => (await readdir(folder)).filter((name) => name.startsWith('seg-'));

describe('predlog replay', () => {
  it('backfills a sink from a spill, oldest first, and a second run sends nothing twice', async () => {
    const dir = await tempDir();
    const spill = path.join(dir, 'spill');
    const out = path.join(dir, 'out');
    await spillOf(spill, 25);
    const config = await fileConfig(dir, out);

    const first = captureIo(dir);
    const code = await runCli(['replay', 'spill', '--config', config, '--exporter', 'file'], first.io);
    // Not a terminal: plain progress lines.
    expect(first.stderr()).toMatch(
      /^replay: 3\/3 files, 25 read, 25 sent, 0 failed, 0 skipped, [\d,]+ records\/s$/m,
    );
    expect(code).toBe(0);
    expect(first.stdout()).toMatch(/^replayed spill \(spill\): 3 spill segments\n/);
    expect(first.stdout()).toContain('records read        25\n');
    expect(first.stdout()).toContain('sent                25\n');
    expect(first.stdout()).toContain('failed              0\n');
    const sent = await readBack(out);
    expect(sent.map((r) => r.prediction_id)).toEqual(Array.from({ length: 25 }, (_, i) => id(i)));
    // The whole record came through the disk: fields, time, resource.
    expect(sent[3]).toMatchObject({
      model_name: 'fraud',
      model_version: '3',
      request_id: 'req-3',
      prediction: 'fraud',
      score: 3 / 25,
      input_features: { amount: 3, country: 'NL' },
      timestamp: '2026-01-31T12:00:03.000Z',
      service_name: 'fraud-api',
    });

    const second = captureIo(dir);
    expect(await runCli(['replay', 'spill', '--config', config, '--exporter', 'file'], second.io)).toBe(0);
    expect(second.stdout()).toContain('sent                0\n');
    expect(second.stdout()).toContain('done in earlier run 25 (not sent again)');
    expect(await readBack(out)).toHaveLength(25);
    // The spill itself is left as it was (without --consume).
    expect((await segments(path.join(spill, 'down'))).length).toBeGreaterThan(0);
  });

  it('with --consume deletes each segment once sent', async () => {
    const dir = await tempDir();
    const spill = path.join(dir, 'spill');
    await spillOf(spill, 12);
    const config = await fileConfig(dir, path.join(dir, 'out'));
    const io = captureIo(dir);
    expect(
      await runCli(
        ['replay', path.join(spill, 'down'), '--config', config, '--exporter', 'file', '--consume'],
        io.io,
      ),
    ).toBe(0);
    expect(io.stdout()).toContain('sent                12\n');
    expect(io.stdout()).toMatch(/segments deleted {4}\d+/);
    expect(await segments(path.join(spill, 'down'))).toEqual([]);
    expect(await readBack(path.join(dir, 'out'))).toHaveLength(12);
  });

  it('backfills from a file-exporter directory, filtered by model and time, counting what it skipped', async () => {
    const dir = await tempDir();
    const logs = path.join(dir, 'logs');
    const stored = (model: string, date: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        event: 'ml.prediction',
        timestamp: `${date}T0${i}:00:00.000Z`,
        service_name: 'fraud-api',
        request_id: `${model}-${date}-${i}`,
        prediction_id: `${model}-${date}-${i}`,
        model_name: model,
        model_version: '1',
        input_features: { amount: i },
        prediction: 'legit',
        score: 0.25,
      }));
    await writePartitionFile(logs, 'fraud', '2026-01-30', stored('fraud', '2026-01-30', 3));
    await writePartitionFile(logs, 'fraud', '2026-01-31', stored('fraud', '2026-01-31', 4));
    await writePartitionFile(logs, 'churn', '2026-01-31', stored('churn', '2026-01-31', 5));
    const out = path.join(dir, 'out');
    const config = await fileConfig(dir, out);
    const io = captureIo(dir);
    const code = await runCli(
      [
        'replay',
        'logs',
        '--config',
        config,
        '--exporter',
        'file',
        '--model',
        'fraud',
        '--since',
        '2026-01-31T01:00:00Z',
      ],
      io.io,
    );
    expect(io.stderr()).not.toContain('warn');
    expect(code).toBe(0);
    // churn and the 30th are pruned unread; in fraud/31 the record at 00:00 is read and skipped.
    expect(io.stdout()).toContain('records read        4\n');
    expect(io.stdout()).toContain('sent                3\n');
    expect(io.stdout()).toContain('skipped by filter   1\n');
    expect(io.stdout()).toContain('partitions skipped  2 (outside the filter)');
    const sent = await readBack(out);
    expect(sent).toEqual(stored('fraud', '2026-01-31', 4).slice(1));
  });

  it('continues where an interrupted run stopped: each record reaches the sink once over both runs', async () => {
    const dir = await tempDir();
    const spill = path.join(dir, 'spill');
    await spillOf(spill, 100);
    const received = new Map<string, number>();
    const controller = new AbortController();
    // A sink that takes 5 ms (of the fake clock) per batch, so reading gets ahead of it.
    const clock = new FakeClock();
    class CountingExporter extends BaseExporter {
      async send(records: readonly LogRecordLike[]): Promise<void> {
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 5));
        for (const record of records) {
          const key = record.attributes['ml.prediction.id'] as string;
          received.set(key, (received.get(key) ?? 0) + 1);
        }
        if (received.size >= 40) controller.abort();
      }
    }
    const { registry, config } = await exporterSetup(dir, 'counting', CountingExporter, { maxBatchAgeMs: 5 });
    const run = (signal?: AbortSignal) =>
      runReplay({
        directory: spill,
        configFile: config,
        exporterId: 'counting',
        filter: {},
        consume: false,
        registry,
        env: {},
        stderr: { write: () => true },
        tty: false,
        signal,
        clock,
      });
    const first = await settle(clock, run(controller.signal));
    expect(first.interrupted).toBe(true);
    expect(first.sent).toBeGreaterThanOrEqual(40);
    expect(first.sent).toBeLessThan(100);
    const checkpoint = JSON.parse(await readFile(first.checkpointFile, 'utf8')) as { sources: object };
    expect(Object.keys(checkpoint.sources).length).toBeGreaterThan(0);

    const second = await settle(clock, run());
    expect(second.interrupted).toBe(false);
    expect(second.alreadyDone).toBe(first.sent);
    expect(second.sent).toBe(100 - first.sent);
    expect([...received.values()].every((n) => n === 1)).toBe(true);
    expect([...received.keys()].sort()).toEqual(Array.from({ length: 100 }, (_, i) => id(i)));
  });

  it('saves the checkpoint every second of its clock while the sink is still working', async () => {
    const dir = await tempDir();
    const spill = path.join(dir, 'spill');
    await spillOf(spill, 30);
    const clock = new FakeClock();
    let batches = 0;
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    class HoldingExporter extends BaseExporter {
      async send(): Promise<void> {
        // The first batch goes through; the second waits until the test lets it.
        if (++batches === 2) await held;
      }
    }
    const { registry, config } = await exporterSetup(dir, 'holding', HoldingExporter);
    const checkpointFile = path.join(dir, 'checkpoint.json');
    const started = clock.monotonic();
    const running = runReplay({
      directory: spill,
      configFile: config,
      exporterId: 'holding',
      filter: {},
      checkpointFile,
      consume: false,
      registry,
      env: {},
      stderr: { write: () => true },
      tty: false,
      clock,
    });
    await advanceUntil(clock, () => batches === 2, { limitMs: 900 });
    expect(existsSync(checkpointFile)).toBe(false);
    // The ticker saves once a second has passed on the clock; the sink has finished the first segment.
    await advanceUntil(clock, () => existsSync(checkpointFile), { limitMs: 2000 });
    expect(clock.monotonic() - started).toBeGreaterThanOrEqual(1000);
    const saved = JSON.parse(await readFile(checkpointFile, 'utf8')) as { sources: Record<string, number> };
    expect(Object.values(saved.sources)).toEqual([10]);

    release();
    const summary = await settle(clock, running);
    expect(summary).toMatchObject({ sent: 30, interrupted: false });
    expect(clock.pendingTimers).toBe(0);
  });

  it('counts what the sink rejects as failed and does not retry it', async () => {
    const dir = await tempDir();
    const spill = path.join(dir, 'spill');
    await spillOf(spill, 30);
    let attempts = 0;
    class PickyExporter extends BaseExporter {
      async send(records: readonly LogRecordLike[]): Promise<void> {
        attempts++;
        if (records.some((r) => r.attributes['ml.prediction.id'] === id(15)))
          throw new ExportError('HTTP 400: entry too far behind', { retryable: false });
      }
    }
    const { registry, config } = await exporterSetup(dir, 'picky', PickyExporter);
    const lines: string[] = [];
    const summary = await runReplay({
      directory: spill,
      configFile: config,
      exporterId: 'picky',
      filter: {},
      consume: false,
      registry,
      env: {},
      stderr: { write: (line: string) => lines.push(line) },
      tty: false,
    });
    expect(summary.sent).toBe(20);
    expect(summary.failed).toEqual({ export_rejected: 10 });
    expect(attempts).toBe(3);
    expect(lines.join('')).toContain('HTTP 400: entry too far behind');
  });

  it('draws a bar on a terminal', async () => {
    const dir = await tempDir();
    await spillOf(path.join(dir, 'spill'), 5);
    const config = await fileConfig(dir, path.join(dir, 'out'));
    let err = '';
    const io = captureIo(dir);
    const code = await runCli(['replay', 'spill', '--config', config, '--exporter', 'file'], {
      ...io.io,
      stderr: Object.assign({ write: (chunk: string) => (err += chunk) }, { isTTY: true }),
    });
    expect(code).toBe(0);
    expect(err).toContain(
      '\r\x1b[2K[########################] 100% 1/1 files, 5 read, 5 sent, 0 failed, 0 skipped',
    );
    expect(err.endsWith('\n')).toBe(true);
  });

  it('refuses a spill a live process is still sending', async () => {
    const dir = await tempDir();
    const spill = path.join(dir, 'spill');
    const queue = new ExportQueue(
      new DownExporter('down'),
      exportQueueConfigSchema.parse({ spill: { enabled: true, directory: spill } }),
      { diagnostics: { warnOnce: () => undefined, error: () => undefined, info: () => undefined } },
    );
    await queue.opened();
    queue.enqueue([]);
    await spillOf(path.join(dir, 'other'), 3);
    // Put a segment in the live folder, so it is a spill with an owner.
    const [segment] = await segments(path.join(dir, 'other', 'down'));
    await writeFile(
      path.join(spill, 'down', segment as string),
      await readFile(path.join(dir, 'other', 'down', segment as string)),
    );
    const config = await fileConfig(dir, path.join(dir, 'out'));
    const io = captureIo(dir);
    expect(await runCli(['replay', 'spill', '--config', config, '--exporter', 'file'], io.io)).toBe(1);
    expect(io.stderr()).toContain(`is the live spill of process ${process.pid}`);
    await queue.shutdown(10);
  });

  it('reports usage errors and inputs it cannot replay', async () => {
    const dir = await tempDir();
    const config = await fileConfig(dir, path.join(dir, 'out'));
    const noConfig = captureIo(dir);
    expect(await runCli(['replay', '.', '--exporter', 'file'], noConfig.io)).toBe(2);
    expect(noConfig.stderr()).toContain('--config <file> is required');

    const unknown = captureIo(dir);
    expect(await runCli(['replay', '.', '--config', config, '--exporter', 'loki'], unknown.io)).toBe(2);
    expect(unknown.stderr()).toContain('exporter "loki" is not defined in the config (defined: file)');

    const empty = captureIo(dir);
    expect(await runCli(['replay', '.', '--config', config, '--exporter', 'file'], empty.io)).toBe(1);
    expect(empty.stderr()).toContain('found neither spill segments');

    const consumeFiltered = captureIo(dir);
    expect(
      await runCli(
        ['replay', '.', '--config', config, '--exporter', 'file', '--consume', '--model', 'x'],
        consumeFiltered.io,
      ),
    ).toBe(2);
  });
});
