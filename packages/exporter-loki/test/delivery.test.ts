import { DiagnosticsChannel, ExportQueue, exportQueueConfigSchema, type LogRecordLike } from '@predlog/core';
import {
  advanceUntil,
  predictionLogRecord,
  settle,
  type TempDir,
  type TestServices,
  tempDir,
  testServices,
} from '@predlog/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LokiExporter, lokiExporterConfigSchema } from '../src/index.ts';
import { type LokiReceiver, startLokiReceiver } from './support/loki-receiver.ts';

/**
 * The Loki exporter behind core's export queue with a disk spill, against a receiver that decodes
 * the real wire format (protobuf + snappy): what Loki stores must be every record exactly once,
 * whatever fails in the middle of a batch of many requests.
 */

let receiver: LokiReceiver;
let dir: TempDir;
const closing: Array<() => Promise<unknown>> = [];
/** Per request (by arrival): did the receiver store it (2xx)? */
let answered: boolean[];
let down = false;

beforeEach(async () => {
  receiver = await startLokiReceiver();
  dir = await tempDir('predlog-loki-delivery-');
  answered = [];
  down = false;
  receiver.reply = (_, index) => {
    answered[index] = !down;
    return down ? { status: 503, body: 'ingester unavailable' } : { status: 204 };
  };
});

afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
  await receiver.close();
  await dir.remove();
});

/** Socket I/O between fake-time steps: a real millisecond per step for a local request. */
const withSockets = { stepMs: 20, ioPollsPerStep: 1, limitMs: 600_000 };

function deliveryTo(env: TestServices) {
  const loki = new LokiExporter(
    lokiExporterConfigSchema.parse({
      endpoint: receiver.url,
      maxRequestBytes: 65_536,
      maxLineBytes: 16_384,
      compressInWorker: false,
    }),
    env.services,
  );
  const queue = new ExportQueue(
    loki,
    exportQueueConfigSchema.parse({
      maxBatchSize: 1_000,
      maxBatchAgeMs: 100,
      maxQueueRecords: 100_000,
      retry: { initialIntervalMs: 200, maxIntervalMs: 2_000 },
      spill: { enabled: true, directory: `${dir.path}/spill` },
    }),
    { clock: env.clock, diagnostics: new DiagnosticsChannel(() => undefined) },
  );
  closing.push(() => settle(env.clock, queue.shutdown(1_000), withSockets));
  return { loki, queue };
}

/** `n` predictions, about 1 KB each (some 17 to a request of 64 KiB), one a millisecond. */
function predictions(n: number, from: number, startMs: number): LogRecordLike[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return predictionLogRecord({
      request_id: `req-${String(i).padStart(5, '0')}`,
      prediction_id: `pred-${i}`,
      timestamp: new Date(startMs + i).toISOString(),
      raw_input: { note: 'x'.repeat(900) },
    });
  });
}

/** Request ids Loki stored: the entries of every request answered 2xx, in arrival order. */
function stored(): string[] {
  return receiver.requests.flatMap((request, index) =>
    answered[index] === true
      ? request.push.streams.flatMap((s) => s.entries.map((e) => e.metadata.request_id as string))
      : [],
  );
}

const expectedIds = (n: number) => Array.from({ length: n }, (_, i) => `req-${String(i).padStart(5, '0')}`);
const duplicates = (ids: readonly string[]) => ids.filter((id, i) => ids.indexOf(id) !== i);

describe('Loki exporter behind the export queue with a disk spill', () => {
  it('an outage in the middle of a multi-request batch: what Loki took is not sent again, nothing is lost', async () => {
    const env = testServices({ id: 'loki', baseDir: dir.path });
    const { queue } = deliveryTo(env);
    await queue.opened();
    const start = env.clock.now();
    // The outage begins with the sixth push, in the middle of the first batch of 1,000.
    receiver.reply = (_, index) => {
      if (index === 5) down = true;
      answered[index] = !down;
      return down ? { status: 503, body: 'ingester unavailable' } : { status: 204 };
    };
    queue.enqueue(predictions(1_000, 0, start));
    await advanceUntil(env.clock, () => queue.stats().sinkState === 'unavailable', withSockets);
    // What Loki did not take went to disk; what it took is counted exported, not queued.
    const afterFailure = queue.stats();
    expect(afterFailure.exported).toBe(stored().length);
    expect(afterFailure.spilled).toBe(1_000 - stored().length);
    // 20 s of outage at 100 records/s, probes failing all along.
    for (let second = 0; second < 20; second++) {
      queue.enqueue(predictions(100, 1_000 + second * 100, start));
      const until = env.clock.monotonic() + 1_000;
      await advanceUntil(env.clock, () => env.clock.monotonic() >= until, withSockets);
    }
    expect(queue.stats().failures).toBeGreaterThan(3);
    down = false;
    await advanceUntil(env.clock, () => queue.queued === 0, withSockets);
    const ids = stored();
    expect(duplicates(ids)).toEqual([]);
    expect(ids).toEqual(expectedIds(3_000));
    expect(queue.stats()).toMatchObject({ exported: 3_000, dropped: {}, spilled: 0, sinkState: 'healthy' });
  });

  it('the same outage across a restart: the resumed spill holds only what Loki did not take', async () => {
    const first = testServices({ id: 'loki', baseDir: dir.path });
    const before = deliveryTo(first);
    await before.queue.opened();
    const start = first.clock.now();
    receiver.reply = (_, index) => {
      if (index === 7) down = true;
      answered[index] = !down;
      return down ? { status: 503, body: 'ingester unavailable' } : { status: 204 };
    };
    before.queue.enqueue(predictions(2_000, 0, start));
    await advanceUntil(first.clock, () => before.queue.stats().sinkState === 'unavailable', withSockets);
    await before.queue.forceFlush();
    const taken = stored().length;
    expect(taken).toBeGreaterThan(0);
    expect(before.queue.spilled).toBe(2_000 - taken);
    // The process stops while Loki is still down; the next one starts on the same spill.
    await settle(first.clock, before.queue.shutdown(1_000), withSockets);
    closing.length = 0;

    down = false;
    const second = testServices({ id: 'loki', baseDir: dir.path });
    const after = deliveryTo(second);
    await after.queue.opened();
    expect(after.queue.stats().spillRecovered).toBe(2_000 - taken);
    await advanceUntil(second.clock, () => after.queue.queued === 0, withSockets);
    const ids = stored();
    expect(duplicates(ids)).toEqual([]);
    expect(ids).toEqual(expectedIds(2_000));
  });

  it('Loki throttling (429 with Retry-After) slows delivery and parks nothing on disk', async () => {
    const env = testServices({ id: 'loki', baseDir: dir.path });
    const { queue } = deliveryTo(env);
    await queue.opened();
    const start = env.clock.now();
    // Every other push is refused with a rate limit, as Loki's distributor does (nothing of it stored).
    receiver.reply = (_, index) => {
      const limited = index % 2 === 1;
      answered[index] = !limited;
      return limited
        ? {
            status: 429,
            headers: { 'Retry-After': '1' },
            body: 'Ingestion rate limit exceeded for user fake',
          }
        : { status: 204 };
    };
    queue.enqueue(predictions(3_000, 0, start));
    await advanceUntil(env.clock, () => queue.stats().sinkState === 'throttled', withSockets);
    expect(queue.spilled).toBe(0);
    await advanceUntil(env.clock, () => queue.queued === 0, withSockets);
    expect(stored()).toEqual(expectedIds(3_000));
    expect(queue.stats()).toMatchObject({ exported: 3_000, dropped: {}, spilled: 0 });
  });
});
