import { appendFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createNoopMeter } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { exportQueueConfigSchema } from '../src/config.ts';
import { ExportError, systemClock } from '../src/contracts.ts';
import { ExportQueue } from '../src/export-queue.ts';
import { type LogRecordLike, PredlogLogRecord } from '../src/log-record.ts';
import { SelfMetrics } from '../src/self-metrics.ts';
import { MemoryExporter, recordingDiagnostics } from './support.ts';

const resource = resourceFromAttributes({ 'service.name': 't' });
const record = (i: number, approxBytes = 100) =>
  new PredlogLogRecord({
    hrTime: [1_700_000_000 + i, 0],
    resource,
    instrumentationScope: { name: 'test' },
    attributes: { i },
    eventName: 'ml.prediction',
    approxBytes,
  });
const records = (n: number, from = 0, bytes = 100) =>
  Array.from({ length: n }, (_, i) => record(from + i, bytes));

function setup(queue: Record<string, unknown>, exporter = new MemoryExporter('mem'), random = () => 0.5) {
  const metrics = new SelfMetrics(createNoopMeter());
  const { diagnostics, events } = recordingDiagnostics();
  const config = exportQueueConfigSchema.parse(queue);
  const q = new ExportQueue(exporter, config, { metrics, diagnostics, clock: systemClock, random });
  return { q, exporter, metrics, events };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ExportQueue batching', () => {
  it('sends a batch as soon as it reaches maxBatchSize, in order', async () => {
    const { q, exporter } = setup({ maxBatchSize: 10, maxBatchAgeMs: 60_000 });
    q.enqueue(records(25));
    await sleep(10);
    expect(exporter.batches.map((b) => b.length)).toEqual([10, 10]);
    await q.forceFlush();
    expect(exporter.batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(exporter.records.map((r) => r.attributes.i)).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('seals a batch by approximate bytes', async () => {
    const { q, exporter } = setup({ maxBatchSize: 1000, maxBatchBytes: 1000, maxBatchAgeMs: 60_000 });
    q.enqueue(records(25, 0, 300));
    await sleep(10);
    expect(exporter.batches.map((b) => b.length)).toEqual([4, 4, 4, 4, 4, 4]);
    await q.shutdown(1000);
  });

  it('sends a partial batch when its oldest record reaches maxBatchAgeMs', async () => {
    const { q, exporter } = setup({ maxBatchSize: 1000, maxBatchAgeMs: 30 });
    q.enqueue(records(3));
    expect(exporter.batches).toHaveLength(0);
    await sleep(80);
    expect(exporter.batches.map((b) => b.length)).toEqual([3]);
  });

  it('drops and counts records beyond maxQueueRecords while the sink is slow', async () => {
    const exporter = new MemoryExporter('slow');
    exporter.delayMs = 50;
    const { q, metrics } = setup({ maxBatchSize: 10, maxQueueRecords: 30, maxBatchAgeMs: 5 }, exporter);
    q.enqueue(records(100));
    expect(metrics.dropped.get('export_queue_full:slow')).toBe(70);
    await q.forceFlush();
    expect(metrics.exported.get('slow')).toBe(30);
  });
});

describe('ExportQueue retry', () => {
  it('retries retryable failures with exponential backoff and jitter, then delivers once', async () => {
    const exporter = new MemoryExporter('flaky');
    exporter.failWith = (attempt) => (attempt <= 3 ? new ExportError('503', { retryable: true }) : undefined);
    const times: number[] = [];
    const send = exporter.send.bind(exporter);
    exporter.send = (r, s) => {
      times.push(performance.now());
      return send(r, s);
    };
    const { q, metrics } = setup(
      { maxBatchSize: 5, retry: { initialIntervalMs: 20, multiplier: 2, jitter: 0.2, maxIntervalMs: 1000 } },
      exporter,
      () => 0.5, // jitter at its midpoint: intervals are exactly 20, 40, 80
    );
    q.enqueue(records(5));
    await q.forceFlush();
    expect(exporter.attempts).toBe(4);
    expect(exporter.records).toHaveLength(5);
    expect(metrics.exportFailures.get('flaky')).toBe(3);
    expect(metrics.exported.get('flaky')).toBe(5);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(gaps[0]).toBeGreaterThanOrEqual(18);
    expect(gaps[1]).toBeGreaterThanOrEqual(38);
    expect(gaps[2]).toBeGreaterThanOrEqual(78);
  });

  it('jitter spreads the interval within ±jitter of the base', async () => {
    const exporter = new MemoryExporter('j');
    const { q } = setup({ retry: { initialIntervalMs: 1000, jitter: 0.2 } }, exporter, () => 0);
    const backoff = (q as unknown as { backoff(attempt: number): number }).backoff.bind(q);
    expect(backoff(1)).toBeCloseTo(800);
    expect(backoff(3)).toBeCloseTo(3200);
    const high = setup(
      { retry: { initialIntervalMs: 1000, jitter: 0.2, maxIntervalMs: 2000 } },
      exporter,
      () => 0.999999,
    );
    const highBackoff = (high.q as unknown as { backoff(attempt: number): number }).backoff.bind(high.q);
    expect(highBackoff(1)).toBeCloseTo(1200, 0);
    expect(highBackoff(5)).toBeCloseTo(2400, 0);
  });

  it('honours a server-requested retry delay', async () => {
    const exporter = new MemoryExporter('throttled');
    exporter.failWith = (attempt) =>
      attempt === 1 ? new ExportError('429', { retryable: true, retryAfterMs: 120 }) : undefined;
    const { q } = setup({ retry: { initialIntervalMs: 1 } }, exporter);
    const started = performance.now();
    q.enqueue(records(2));
    await q.forceFlush();
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    expect(exporter.records).toHaveLength(2);
  });

  it('does not retry a non-retryable failure: drops and counts it, says so once', async () => {
    const exporter = new MemoryExporter('strict');
    exporter.failWith = () => new ExportError('400 bad request: line too long', { retryable: false });
    const { q, metrics, events } = setup({ maxBatchSize: 2 }, exporter);
    q.enqueue(records(4));
    await q.forceFlush();
    expect(exporter.attempts).toBe(2);
    expect(metrics.dropped.get('export_rejected:strict')).toBe(4);
    const rejected = events.filter((e) => e.code === 'export_rejected.strict');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.message).toContain('400 bad request');
  });

  it('counts only the rejected part of a batch the sink partly accepted', async () => {
    const exporter = new MemoryExporter('partial');
    exporter.failWith = () =>
      new ExportError('400: 3 of 10 lines too long', {
        retryable: false,
        acceptedCount: 10,
        rejected: [2, 5, 9].map((index) => ({ index, reason: 'line too long' })),
      });
    const { q, metrics } = setup({ maxBatchSize: 10 }, exporter);
    q.enqueue(records(10));
    await q.forceFlush();
    expect(metrics.dropped.get('export_rejected:partial')).toBe(3);
    expect(metrics.exported.get('partial')).toBe(7);
  });

  it('gives up after maxElapsedMs and counts export_failed', async () => {
    const exporter = new MemoryExporter('down');
    exporter.failWith = () => new Error('ECONNREFUSED');
    const { q, metrics } = setup({ retry: { initialIntervalMs: 10, maxElapsedMs: 60 } }, exporter);
    q.enqueue(records(3));
    await q.forceFlush();
    expect(exporter.attempts).toBeGreaterThan(1);
    expect(metrics.dropped.get('export_failed:down')).toBe(3);
  });

  it('aborts a send that exceeds timeoutMs and retries it', async () => {
    const exporter = new MemoryExporter('hang');
    exporter.delayMs = 10_000;
    const send = exporter.send.bind(exporter);
    exporter.send = (r, s) => {
      if (exporter.attempts >= 1) exporter.delayMs = 0;
      return send(r, s);
    };
    const { q, metrics } = setup({ timeoutMs: 30, retry: { initialIntervalMs: 5 } }, exporter);
    q.enqueue(records(2));
    await q.forceFlush();
    expect(exporter.attempts).toBe(2);
    expect(metrics.exportFailures.get('hang')).toBe(1);
    expect(exporter.records).toHaveLength(2);
  });
});

describe('ExportQueue shutdown', () => {
  it('drains within the deadline', async () => {
    const exporter = new MemoryExporter('ok');
    exporter.delayMs = 5;
    const { q, metrics } = setup({ maxBatchSize: 10 }, exporter);
    q.enqueue(records(50));
    await q.shutdown(5_000);
    expect(metrics.exported.get('ok')).toBe(50);
    expect(exporter.shutdownCalled).toBe(true);
  });

  it('counts what it could not send by the deadline as dropped (shutdown), exactly', async () => {
    const exporter = new MemoryExporter('stuck');
    exporter.failWith = () => new Error('down');
    const { q, metrics, events } = setup(
      { maxBatchSize: 10, retry: { initialIntervalMs: 10_000 } },
      exporter,
    );
    q.enqueue(records(35));
    const started = performance.now();
    await q.shutdown(100);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(metrics.dropped.get('shutdown:stuck')).toBe(35);
    expect(q.queued).toBe(0);
    expect(events.some((e) => e.code === 'shutdown_incomplete')).toBe(true);
    q.enqueue(records(2));
    expect(metrics.dropped.get('shutdown:stuck')).toBe(37);
  });
});

describe('ExportQueue disk spill', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'predlog-spill-'));
    dirs.push(dir);
    return dir;
  }
  const ids = (list: readonly LogRecordLike[]) => list.map((r) => r.attributes.i as number);
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
  const segmentFiles = async (dir: string, id: string) =>
    (await readdir(path.join(dir, id))).filter((name) => name.startsWith('seg-')).sort();

  /** A queue with a spill; `down` makes every send fail retryably until set back. */
  async function spillSetup(dir: string, queue: Record<string, unknown> = {}, id = 'mem') {
    const exporter = new MemoryExporter(id);
    const sink = { down: false };
    exporter.failWith = () => (sink.down ? new ExportError('503', { retryable: true }) : undefined);
    const metrics = new SelfMetrics(createNoopMeter());
    const { diagnostics, events } = recordingDiagnostics();
    const config = exportQueueConfigSchema.parse({
      maxBatchSize: 10,
      maxBatchAgeMs: 5,
      retry: { initialIntervalMs: 20, maxIntervalMs: 40 },
      ...queue,
      spill: { enabled: true, directory: dir, ...(queue.spill as object | undefined) },
    });
    const q = new ExportQueue(exporter, config, { metrics, diagnostics, clock: systemClock });
    await q.opened();
    /** received (+ recovered) = exported + dropped + queued, at any moment. */
    const balanced = (entered: number) => {
      const s = q.stats();
      const dropped = Object.values(s.dropped).reduce((a, b) => a + b, 0);
      return s.exported + dropped + s.queued === entered + s.spillRecovered;
    };
    return { q, exporter, sink, metrics, events, balanced };
  }

  const until = async (check: () => boolean, timeoutMs = 5000) => {
    const deadline = performance.now() + timeoutMs;
    while (!check()) {
      if (performance.now() > deadline) throw new Error('condition not reached');
      await sleep(5);
    }
  };

  it('spills a batch that failed and what follows while the sink is down, then sends all once, in order', async () => {
    const dir = await tempDir();
    const { q, exporter, sink, balanced } = await spillSetup(dir);
    sink.down = true;
    q.enqueue(records(10));
    await until(() => q.stats().sinkDown);
    q.enqueue(records(45, 10));
    await q.forceFlush(); // resolves once memory is on disk, the sink still down
    expect(q.spilled).toBe(55);
    expect(balanced(55)).toBe(true);
    expect((await segmentFiles(dir, 'mem')).length).toBeGreaterThan(0);
    sink.down = false;
    await until(() => q.queued === 0);
    expect(ids(exporter.records)).toEqual(range(0, 55));
    expect(q.stats().exported).toBe(55);
    expect(q.stats().dropped).toEqual({});
    expect(balanced(55)).toBe(true);
    expect(await segmentFiles(dir, 'mem')).toEqual([]);
    await q.shutdown(1000);
  });

  it('moves batches to disk when memory is full instead of dropping them', async () => {
    const dir = await tempDir();
    const { q, exporter, metrics, balanced } = await spillSetup(dir, { maxQueueRecords: 30 });
    exporter.delayMs = 20;
    q.enqueue(records(100));
    expect(metrics.dropped.get('export_queue_full:mem')).toBeUndefined();
    expect(q.spilled).toBeGreaterThan(0);
    expect(balanced(100)).toBe(true);
    await q.forceFlush();
    expect(ids(exporter.records)).toEqual(range(0, 100));
    expect(q.stats().dropped).toEqual({});
    expect(balanced(100)).toBe(true);
    await q.shutdown(1000);
  });

  it('a full spill drops the oldest segments and counts them', async () => {
    const dir = await tempDir();
    const { q, exporter, sink, metrics, balanced } = await spillSetup(dir, {
      spill: { maxBytes: 8192 },
      retry: { initialIntervalMs: 300, maxIntervalMs: 300, jitter: 0 },
    });
    sink.down = true;
    q.enqueue(records(10));
    await until(() => q.stats().sinkDown);
    // In one turn, so no probe runs while the spill overflows.
    for (let i = 1; i < 30; i++) q.enqueue(records(10, i * 10));
    q.enqueue([]);
    const dropped = metrics.dropped.get('spill_full:mem') ?? 0;
    expect(dropped).toBeGreaterThan(0);
    expect(q.stats().spillBytes).toBeLessThanOrEqual(8192);
    expect(balanced(300)).toBe(true);
    sink.down = false;
    await until(() => q.queued === 0);
    const delivered = ids(exporter.records);
    // What is missing is the oldest records, exactly as many as counted.
    expect(delivered).toEqual(range(dropped, 300));
    expect(balanced(300)).toBe(true);
    await q.shutdown(1000);
  });

  it('survives a restart: a new queue on the same directory sends the old spill first, then its own', async () => {
    const dir = await tempDir();
    const first = await spillSetup(dir);
    first.sink.down = true;
    first.q.enqueue(records(25));
    await first.q.forceFlush();
    await first.q.shutdown(50);
    expect(first.metrics.dropped.get('shutdown:mem')).toBeUndefined();
    expect(first.events.some((e) => e.code === 'spill_pending')).toBe(true);
    expect(first.exporter.records).toHaveLength(0);

    const second = await spillSetup(dir);
    expect(second.q.stats().spillRecovered).toBe(25);
    second.q.enqueue(records(5, 25));
    await second.q.forceFlush();
    expect(ids(second.exporter.records)).toEqual(range(0, 30));
    expect(second.balanced(5)).toBe(true);
    expect(second.events.some((e) => e.code === 'spill_recovered')).toBe(true);
    await second.q.shutdown(1000);
  });

  it('skips and counts a torn last line left by a crash', async () => {
    const dir = await tempDir();
    const first = await spillSetup(dir);
    first.sink.down = true;
    first.q.enqueue(records(10));
    await first.q.forceFlush();
    await first.q.shutdown(50);
    const [segment] = await segmentFiles(dir, 'mem');
    await appendFile(path.join(dir, 'mem', segment as string), '{"resource":{"attributes":{}},"scope":{"na');

    const second = await spillSetup(dir);
    const stats = second.q.stats();
    expect(stats.spillRecovered).toBe(11);
    expect(stats.dropped.spill_torn).toBe(1);
    await second.q.forceFlush();
    expect(ids(second.exporter.records)).toEqual(range(0, 10));
    expect(second.balanced(0)).toBe(true);
    await second.q.shutdown(1000);
  });

  it('at the shutdown deadline puts what is in memory on disk instead of dropping it', async () => {
    const dir = await tempDir();
    const { q, exporter, metrics } = await spillSetup(dir);
    exporter.delayMs = 10_000; // a sink that hangs
    q.enqueue(records(35));
    await q.shutdown(100);
    expect(metrics.dropped.get('shutdown:mem')).toBeUndefined();
    expect(q.spilled).toBe(35);
    q.enqueue(records(1, 35));
    expect(metrics.dropped.get('shutdown:mem')).toBe(1);

    const next = await spillSetup(dir);
    await next.q.forceFlush();
    expect(ids(next.exporter.records)).toEqual(range(0, 35));
    await next.q.shutdown(1000);
  });

  it('drops and deletes a spilled segment the sink rejects, and carries on with the next', async () => {
    const dir = await tempDir();
    const { q, exporter, sink, metrics, balanced } = await spillSetup(dir);
    sink.down = true;
    q.enqueue(records(20));
    await q.forceFlush();
    let rejectedOnce = false;
    exporter.failWith = () => {
      if (rejectedOnce) return undefined;
      rejectedOnce = true;
      return new ExportError('400 bad request', { retryable: false });
    };
    await until(() => q.queued === 0);
    expect(metrics.dropped.get('export_rejected:mem')).toBe(10);
    expect(ids(exporter.records)).toEqual(range(10, 20));
    expect(balanced(20)).toBe(true);
    expect(await segmentFiles(dir, 'mem')).toEqual([]);
    await q.shutdown(1000);
  });

  it('does not use a spill directory another live process holds, and says so', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'mem'), { recursive: true });
    // The parent of this test worker is alive for the whole test.
    await writeFile(path.join(dir, 'mem', 'spill.lock'), `${process.ppid}\n`);
    const { q, events, metrics } = await spillSetup(dir, { maxQueueRecords: 10 });
    expect(events.find((e) => e.code === 'spill_unavailable')?.message).toContain(String(process.ppid));
    const exporter = q.exporter as MemoryExporter;
    exporter.delayMs = 50;
    q.enqueue(records(30));
    expect(metrics.dropped.get('export_queue_full:mem')).toBe(20);
    await q.shutdown(1000);
  });

  it('reports the spill as metrics: predlog.spill.bytes, queue depth with the spill, records recovered', async () => {
    const dir = await tempDir();
    const collect = async (setup: {
      reader: PeriodicExportingMetricReader;
      exported: InMemoryMetricExporter;
    }) => {
      setup.exported.reset();
      await setup.reader.forceFlush();
      const points = new Map<string, Array<{ attributes: Record<string, unknown>; value: unknown }>>();
      for (const resourceMetrics of setup.exported.getMetrics())
        for (const scope of resourceMetrics.scopeMetrics)
          for (const metric of scope.metrics)
            points.set(
              metric.descriptor.name,
              metric.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value })),
            );
      return points;
    };
    const withMeter = async (dir: string) => {
      const exported = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
      const reader = new PeriodicExportingMetricReader({ exporter: exported, exportIntervalMillis: 60_000 });
      const metrics = new SelfMetrics(new MeterProvider({ readers: [reader] }).getMeter('t'));
      const exporter = new MemoryExporter('m');
      exporter.failWith = () => new ExportError('down', { retryable: true });
      const q = new ExportQueue(
        exporter,
        exportQueueConfigSchema.parse({
          maxBatchSize: 10,
          maxBatchAgeMs: 5,
          spill: { enabled: true, directory: dir },
        }),
        { metrics, diagnostics: recordingDiagnostics().diagnostics },
      );
      await q.opened();
      return { q, reader, exported };
    };
    const first = await withMeter(dir);
    first.q.enqueue(records(20));
    await first.q.forceFlush();
    const during = await collect(first);
    const bytes = first.q.stats().spillBytes;
    expect(bytes).toBeGreaterThan(0);
    expect(during.get('predlog.spill.bytes')).toEqual([{ attributes: { exporter: 'm' }, value: bytes }]);
    expect(during.get('predlog.queue.depth')).toEqual([{ attributes: { queue: 'm' }, value: 20 }]);
    await first.q.shutdown(10);

    const second = await withMeter(dir);
    const after = await collect(second);
    expect(after.get('predlog.spill.recovered')).toEqual([{ attributes: { exporter: 'm' }, value: 20 }]);
    await second.q.shutdown(10);
  });

  it('keeps exporters apart: one folder per exporter id, a "/" never becomes a path level', async () => {
    const dir = await tempDir();
    const { q, sink } = await spillSetup(dir, {}, 'loki/eu');
    sink.down = true;
    q.enqueue(records(3));
    await q.forceFlush();
    expect((await segmentFiles(dir, 'loki%2Feu')).length).toBe(1);
    await q.shutdown(10);
  });
});
