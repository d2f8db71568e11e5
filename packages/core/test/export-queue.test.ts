import { createNoopMeter } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { exportQueueConfigSchema } from '../src/config.ts';
import { ExportError, systemClock } from '../src/contracts.ts';
import { ExportQueue } from '../src/export-queue.ts';
import { PredlogLogRecord } from '../src/log-record.ts';
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
