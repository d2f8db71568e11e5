import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config-loader.ts';
import { type DiagnosticEvent, DiagnosticsChannel } from '../src/diagnostics.ts';
import type { PredictionInput } from '../src/prediction-input.ts';
import { createPredictionLogger, type PredictionLogger } from '../src/prediction-logger.ts';
import type { PipelineStats } from '../src/self-metrics.ts';
import {
  linesExporterFactory,
  parityProcessorFactory,
  readLines,
  tagProcessorFactory,
  unreferencedExporterFactory,
} from './worker/fixtures/lines-exporter.ts';
import { ManualClock } from './worker/manual-clock.ts';

const dirs: string[] = [];
const loggers: PredictionLogger[] = [];
afterEach(async () => {
  await Promise.all(loggers.splice(0).map((logger) => logger.shutdown()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'predlog-worker-mode-'));
  dirs.push(dir);
  return dir;
}

interface Setup {
  thread: 'inline' | 'worker';
  out: string;
  meterProvider?: MeterProvider;
  exporter?: Record<string, unknown>;
  clock?: ManualClock;
  events?: DiagnosticEvent[];
}

async function start({
  thread,
  out,
  exporter = {},
  clock,
  events = [],
  meterProvider,
}: Setup): Promise<PredictionLogger> {
  const logger = await createPredictionLogger({
    config: {
      logger: { thread },
      exporters: { lines: { path: out, ...exporter, queue: { maxBatchSize: 64, maxBatchAgeMs: 5 } } },
      pipelines: { predictions: { exporters: ['lines'] } },
    },
    components: [linesExporterFactory],
    model: { name: 'fraud', version: '2.3.0', framework: 'xgboost' },
    resource: { 'service.name': 'worker-mode-test' },
    diagnostics: new DiagnosticsChannel((event) => events.push(event)),
    ...(clock ? { clock } : {}),
    ...(meterProvider ? { meterProvider } : {}),
  });
  loggers.push(logger);
  return logger;
}

/** received = sampled out + dropped + exported + in flight, exactly. */
function balance(stats: PipelineStats): number {
  const sum = (table: Record<string, number>) => Object.values(table).reduce((a, b) => a + b, 0);
  return (
    stats.received -
    stats.sampledOut -
    sum(stats.dropped) -
    sum(stats.exported) -
    stats.queueDepth -
    sum(stats.exportQueueDepth)
  );
}

/** Turns the event loop until `check()` holds (state another thread changes). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setImmediate(resolve));
}

function prediction(i: number): PredictionInput {
  return {
    requestId: `req-${i}`,
    predictionId: `pred-${i}`,
    timestamp: 1_780_000_000_000 + i,
    features: { amount: i * 1.5, country: i % 2 === 0 ? 'FR' : 'DE', missing: null, age: i % 7 },
    rawInput: { body: { amount: String(i), card: 'tok_123' } },
    prediction: i % 3 === 0 ? 'fraud' : 'legit',
    score: (i % 10) / 10,
    threshold: 0.5,
    probabilities: { fraud: (i % 10) / 10, legit: 1 - (i % 10) / 10 },
    latencyMs: 3.25,
    segment: 'web',
    ...(i % 5 === 0 ? { error: new RangeError('bad feature') } : {}),
  };
}

/** The same calls on a logger: predictions, feedback, and records of an application's own LoggerProvider. */
async function drive(logger: PredictionLogger, n: number): Promise<Array<string | undefined>> {
  const ids: Array<string | undefined> = [];
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'other-app' }),
    processors: [logger.logRecordProcessor()],
  });
  const otel = provider.getLogger('app', '1.0.0');
  for (let i = 0; i < n; i++) {
    ids.push(logger.record(prediction(i)));
    if (i % 4 === 0)
      logger.feedback({
        requestId: `req-${i}`,
        feedbackId: `fb-${i}`,
        timestamp: 1_780_000_100_000 + i,
        label: i % 3 === 0 ? 'fraud' : 'legit',
        source: 'chargeback',
      });
    if (i % 6 === 0)
      otel.emit({
        eventName: 'ml.prediction',
        timestamp: 1_780_000_200_000 + i,
        severityNumber: 9,
        attributes: { 'ml.request.id': `otel-${i}`, 'ml.model.name': 'fraud', nested: { a: [1, 2n] } },
        body: { input_features: { amount: i, ratio: Number.NaN } },
      });
  }
  await provider.forceFlush();
  await logger.forceFlush();
  return ids;
}

describe('logger.thread: worker', () => {
  it('exports what inline mode exports for the same calls: predictions, feedback and OTel records', async () => {
    const dir = tempDir();
    const inline = await start({ thread: 'inline', out: path.join(dir, 'inline.ndjson') });
    const worker = await start({ thread: 'worker', out: path.join(dir, 'worker.ndjson') });
    const n = 300;
    const inlineIds = await drive(inline, n);
    const workerIds = await drive(worker, n);
    expect(workerIds).toEqual(inlineIds);
    const inlineLines = readLines(path.join(dir, 'inline.ndjson'));
    const workerLines = readLines(path.join(dir, 'worker.ndjson'));
    // 300 predictions, 75 feedback records, 50 OTel records.
    expect(inlineLines.length).toBe(425);
    expect(workerLines).toEqual(inlineLines);
    const events = new Set(workerLines.map((line) => line.eventName));
    expect(events).toEqual(new Set(['ml.prediction', 'ml.feedback']));
    expect(
      workerLines.some((line) => (line.resource as Record<string, unknown>)['service.name'] === 'other-app'),
    ).toBe(true);

    const stats = worker.stats();
    expect(stats.received).toBe(425);
    expect(stats.exported).toEqual({ lines: 425 });
    expect(stats.queueDepth).toBe(0);
    expect(balance(stats)).toBe(0);
    expect(stats.sanitized).toEqual(inline.stats().sanitized);
  });

  it("reports the worker's fates through the self-metrics instruments of the serving thread", async () => {
    const dir = tempDir();
    const exported = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter: exported, exportIntervalMillis: 60_000 });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const logger = await start({ thread: 'worker', out: path.join(dir, 'out.ndjson'), meterProvider });
    for (let i = 0; i < 40; i++) logger.record(prediction(i));
    logger.record(null as never);
    await logger.forceFlush();
    await reader.forceFlush();
    const points = new Map<string, unknown[]>();
    for (const resourceMetrics of exported.getMetrics())
      for (const scope of resourceMetrics.scopeMetrics)
        for (const metric of scope.metrics)
          points.set(
            metric.descriptor.name,
            metric.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value })),
          );
    expect(points.get('predlog.records.received')).toEqual([{ attributes: {}, value: 41 }]);
    expect(points.get('predlog.records.exported')).toEqual([
      { attributes: { exporter: 'lines' }, value: 40 },
    ]);
    expect(points.get('predlog.records.dropped')).toEqual([{ attributes: { reason: 'invalid' }, value: 1 }]);
    expect(points.get('predlog.queue.depth')).toEqual([{ attributes: { queue: 'boundary' }, value: 0 }]);
    await meterProvider.shutdown();
  });

  it('forceFlush() under traffic resolves once everything recorded before it is exported', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'out.ndjson');
    const logger = await start({ thread: 'worker', out });
    let i = 0;
    let flowing = true;
    const traffic = (async () => {
      while (flowing) {
        for (let k = 0; k < 50; k++) logger.record(prediction(i++));
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await until(() => i >= 500);
    const before = i;
    await logger.forceFlush();
    const ids = new Set(
      readLines(out).map((line) => (line.attributes as Record<string, unknown>)['ml.prediction.id']),
    );
    for (let k = 0; k < before; k++) expect(ids.has(`pred-${k}`)).toBe(true);
    flowing = false;
    await traffic;
    await logger.forceFlush();
    const stats = logger.stats();
    expect(stats.exported.lines).toBe(i);
    expect(balance(stats)).toBe(0);
  });

  it('restarts a worker killed mid-stream; what it held is counted as worker_died and the ledger balances', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'out.ndjson');
    const clock = new ManualClock();
    const events: DiagnosticEvent[] = [];
    const logger = await start({
      thread: 'worker',
      out,
      exporter: { crashAfter: 200, crashMarker: path.join(dir, 'crashed') },
      clock,
      events,
    });
    for (let i = 0; i < 1000; i++) logger.record(prediction(i));
    await until(() => clock.pendingDelays().length > 0);
    expect(events.some((event) => event.code === 'worker_died')).toBe(true);
    const died = logger.stats().dropped.worker_died ?? 0;
    expect(died).toBeGreaterThan(0);
    expect(balance(logger.stats())).toBe(0);
    clock.runNext();
    for (let i = 1000; i < 1200; i++) logger.record(prediction(i));
    await logger.forceFlush();
    const stats = logger.stats();
    expect(stats.received).toBe(1200);
    expect(stats.dropped.worker_died).toBe(died);
    expect(stats.exported.lines).toBe(1200 - died);
    expect(stats.queueDepth).toBe(0);
    expect(balance(stats)).toBe(0);
    // Nothing sent twice: every prediction id is on disk at most once.
    const ids = readLines(out).map(
      (line) => (line.attributes as Record<string, unknown>)['ml.prediction.id'],
    );
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives hostile inputs the outcomes of inline mode', async () => {
    const dir = tempDir();
    const hostile = (): unknown[] => {
      const cycle: Record<string, unknown> = { name: 'loop' };
      cycle.self = cycle;
      const throwingFeatures = {
        amount: 1,
        get secret(): number {
          throw new Error('getter');
        },
      };
      const throwingInput = {
        predictionId: 'pred-throwing-input',
        get requestId(): string {
          throw new Error('getter');
        },
      };
      return [
        {
          predictionId: 'p-nan',
          timestamp: 1,
          features: { a: Number.NaN, b: Number.POSITIVE_INFINITY, c: undefined },
          prediction: Number.NaN,
        },
        { predictionId: 'p-bigint', timestamp: 2, features: { a: 10n }, rawInput: { big: 2n ** 70n } },
        { predictionId: 'p-cycle', timestamp: 3, features: { a: 1 }, rawInput: cycle },
        {
          predictionId: 'p-huge',
          timestamp: 4,
          features: { a: 1 },
          segment: 'x'.repeat(1_000_000),
          rawInput: 'y'.repeat(3_000_000),
        },
        { predictionId: 'p-getter', timestamp: 5, features: throwingFeatures },
        throwingInput,
        null,
        42,
        { predictionId: 'p-score-string', timestamp: 6, score: '0.9', requestId: 7 },
      ];
    };
    const outcomes = async (thread: 'inline' | 'worker') => {
      const out = path.join(dir, `${thread}.ndjson`);
      const logger = await start({ thread, out });
      const ids = hostile().map((input) => logger.record(input as PredictionInput));
      logger.feedback(null as never);
      logger.feedback({
        feedbackId: 'fb-big',
        timestamp: 9,
        requestId: 'r',
        label: 5n as never,
        source: 'test',
      });
      await logger.forceFlush();
      const stats = logger.stats();
      const lines = readLines(out).map((line) => {
        // The generated request id is random per call; its presence is what both modes share.
        const attributes = { ...(line.attributes as Record<string, unknown>) };
        if (typeof attributes['ml.request.id'] === 'string') attributes['ml.request.id'] = '<generated>';
        return { ...line, attributes };
      });
      return {
        ids,
        lines,
        dropped: stats.dropped,
        sanitized: stats.sanitized,
        exported: stats.exported,
        balance: balance(stats),
      };
    };
    const inline = await outcomes('inline');
    const worker = await outcomes('worker');
    // Five kept predictions and one feedback; the throwing input, null, 42 and null feedback are invalid.
    expect(inline.lines.length).toBe(6);
    expect(inline.dropped).toEqual({ invalid: 5 });
    expect(inline.sanitized).toMatchObject({ bigint: 2, circular: 1, unreadable: 1, non_finite_number: 3 });
    expect(worker).toEqual(inline);
  });

  it('keeps the head decision on the serving thread and runs the processors from the config file in the worker', async () => {
    const dir = tempDir();
    const run = async (thread: 'inline' | 'worker') => {
      const out = path.join(dir, `${thread}.ndjson`);
      const configFile = path.join(dir, `${thread}.json`);
      writeFileSync(
        configFile,
        JSON.stringify({
          logger: { thread },
          processors: { parity: {}, tag: {} },
          exporters: { lines: { path: out, queue: { maxBatchAgeMs: 5 } } },
          pipelines: { predictions: { processors: ['parity', 'tag'], exporters: ['lines'] } },
        }),
      );
      const logger = await createPredictionLogger({
        configFile,
        components: [linesExporterFactory, parityProcessorFactory, tagProcessorFactory],
        model: { name: 'fraud', version: '1' },
      });
      loggers.push(logger);
      const ids = [];
      for (let i = 0; i < 200; i++)
        ids.push(logger.record({ ...prediction(i), segment: i % 4 === 0 ? 'drop' : 'web' }));
      await logger.forceFlush();
      const stats = logger.stats();
      return {
        ids,
        lines: readLines(out),
        sampledOut: stats.sampledOut,
        dropped: stats.dropped,
        exported: stats.exported,
        balance: balance(stats),
      };
    };
    const inline = await run('inline');
    const worker = await run('worker');
    // Odd request ids are sampled out before capture; of the even ones, every other is `segment: drop`.
    expect(inline.sampledOut).toBe(100);
    expect(inline.dropped).toEqual({ 'filtered@tag': 50 });
    expect(inline.lines).toHaveLength(50);
    expect(inline.lines.every((line) => (line.attributes as Record<string, unknown>).tagged === true)).toBe(
      true,
    );
    expect(
      inline.lines.every((line) => (line.attributes as Record<string, unknown>)['ml.sampling.weight'] === 2),
    ).toBe(true);
    expect(worker).toEqual(inline);
  });

  it('refuses at start-up a factory the worker cannot load, naming the component', async () => {
    const dir = tempDir();
    const attempt = createPredictionLogger({
      config: {
        logger: { thread: 'worker' },
        exporters: { unreferenced: { path: path.join(dir, 'x.ndjson') } },
        pipelines: { predictions: { exporters: ['unreferenced'] } },
      },
      components: [unreferencedExporterFactory],
    });
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow(/exporters\.unreferenced: .*needs a module ref/);
  });

  it('rejects a thread other than inline or worker, naming the key', async () => {
    const attempt = createPredictionLogger({
      config: {
        logger: { thread: 'fork' },
        exporters: { lines: { path: 'x.ndjson' } },
        pipelines: { predictions: { exporters: ['lines'] } },
      },
      components: [linesExporterFactory],
    });
    await expect(attempt).rejects.toThrow(/logger\.thread: must be .*inline.*worker/);
  });
});
