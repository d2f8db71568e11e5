import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createNoopMeter } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { afterEach, describe, expect, it } from 'vitest';
import { exportQueueConfigSchema } from '../src/config.ts';
import { ExportQueue } from '../src/export-queue.ts';
import { PredlogLogRecord } from '../src/log-record.ts';
import { createPredictionLogger, type PredictionLogger } from '../src/prediction-logger.ts';
import { SelfMetrics } from '../src/self-metrics.ts';
import { JsonLinesExporter, jsonLinesExporterFactory, TestSink } from './http-sink.ts';
import { recordingDiagnostics } from './support.ts';

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
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
    const { diagnostics, events } = recordingDiagnostics();
    const q = new ExportQueue(
      new JsonLinesExporter('sink', sink.url),
      exportQueueConfigSchema.parse({
        maxBatchSize: 10,
        maxBatchAgeMs: 5,
        retry: { initialIntervalMs: 50, maxIntervalMs: 100 },
        ...queue,
        ...(directory === undefined ? {} : { spill: { enabled: true, directory } }),
      }),
      { metrics: new SelfMetrics(createNoopMeter()), diagnostics },
    );
    await q.opened();
    cleanup.push(() => q.shutdown(1000));
    return { sink, q, events, directory };
  }

  for (const spill of [false, true]) {
    const label = spill ? 'with a spill' : 'in memory';

    it(`honours 429 Retry-After before trying again (${label})`, async () => {
      const { sink, q } = await setup(spill);
      sink.mode = 'throttle';
      sink.retryAfterSeconds = 1;
      q.enqueue(records(10));
      while (sink.requestTimes.length === 0) await sleep(5);
      sink.mode = 'up';
      while (q.queued > 0) await sleep(10);
      const [throttled, retried] = sink.requestTimes;
      // The backoff alone would retry after 50 ms; only the server's 1 s explains the gap.
      expect((retried as number) - (throttled as number)).toBeGreaterThanOrEqual(950);
      expect(sink.requestTimes).toHaveLength(2);
      expect(sink.arrivals).toHaveLength(10);
      expect(q.stats().failures).toBe(1);
    });

    it(`does not retry a 400: counts it and reports the server's message once (${label})`, async () => {
      const { sink, q, events, directory } = await setup(spill);
      sink.mode = 'reject';
      sink.rejectMessage = 'entry too far behind';
      q.enqueue(records(25));
      await q.forceFlush();
      expect(sink.requestTimes).toHaveLength(3);
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
      const { sink, q } = await setup(spill);
      const modes = ['garbage', 'reset', 'unavailable'] as const;
      sink.mode = modes[0];
      q.enqueue(records(30));
      for (const mode of modes) {
        sink.mode = mode;
        const seen = sink.requestTimes.length;
        while (sink.requestTimes.length === seen) await sleep(5);
      }
      sink.mode = 'up';
      while (q.queued > 0) await sleep(10);
      expect(sink.duplicates()).toEqual([]);
      expect(sink.arrivals).toEqual(records(30).map((r) => r.attributes['ml.prediction.id']));
      const stats = q.stats();
      expect(stats.failures).toBeGreaterThanOrEqual(3);
      expect(stats.dropped).toEqual({});
      expect(stats.exported).toBe(30);
    });
  }

  it('a slow sink (5 s per request) leaves record() latency as it is with a fast one', async () => {
    const fastSink = await TestSink.start();
    const slowSink = await TestSink.start();
    cleanup.push(
      () => fastSink.close(),
      () => slowSink.close(),
    );
    const loggerFor = async (sink: TestSink) => {
      const logger = await createPredictionLogger({
        config: {
          exporters: { jsonlines: { endpoint: sink.url, queue: { maxBatchSize: 200, maxBatchAgeMs: 20 } } },
          pipelines: { predictions: { exporters: ['jsonlines'] } },
        },
        components: [jsonLinesExporterFactory],
        model: { name: 'fraud', version: '1' },
        diagnostics: recordingDiagnostics().diagnostics,
      });
      cleanup.push(() => logger.shutdown());
      return logger;
    };
    const fast = await loggerFor(fastSink);
    const slow = await loggerFor(slowSink);
    const features = { amount: 12.5, country: 'NL', card_present: true, age_days: 400 };
    let n = 0;
    /** Time of a block of 200 record() calls. */
    const block = (logger: PredictionLogger): number => {
      const started = performance.now();
      for (let i = 0; i < 200; i++) {
        const id = logger.record({ requestId: `r-${n++}`, features, prediction: 'legit', score: 0.1 });
        // Never a promise: record() does not wait for anything.
        if (typeof id !== 'string') throw new Error('record() did not return an id');
      }
      return performance.now() - started;
    };
    // Warm-up (JIT, first connections), both sinks fast.
    for (let round = 0; round < 10; round++) {
      block(fast);
      block(slow);
      await sleep(10);
    }
    await slow.forceFlush();
    slowSink.mode = 'slow';
    slowSink.slowMs = 5000;
    const slowRequestsBefore = slowSink.requestTimes.length;
    // Interleaved, alternating which goes first, so both see the same GC and CPU conditions.
    const fastBlocks: number[] = [];
    const slowBlocks: number[] = [];
    for (let round = 0; round < 60; round++) {
      if (round % 2 === 0) {
        fastBlocks.push(block(fast));
        slowBlocks.push(block(slow));
      } else {
        slowBlocks.push(block(slow));
        fastBlocks.push(block(fast));
      }
      await sleep(20);
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] as number;
    // The slow sink really was slow while we measured: one request stayed open the whole time...
    expect(slowSink.requestTimes.length - slowRequestsBefore).toBe(1);
    // ...while the fast one took batch after batch.
    expect(fast.stats().exported.jsonlines).toBeGreaterThan(5_000);
    expect(median(slowBlocks)).toBeLessThan(2 * median(fastBlocks));
    slowSink.mode = 'up';
    await slow.forceFlush();
    await fast.forceFlush();
    expect(slowSink.duplicates()).toEqual([]);
    expect(fastSink.duplicates()).toEqual([]);
    expect(slowSink.counts.size + fastSink.counts.size).toBe(n);
  }, 30_000);
});
