import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createNoopMeter } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { afterEach, describe, expect, it } from 'vitest';
import { exportQueueConfigSchema } from '../src/config.ts';
import { ExportQueue } from '../src/export-queue.ts';
import { PredlogLogRecord } from '../src/log-record.ts';
import { createPredictionLogger } from '../src/prediction-logger.ts';
import { SelfMetrics } from '../src/self-metrics.ts';
import { JsonLinesExporter, jsonLinesExporterFactory, TestSink } from './http-sink.ts';
import { advanceUntil, eventually, FakeClock, recordingDiagnostics, settle } from './support.ts';

const resource = resourceFromAttributes({ 'service.name': 't' });
const records = (n: number, from = 0) =>
  Array.from(
    { length: n },
    (_, i) =>
      new PredlogLogRecord({
        hrTime: [1_700_000_000 + from + i, 0],
        resource,
        instrumentationScope: { name: 'test' },
        attributes: { 'ml.prediction.id': `p-${String(from + i).padStart(4, '0')}` },
        eventName: 'ml.prediction',
        jsonSafe: true,
      }),
  );
/** Socket I/O between fake-time steps: a real millisecond per step for local requests to complete. */
const withSockets = { stepMs: 10, ioPollsPerStep: 1 };

describe('ExportQueue against an HTTP sink', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function setup(spill: boolean, queue: Record<string, unknown> = {}) {
    const sink = await TestSink.start();
    cleanup.push(() => sink.close());
    let directory: string | undefined;
    if (spill) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'predlog-sink-'));
      cleanup.push(() => rm(dir, { recursive: true, force: true }));
      directory = dir;
    }
    const clock = new FakeClock();
    const { diagnostics, events } = recordingDiagnostics();
    const q = new ExportQueue(
      new JsonLinesExporter('sink', sink.url),
      exportQueueConfigSchema.parse({
        maxBatchSize: 10,
        maxBatchAgeMs: 5,
        retry: { initialIntervalMs: 50, maxIntervalMs: 100, jitter: 0 },
        ...queue,
        ...(directory === undefined ? {} : { spill: { enabled: true, directory } }),
      }),
      { metrics: new SelfMetrics(createNoopMeter()), diagnostics, clock },
    );
    await q.opened();
    cleanup.push(() => settle(clock, q.shutdown(1000), withSockets));
    return { sink, q, events, directory, clock };
  }

  for (const spill of [false, true]) {
    const label = spill ? 'with a spill' : 'in memory';

    it(`honours 429 Retry-After before trying again, and keeps the batch where it is (${label})`, async () => {
      const { sink, q, clock } = await setup(spill);
      sink.mode = 'throttle';
      sink.retryAfterSeconds = 1;
      q.enqueue(records(10));
      await eventually(() => q.stats().sinkState === 'throttled');
      // Throttled is not down: nothing is parked on disk.
      expect(q.stats()).toMatchObject({ queued: 10, spilled: 0 });
      sink.mode = 'up';
      // The backoff alone would retry after 50 ms; the server asked for 1 s. Only fake time can
      // start the retry, so nothing is in flight while it stands at 999 ms.
      await clock.advanceAsync(999);
      expect(sink.requests).toBe(1);
      await advanceUntil(clock, () => q.queued === 0, withSockets);
      expect(sink.requests).toBe(2);
      expect(sink.arrivals).toHaveLength(10);
      expect(q.stats()).toMatchObject({ failures: 1, sinkState: 'healthy' });
    });

    it(`slows down on a 429 without Retry-After, never spills for it, delivers everything (${label})`, async () => {
      const { sink, q, clock, directory } = await setup(spill, { maxQueueRecords: 100 });
      sink.mode = 'throttle';
      sink.retryAfterSeconds = undefined;
      q.enqueue(records(50));
      await eventually(() => q.stats().failures >= 1);
      expect(q.stats()).toMatchObject({ sinkState: 'throttled', spilled: 0 });
      await advanceUntil(clock, () => q.stats().failures >= 3, withSockets);
      expect(q.stats().spilled).toBe(0);
      sink.mode = 'up';
      await advanceUntil(clock, () => q.queued === 0, withSockets);
      expect(sink.duplicates()).toEqual([]);
      expect(sink.arrivals).toEqual(records(50).map((r) => r.attributes['ml.prediction.id']));
      if (directory !== undefined)
        expect((await readdir(path.join(directory, 'sink'))).filter((f) => f.startsWith('seg-'))).toEqual([]);
    });

    it(`does not retry a 400: counts it and reports the server's message once (${label})`, async () => {
      const { sink, q, events, directory } = await setup(spill);
      sink.mode = 'reject';
      sink.rejectMessage = 'entry too far behind';
      q.enqueue(records(25));
      await q.forceFlush();
      expect(sink.requests).toBe(3);
      const stats = q.stats();
      expect(stats.dropped).toEqual({ export_rejected: 25 });
      expect(stats.spilled).toBe(0);
      const rejected = events.filter((e) => e.code === 'export_rejected.sink');
      expect(rejected).toHaveLength(1);
      expect(rejected[0]?.message).toContain('HTTP 400: entry too far behind');
      if (directory !== undefined) {
        expect((await readdir(path.join(directory, 'sink'))).filter((f) => f.startsWith('seg-'))).toEqual([]);
      }
    });

    it(`retries malformed answers (not an acknowledgement, a cut connection, a 503) and delivers once (${label})`, async () => {
      const { sink, q, clock } = await setup(spill);
      const modes = ['garbage', 'reset', 'unavailable'] as const;
      sink.mode = modes[0];
      q.enqueue(records(30));
      for (const mode of modes) {
        sink.mode = mode;
        const seen = sink.requests;
        await advanceUntil(clock, () => sink.requests > seen, withSockets);
      }
      sink.mode = 'up';
      await advanceUntil(clock, () => q.queued === 0, withSockets);
      expect(sink.duplicates()).toEqual([]);
      expect(sink.arrivals).toEqual(records(30).map((r) => r.attributes['ml.prediction.id']));
      const stats = q.stats();
      expect(stats.failures).toBeGreaterThanOrEqual(3);
      expect(stats.dropped).toEqual({});
      expect(stats.exported).toBe(30);
    });
  }

  it('a sink that does not answer never holds up record(): records wait in the queue, then arrive once', async () => {
    const sink = await TestSink.start();
    cleanup.push(() => sink.close());
    const clock = new FakeClock();
    const logger = await createPredictionLogger({
      config: {
        exporters: {
          jsonlines: {
            endpoint: sink.url,
            queue: { maxBatchSize: 200, maxBatchAgeMs: 20, maxQueueRecords: 10_000 },
          },
        },
        pipelines: { predictions: { exporters: ['jsonlines'] } },
      },
      components: [jsonLinesExporterFactory],
      model: { name: 'fraud', version: '1' },
      diagnostics: recordingDiagnostics().diagnostics,
      clock,
    });
    cleanup.push(() => settle(clock, logger.shutdown(), withSockets));
    sink.mode = 'hold';
    const features = { amount: 12.5, country: 'NL', card_present: true, age_days: 400 };
    for (let n = 0; n < 5_000; n++) {
      const id = logger.record({ requestId: `r-${n}`, features, prediction: 'legit', score: 0.1 });
      // Never a promise: record() returns at once, whatever the sink is doing.
      expect(typeof id).toBe('string');
      if (n % 500 === 499) await clock.advanceAsync(20);
    }
    await advanceUntil(clock, () => logger.stats().queueDepth === 0, withSockets);
    // One request is open the whole time; everything else waits in the export queue, nothing dropped.
    expect(sink.requests).toBe(1);
    expect(sink.holding).toBe(1);
    expect(logger.stats()).toMatchObject({ dropped: {}, exportQueueDepth: { jsonlines: 5_000 } });
    sink.mode = 'up';
    sink.release();
    await settle(clock, logger.forceFlush(), withSockets);
    expect(sink.duplicates()).toEqual([]);
    expect(sink.counts.size).toBe(5_000);
    expect(logger.stats().exported.jsonlines).toBe(5_000);
  });
});
