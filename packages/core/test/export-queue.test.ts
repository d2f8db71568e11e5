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
import { ExportError } from '../src/contracts.ts';
import { ExportQueue } from '../src/export-queue.ts';
import { type LogRecordLike, PredlogLogRecord } from '../src/log-record.ts';
import { SelfMetrics } from '../src/self-metrics.ts';
import { advanceUntil, FakeClock, MemoryExporter, recordingDiagnostics, settle, turn } from './support.ts';

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
const ids = (list: readonly LogRecordLike[]) => list.map((r) => r.attributes.i as number);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

function setup(queue: Record<string, unknown>, exporter?: MemoryExporter, random = () => 0.5) {
  const clock = new FakeClock();
  const sink = exporter ?? new MemoryExporter('mem', clock);
  const metrics = new SelfMetrics(createNoopMeter());
  const { diagnostics, events } = recordingDiagnostics();
  const config = exportQueueConfigSchema.parse(queue);
  const q = new ExportQueue(sink, config, { metrics, diagnostics, clock, random });
  /** entered = exported + dropped + queued, at any moment. */
  const balanced = (entered: number) => {
    const s = q.stats();
    const dropped = Object.values(s.dropped).reduce((a, b) => a + b, 0);
    return s.exported + dropped + s.queued === entered + s.spillRecovered;
  };
  return { q, exporter: sink, metrics, events, clock, balanced };
}

describe('ExportQueue batching', () => {
  it('sends a batch as soon as it reaches maxBatchSize, in order', async () => {
    const { q, exporter, clock } = setup({ maxBatchSize: 10, maxBatchAgeMs: 60_000 });
    q.enqueue(records(25));
    await clock.advanceAsync(0);
    expect(exporter.batches.map((b) => b.length)).toEqual([10, 10]);
    await q.forceFlush();
    expect(exporter.batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(ids(exporter.records)).toEqual(range(0, 25));
  });

  it('seals a batch by approximate bytes', async () => {
    const { q, exporter, clock } = setup({ maxBatchSize: 1000, maxBatchBytes: 1000, maxBatchAgeMs: 60_000 });
    q.enqueue(records(25, 0, 300));
    await clock.advanceAsync(0);
    expect(exporter.batches.map((b) => b.length)).toEqual([4, 4, 4, 4, 4, 4]);
    await q.shutdown(1000);
  });

  it('sends a partial batch exactly when its oldest record reaches maxBatchAgeMs', async () => {
    const { q, exporter, clock } = setup({ maxBatchSize: 1000, maxBatchAgeMs: 30 });
    q.enqueue(records(3));
    await clock.advanceAsync(10);
    q.enqueue(records(2, 3));
    await clock.advanceAsync(19);
    expect(exporter.batches).toHaveLength(0);
    await clock.advanceAsync(1);
    expect(exporter.batches.map((b) => b.length)).toEqual([5]);
  });

  it('drops and counts records beyond maxQueueRecords while the sink is slow', async () => {
    const { q, exporter, metrics, clock } = setup({
      maxBatchSize: 10,
      maxQueueRecords: 30,
      maxBatchAgeMs: 5,
    });
    exporter.delayMs = 50;
    q.enqueue(records(100));
    expect(metrics.dropped.get('export_queue_full:mem')).toBe(70);
    await settle(clock, q.forceFlush());
    expect(metrics.exported.get('mem')).toBe(30);
  });
});

describe('ExportQueue retry', () => {
  it('retries retryable failures with exponential backoff and jitter, then delivers once', async () => {
    const clock = new FakeClock();
    const exporter = new MemoryExporter('flaky', clock);
    const times: number[] = [];
    exporter.failWith = (attempt) => {
      times.push(clock.monotonic());
      return attempt <= 3 ? new ExportError('503', { retryable: true }) : undefined;
    };
    const q = new ExportQueue(
      exporter,
      exportQueueConfigSchema.parse({
        maxBatchSize: 5,
        retry: { initialIntervalMs: 20, multiplier: 2, jitter: 0.2, maxIntervalMs: 1000 },
      }),
      // Jitter at its midpoint: the intervals are exactly 20, 40, 80.
      { clock, random: () => 0.5, diagnostics: recordingDiagnostics().diagnostics },
    );
    q.enqueue(records(5));
    await settle(clock, q.forceFlush(), { stepMs: 1 });
    expect(exporter.attempts).toBe(4);
    expect(exporter.records).toHaveLength(5);
    expect(q.stats()).toMatchObject({ failures: 3, exported: 5, sinkState: 'healthy' });
    expect(times.slice(1).map((t, i) => t - (times[i] as number))).toEqual([20, 40, 80]);
  });

  it('honours a server-requested retry delay instead of the backoff', async () => {
    const { q, exporter, clock } = setup({ retry: { initialIntervalMs: 1 } });
    exporter.failWith = (attempt) =>
      attempt === 1 ? new ExportError('429', { retryable: true, retryAfterMs: 120 }) : undefined;
    q.enqueue(records(2));
    const flushed = q.forceFlush();
    await clock.advanceAsync(119);
    expect(exporter.attempts).toBe(1);
    await clock.advanceAsync(1);
    await flushed;
    expect(exporter.attempts).toBe(2);
    expect(exporter.records).toHaveLength(2);
  });

  it('does not retry a non-retryable failure: drops and counts it, says so once', async () => {
    const { q, exporter, metrics, events } = setup({ maxBatchSize: 2 });
    exporter.failWith = () => new ExportError('400 bad request: line too long', { retryable: false });
    q.enqueue(records(4));
    await q.forceFlush();
    expect(exporter.attempts).toBe(2);
    expect(metrics.dropped.get('export_rejected:mem')).toBe(4);
    const rejected = events.filter((e) => e.code === 'export_rejected.mem');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.message).toContain('400 bad request');
  });

  it('counts only the rejected part of a batch the sink partly accepted', async () => {
    const { q, metrics } = setup({ maxBatchSize: 10 });
    (q.exporter as MemoryExporter).failWith = () =>
      new ExportError('400: 3 of 10 lines too long', {
        retryable: false,
        acceptedCount: 10,
        rejected: [2, 5, 9].map((index) => ({ index, reason: 'line too long' })),
      });
    q.enqueue(records(10));
    await q.forceFlush();
    expect(metrics.dropped.get('export_rejected:mem')).toBe(3);
    expect(metrics.exported.get('mem')).toBe(7);
  });

  it('resumes after what the sink accepted: the retry sends only the rest, as a new array', async () => {
    const { q, exporter, clock, balanced } = setup({ maxBatchSize: 10, retry: { initialIntervalMs: 100 } });
    const sent: number[][] = [];
    let first: readonly LogRecordLike[] | undefined;
    exporter.failWith = (attempt, batch) => {
      sent.push(ids(batch));
      if (attempt > 1) return undefined;
      first = batch;
      // Records 0, 1, 5 and 6 went through, 3 was refused for good; 2, 4, 7, 8, 9 were not taken.
      return new ExportError('503 after two pushes', {
        retryable: true,
        acceptedCount: 2,
        accepted: [5, 6],
        rejected: [{ index: 3, reason: 'bad timestamp' }],
      });
    };
    q.enqueue(records(10));
    await clock.advanceAsync(0);
    expect(q.stats()).toMatchObject({ exported: 4, dropped: { export_rejected: 1 }, queued: 5 });
    expect(balanced(10)).toBe(true);
    await settle(clock, q.forceFlush());
    expect(sent).toEqual([range(0, 10), [2, 4, 7, 8, 9]]);
    expect(exporter.attempts).toBe(2);
    expect(q.stats()).toMatchObject({ exported: 9, dropped: { export_rejected: 1 }, queued: 0 });
    expect(exporter.batches[0]).not.toBe(first);
    expect(balanced(10)).toBe(true);
  });

  it('reads a confused partial success safely: out-of-range, repeated or contradictory positions count once', async () => {
    const { q, exporter, clock, balanced } = setup({ maxBatchSize: 4 });
    exporter.failWith = (attempt) =>
      attempt === 1
        ? new ExportError('odd', {
            retryable: true,
            acceptedCount: 99,
            accepted: [-1, 2.5, 7],
            rejected: [
              { index: 1, reason: 'x' },
              { index: 1, reason: 'again' },
              { index: 40, reason: 'out of range' },
            ],
          })
        : undefined;
    q.enqueue(records(4));
    await settle(clock, q.forceFlush());
    // acceptedCount is clamped to the batch: everything but the rejected record 1 counts as exported.
    expect(exporter.attempts).toBe(1);
    expect(q.stats()).toMatchObject({ exported: 3, dropped: { export_rejected: 1 }, queued: 0 });
    expect(balanced(4)).toBe(true);
  });

  it('gives up after maxElapsedMs and counts export_failed', async () => {
    const { q, exporter, metrics, clock } = setup({ retry: { initialIntervalMs: 10, maxElapsedMs: 60 } });
    exporter.failWith = () => new Error('ECONNREFUSED');
    q.enqueue(records(3));
    await settle(clock, q.forceFlush(), { stepMs: 5 });
    expect(exporter.attempts).toBeGreaterThan(1);
    expect(metrics.dropped.get('export_failed:mem')).toBe(3);
    expect(clock.monotonic() - 1_000).toBeGreaterThanOrEqual(60);
  });

  it('aborts a send that exceeds timeoutMs and retries it', async () => {
    const { q, exporter, metrics, clock } = setup({ timeoutMs: 30, retry: { initialIntervalMs: 5 } });
    exporter.delayMs = 10_000;
    const signals: AbortSignal[] = [];
    const send = exporter.send.bind(exporter);
    exporter.send = (r, s) => {
      signals.push(s);
      if (exporter.attempts >= 1) exporter.delayMs = 0;
      return send(r, s);
    };
    q.enqueue(records(2));
    const flushed = q.forceFlush();
    await clock.advanceAsync(29);
    expect(signals[0]?.aborted).toBe(false);
    await clock.advanceAsync(1);
    expect(signals[0]?.aborted).toBe(true);
    await settle(clock, flushed, { stepMs: 1 });
    expect(exporter.attempts).toBe(2);
    expect(metrics.exportFailures.get('mem')).toBe(1);
    expect(exporter.records).toHaveLength(2);
  });

  it('a throttling sink (429) is throttled, not down: the batch waits in memory and goes when allowed', async () => {
    const { q, exporter, clock, events } = setup({ maxBatchSize: 5, retry: { initialIntervalMs: 50 } });
    exporter.failWith = (attempt) =>
      attempt <= 2 ? new ExportError('429', { retryable: true, throttled: true }) : undefined;
    q.enqueue(records(5));
    await clock.advanceAsync(0);
    expect(q.stats().sinkState).toBe('throttled');
    const flushed = q.forceFlush();
    await settle(clock, flushed);
    expect(q.stats()).toMatchObject({ sinkState: 'healthy', exported: 5, queued: 0 });
    expect(events.some((e) => e.code.startsWith('sink_down'))).toBe(false);
  });
});

describe('ExportQueue forceFlush', () => {
  it('resolves once what was queued before the call is exported, under continuous traffic', async () => {
    const { q, exporter, clock } = setup({ maxBatchSize: 50, maxBatchAgeMs: 20, maxQueueRecords: 100_000 });
    // Each send takes 30 ms, records arrive at 2,000/s: the queue is never empty.
    exporter.delayMs = 30;
    let next = 0;
    const feed = clock.setInterval(() => {
      q.enqueue(records(20, next));
      next += 20;
    }, 10);
    await clock.advanceAsync(1_000);
    const before = next;
    let flushedAt: number | undefined;
    const flushed = q.forceFlush().then(() => {
      flushedAt = exporter.records.length;
    });
    await advanceUntil(clock, () => flushedAt !== undefined, { stepMs: 5, limitMs: 60_000 });
    await flushed;
    // Every record handed over before the call was exported when it resolved, in order...
    expect(ids(exporter.records.slice(0, before))).toEqual(range(0, before));
    expect(flushedAt).toBeGreaterThanOrEqual(before);
    // ...while records kept arriving and the queue was never empty.
    expect(next).toBeGreaterThan(before);
    expect(q.queued).toBeGreaterThan(0);
    feed.cancel();
    await settle(clock, q.forceFlush());
    expect(ids(exporter.records)).toEqual(range(0, next));
  });

  it('counts records the sink refused as flushed: a flush never waits for what will not be sent', async () => {
    const { q, exporter } = setup({ maxBatchSize: 10 });
    exporter.failWith = () => new ExportError('400', { retryable: false });
    q.enqueue(records(25));
    await q.forceFlush();
    expect(q.stats()).toMatchObject({ queued: 0, dropped: { export_rejected: 25 } });
  });
});

describe('ExportQueue shutdown', () => {
  it('drains within the deadline', async () => {
    const { q, exporter, metrics, clock } = setup({ maxBatchSize: 10 });
    exporter.delayMs = 5;
    q.enqueue(records(50));
    await settle(clock, q.shutdown(5_000), { stepMs: 1 });
    expect(metrics.exported.get('mem')).toBe(50);
    expect(exporter.shutdownCalled).toBe(true);
  });

  it('counts what it could not send by the deadline as dropped (shutdown), exactly', async () => {
    const { q, exporter, metrics, events, clock } = setup({
      maxBatchSize: 10,
      retry: { initialIntervalMs: 10_000 },
    });
    exporter.failWith = () => new Error('down');
    q.enqueue(records(35));
    const closing = q.shutdown(100);
    await clock.advanceAsync(99);
    expect(exporter.shutdownCalled).toBe(false);
    await clock.advanceAsync(1);
    await closing;
    expect(metrics.dropped.get('shutdown:mem')).toBe(35);
    expect(q.queued).toBe(0);
    expect(events.some((e) => e.code === 'shutdown_incomplete')).toBe(true);
    q.enqueue(records(2));
    expect(metrics.dropped.get('shutdown:mem')).toBe(37);
    expect(q.shutdown(100)).toBe(closing);
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
  const segmentFiles = async (dir: string, id: string) =>
    (await readdir(path.join(dir, id))).filter((name) => name.startsWith('seg-')).sort();

  /** A queue with a spill; `down` makes every send fail retryably until set back. */
  async function spillSetup(dir: string, queue: Record<string, unknown> = {}, id = 'mem') {
    const clock = new FakeClock();
    const exporter = new MemoryExporter(id, clock);
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
    const q = new ExportQueue(exporter, config, { metrics, diagnostics, clock });
    await q.opened();
    /** received (+ recovered) = exported + dropped + queued, at any moment. */
    const balanced = (entered: number) => {
      const s = q.stats();
      const dropped = Object.values(s.dropped).reduce((a, b) => a + b, 0);
      return s.exported + dropped + s.queued === entered + s.spillRecovered;
    };
    return { q, exporter, sink, metrics, events, balanced, clock };
  }

  it('spills a batch that failed and what follows while the sink is down, then sends all once, in order, without a restart', async () => {
    const dir = await tempDir();
    const { q, exporter, sink, balanced, clock } = await spillSetup(dir);
    sink.down = true;
    q.enqueue(records(10));
    await advanceUntil(clock, () => q.stats().sinkState === 'unavailable', { stepMs: 0 });
    q.enqueue(records(45, 10));
    await q.forceFlush(); // resolves once memory is on disk, the sink still down
    expect(q.spilled).toBe(55);
    expect(balanced(55)).toBe(true);
    expect((await segmentFiles(dir, 'mem')).length).toBeGreaterThan(0);
    sink.down = false;
    await advanceUntil(clock, () => q.queued === 0);
    expect(ids(exporter.records)).toEqual(range(0, 55));
    expect(q.stats()).toMatchObject({ exported: 55, dropped: {}, sinkState: 'healthy' });
    expect(balanced(55)).toBe(true);
    await q.shutdown(1000);
    expect(await segmentFiles(dir, 'mem')).toEqual([]);
  });

  it('moves batches to disk when memory is full instead of dropping them', async () => {
    const dir = await tempDir();
    const { q, exporter, metrics, balanced, clock } = await spillSetup(dir, { maxQueueRecords: 30 });
    exporter.delayMs = 20;
    q.enqueue(records(100));
    expect(metrics.dropped.get('export_queue_full:mem')).toBeUndefined();
    expect(q.spilled).toBeGreaterThan(0);
    expect(balanced(100)).toBe(true);
    await settle(clock, q.forceFlush(), { stepMs: 5 });
    expect(ids(exporter.records)).toEqual(range(0, 100));
    expect(q.stats().dropped).toEqual({});
    expect(balanced(100)).toBe(true);
    await q.shutdown(1000);
  });

  it('a full spill drops the oldest segments and counts them', async () => {
    const dir = await tempDir();
    const { q, exporter, sink, metrics, balanced, clock } = await spillSetup(dir, {
      spill: { maxBytes: 8192 },
      retry: { initialIntervalMs: 300, maxIntervalMs: 300, jitter: 0 },
    });
    sink.down = true;
    q.enqueue(records(10));
    await advanceUntil(clock, () => q.stats().sinkState === 'unavailable', { stepMs: 0 });
    // Time stands still: no probe runs while the spill overflows.
    for (let i = 1; i < 30; i++) q.enqueue(records(10, i * 10));
    const dropped = metrics.dropped.get('spill_full:mem') ?? 0;
    expect(dropped).toBeGreaterThan(0);
    expect(q.stats().spillBytes).toBeLessThanOrEqual(8192);
    expect(balanced(300)).toBe(true);
    sink.down = false;
    await advanceUntil(clock, () => q.queued === 0);
    // What is missing is the oldest records, exactly as many as counted.
    expect(ids(exporter.records)).toEqual(range(dropped, 300));
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
    await settle(second.clock, second.q.forceFlush(), { stepMs: 0 });
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
    await settle(second.clock, second.q.forceFlush(), { stepMs: 0 });
    expect(ids(second.exporter.records)).toEqual(range(0, 10));
    expect(second.balanced(0)).toBe(true);
    await second.q.shutdown(1000);
  });

  it('at the shutdown deadline puts what is in memory on disk instead of dropping it', async () => {
    const dir = await tempDir();
    const { q, exporter, metrics, clock } = await spillSetup(dir);
    exporter.hold(); // a sink that hangs
    q.enqueue(records(35));
    const closing = q.shutdown(100);
    await clock.advanceAsync(100);
    await settle(clock, closing, { stepMs: 0 });
    expect(metrics.dropped.get('shutdown:mem')).toBeUndefined();
    expect(q.spilled).toBe(35);
    q.enqueue(records(1, 35));
    expect(metrics.dropped.get('shutdown:mem')).toBe(1);

    const next = await spillSetup(dir);
    await settle(next.clock, next.q.forceFlush(), { stepMs: 0 });
    expect(ids(next.exporter.records)).toEqual(range(0, 35));
    await next.q.shutdown(1000);
  });

  it('drops and deletes a spilled segment the sink rejects, and carries on with the next', async () => {
    const dir = await tempDir();
    const { q, exporter, sink, metrics, balanced, clock } = await spillSetup(dir);
    sink.down = true;
    q.enqueue(records(20));
    await q.forceFlush();
    let rejectedOnce = false;
    exporter.failWith = () => {
      if (rejectedOnce) return undefined;
      rejectedOnce = true;
      return new ExportError('400 bad request', { retryable: false });
    };
    await advanceUntil(clock, () => q.queued === 0);
    expect(metrics.dropped.get('export_rejected:mem')).toBe(10);
    expect(ids(exporter.records)).toEqual(range(10, 20));
    expect(balanced(20)).toBe(true);
    await q.shutdown(1000);
    expect(await segmentFiles(dir, 'mem')).toEqual([]);
  });

  it('resumes a partly accepted segment after the sink accepted its start, also after a restart', async () => {
    const dir = await tempDir();
    const first = await spillSetup(dir, {
      retry: { initialIntervalMs: 1_000, maxIntervalMs: 1_000, jitter: 0 },
    });
    first.sink.down = true;
    first.q.enqueue(records(10));
    await first.q.forceFlush();
    expect(first.q.spilled).toBe(10);
    // The probe: the sink takes records 0-3 and 6, refuses 4 for good, then fails.
    const seen: number[][] = [];
    first.exporter.failWith = (_, batch) => {
      seen.push(ids(batch));
      return new ExportError('503 after part of the batch', {
        retryable: true,
        acceptedCount: 4,
        accepted: [6],
        rejected: [{ index: 4, reason: 'too old' }],
      });
    };
    await advanceUntil(first.clock, () => seen.length === 1, { stepMs: 100 });
    await advanceUntil(first.clock, () => first.q.spilled === 4, { stepMs: 0 });
    expect(first.q.stats()).toMatchObject({ exported: 5, dropped: { export_rejected: 1 }, spilled: 4 });
    expect(first.balanced(10)).toBe(true);
    // Killed now: what is on disk is exactly the rest.
    await first.q.shutdown(10);
    const second = await spillSetup(dir);
    expect(second.q.stats().spillRecovered).toBe(4);
    await settle(second.clock, second.q.forceFlush(), { stepMs: 0 });
    expect(ids(second.exporter.records)).toEqual([5, 7, 8, 9]);
    expect(seen).toEqual([range(0, 10)]);
    await second.q.shutdown(1000);
  });

  it('retries a partly accepted segment in the same run with only what the sink did not take', async () => {
    const dir = await tempDir();
    const { q, exporter, sink, clock } = await spillSetup(dir);
    sink.down = true;
    q.enqueue(records(10));
    await q.forceFlush();
    const seen: number[][] = [];
    exporter.failWith = (_, batch) => {
      seen.push(ids(batch));
      if (seen.length === 1) return new ExportError('503 midway', { retryable: true, acceptedCount: 6 });
      return undefined;
    };
    await advanceUntil(clock, () => q.queued === 0);
    expect(seen).toEqual([range(0, 10), range(6, 10)]);
    expect(ids(exporter.records)).toEqual(range(6, 10));
    expect(q.stats()).toMatchObject({ exported: 10, dropped: {} });
    await q.shutdown(1000);
  });

  it('a throttling sink (429) never parks records on disk for the next start: the spill drains while running', async () => {
    const dir = await tempDir();
    const { q, exporter, events, balanced, clock } = await spillSetup(dir, {
      maxBatchSize: 100,
      maxQueueRecords: 1_000,
      retry: { initialIntervalMs: 100, maxIntervalMs: 1_000 },
    });
    // The sink takes one batch a second and answers 429, with the wait in Retry-After, to anything faster.
    let allowedAt = 0;
    exporter.failWith = () => {
      const now = clock.monotonic();
      if (now < allowedAt)
        return new ExportError('429 rate limited', {
          retryable: true,
          throttled: true,
          retryAfterMs: allowedAt - now,
        });
      allowedAt = now + 1_000;
      return undefined;
    };
    q.enqueue(records(10_000));
    expect(balanced(10_000)).toBe(true);
    // Memory holds 1,000; the rest overflowed to disk, as a full memory queue does.
    expect(q.spilled).toBeGreaterThan(8_000);
    await advanceUntil(clock, () => q.stats().sinkState === 'throttled', { stepMs: 10 });
    // 100 batches at one a second: drained within the run, in a little over 100 s.
    await advanceUntil(clock, () => q.queued === 0, { stepMs: 100, limitMs: 200_000 });
    expect(ids(exporter.records)).toEqual(range(0, 10_000));
    expect(q.stats()).toMatchObject({ exported: 10_000, dropped: {}, spilled: 0 });
    expect(events.some((e) => e.code.startsWith('sink_down'))).toBe(false);
    await q.shutdown(1000);
    expect(await segmentFiles(dir, 'mem')).toEqual([]);
  });

  it('does not use a spill directory another live process holds, and says so', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'mem'), { recursive: true });
    // The parent of this test worker is alive for the whole test.
    await writeFile(path.join(dir, 'mem', 'spill.lock'), `${process.ppid}\n`);
    const { q, events, metrics, exporter, clock } = await spillSetup(dir, { maxQueueRecords: 10 });
    expect(events.find((e) => e.code === 'spill_unavailable')?.message).toContain(String(process.ppid));
    exporter.hold();
    q.enqueue(records(30));
    expect(metrics.dropped.get('export_queue_full:mem')).toBe(20);
    await settle(clock, q.shutdown(0), { stepMs: 0 });
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
      const clock = new FakeClock();
      const exporter = new MemoryExporter('m', clock);
      exporter.failWith = () => new ExportError('down', { retryable: true });
      const q = new ExportQueue(
        exporter,
        exportQueueConfigSchema.parse({
          maxBatchSize: 10,
          maxBatchAgeMs: 5,
          spill: { enabled: true, directory: dir },
        }),
        { metrics, diagnostics: recordingDiagnostics().diagnostics, clock },
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
    await second.q.shutdown(0);
  });

  it('keeps exporters apart: one folder per exporter id, a "/" never becomes a path level', async () => {
    const dir = await tempDir();
    const { q, sink } = await spillSetup(dir, {}, 'loki/eu');
    sink.down = true;
    q.enqueue(records(3));
    await q.forceFlush();
    expect((await segmentFiles(dir, 'loki%2Feu')).length).toBe(1);
    await q.shutdown(0);
    await turn();
  });
});
