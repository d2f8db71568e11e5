import { context, trace } from '@opentelemetry/api';
import {
  feedbackFromLogParts,
  feedbackRecordSchema,
  predictionFromLogParts,
  predictionRecordSchema,
  toStoredRecord,
} from '@predlog/schema';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PredictionView, Processor, SamplingDecision } from '../src/contracts.ts';
import type { LogRecordLike } from '../src/log-record.ts';
import { toLogRecordParts } from '../src/log-record.ts';
import { BaseProcessor } from '../src/otel-adapters.ts';
import { PredictionLogger } from '../src/prediction-logger.ts';
import { demoFeatures, MemoryExporter, recordingDiagnostics } from './support.ts';

function setup(options: { logger?: Record<string, unknown>; processors?: Processor[] } = {}) {
  const exporter = new MemoryExporter('memory');
  const { diagnostics, events } = recordingDiagnostics();
  const logger = new PredictionLogger({
    pipelines: [
      { processors: options.processors ?? [], exporters: [{ exporter, queue: { maxBatchAgeMs: 5 } }] },
    ],
    model: { name: 'fraud', version: '1.2.0', framework: 'logreg' },
    resource: { 'service.name': 'fraud-service', 'host.name': 'node-7' },
    logger: options.logger,
    diagnostics,
  });
  return { exporter, logger, events };
}

const stored = (record: LogRecordLike) =>
  toStoredRecord(toLogRecordParts(record), record.resource.attributes);

describe('PredictionLogger.record', () => {
  it('fills prediction_id, timestamp, serving_node and schema version, and the record passes the schema', async () => {
    const { exporter, logger } = setup();
    const before = Date.now();
    const id = logger.record({
      requestId: 'req-1',
      features: demoFeatures(),
      rawInput: { email: 'a@example.com', amount: 12.5 },
      prediction: 'legit',
      score: 0.12,
      threshold: 0.5,
      latencyMs: 3.4,
    });
    await logger.forceFlush();
    expect(exporter.records).toHaveLength(1);
    const record = exporter.records[0] as LogRecordLike;
    expect(record.eventName).toBe('ml.prediction');
    const prediction = predictionFromLogParts(toLogRecordParts(record));
    const parsed = predictionRecordSchema.parse(prediction);
    expect(parsed.prediction_id).toBe(id);
    expect(parsed.prediction_id).toMatch(/^[0-9a-f]{16}-[0-9a-z]+$/);
    expect(parsed.serving_node).toBe('node-7');
    expect(parsed.schema_version).toBe(1);
    expect(Date.parse(parsed.timestamp)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(parsed.model_name).toBe('fraud');
    expect(parsed.model_version).toBe('1.2.0');
    expect(parsed.model_framework).toBe('logreg');
    expect(parsed.latency_ms).toBe(3.4);
    expect(parsed.null_feature_count).toBe(0);
    expect(record.resource.attributes['service.name']).toBe('fraud-service');
    await logger.shutdown();
  });

  it('prediction ids are unique within a logger and across loggers', async () => {
    const a = setup();
    const b = setup();
    const ids = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      ids.add(a.logger.record({ requestId: `r${i}`, prediction: 1, latencyMs: 1 }) as string);
      ids.add(b.logger.record({ requestId: `r${i}`, prediction: 1, latencyMs: 1 }) as string);
    }
    expect(ids.size).toBe(10_000);
    expect(a.logger.record({ requestId: 'r', predictionId: 'mine', prediction: 1, latencyMs: 1 })).toBe(
      'mine',
    );
    await a.logger.shutdown();
    await b.logger.shutdown();
  });

  it('keeps what the caller passed even when the caller mutates its objects afterwards', async () => {
    const { exporter, logger } = setup();
    const features: Record<string, unknown> = { amount: 10, country: 'DE' };
    const rawInput = { user: { email: 'x@example.com', tags: ['a', 'b'] }, amount: 10 };
    const explanation = [{ feature: 'amount', contribution: 0.4 }];
    logger.record({ requestId: 'r', features, rawInput, prediction: ['a', 'b'], latencyMs: 1, explanation });
    features.amount = 999;
    features.extra = 1;
    rawInput.user.email = 'changed@example.com';
    rawInput.user.tags.push('c');
    explanation[0] = { feature: 'changed', contribution: 0 };
    await logger.forceFlush();
    const row = stored(exporter.records[0] as LogRecordLike);
    expect(row.input_features).toEqual({ amount: 10, country: 'DE' });
    expect(row.raw_input).toEqual({ user: { email: 'x@example.com', tags: ['a', 'b'] }, amount: 10 });
    expect(row.explanation).toEqual([{ feature: 'amount', contribution: 0.4 }]);
    await logger.shutdown();
  });

  it('links the active OTel span when the caller gives no trace ids', async () => {
    const { exporter, logger } = setup();
    const spanContext = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
    };
    const ctx = trace.setSpan(context.active(), trace.wrapSpanContext(spanContext));
    // Without a registered context manager `with` cannot propagate, so the explicit ids path is also checked.
    context.with(ctx, () => logger.record({ requestId: 'r', prediction: 1, latencyMs: 1 }));
    logger.record({
      requestId: 'r2',
      prediction: 1,
      latencyMs: 1,
      traceId: spanContext.traceId,
      spanId: spanContext.spanId,
    });
    await logger.forceFlush();
    const explicit = stored(exporter.records[1] as LogRecordLike);
    expect(explicit.trace_id).toBe(spanContext.traceId);
    expect(explicit.span_id).toBe(spanContext.spanId);
    await logger.shutdown();
  });

  it('times a prediction with startTimer()', async () => {
    const { exporter, logger } = setup();
    const timer = logger.startTimer();
    const until = performance.now() + 15;
    while (performance.now() < until) {
      // busy wait: a fake clock cannot move performance.now() for the timer
    }
    timer.record({ requestId: 'r', prediction: 'x' });
    await logger.forceFlush();
    const latency = (exporter.records[0] as LogRecordLike).attributes['ml.inference.duration_ms'] as number;
    expect(latency).toBeGreaterThanOrEqual(15);
    expect(latency).toBeLessThan(5000);
    await logger.shutdown();
  });

  it('records errors with status and type', async () => {
    const { exporter, logger } = setup();
    logger.record({
      requestId: 'r',
      prediction: null,
      latencyMs: 2,
      error: new TypeError('bad tensor shape'),
    });
    logger.record({ requestId: 'r2', prediction: null, latencyMs: 2, error: 'timeout' });
    await logger.forceFlush();
    const [first, second] = exporter.records.map(stored);
    expect(first).toMatchObject({
      status: 'error',
      error_type: 'TypeError',
      error_message: 'bad tensor shape',
    });
    expect(second).toMatchObject({ status: 'error', error_type: 'timeout' });
    await logger.shutdown();
  });

  it('logs feedback as ml.feedback and drops feedback without a join key, counted', async () => {
    const { exporter, logger, events } = setup();
    logger.feedback({ requestId: 'req-1', label: 'fraud', source: 'chargeback' });
    logger.feedback({ label: 'fraud', source: 'chargeback' });
    await logger.forceFlush();
    expect(exporter.records).toHaveLength(1);
    const feedback = feedbackRecordSchema.parse(
      feedbackFromLogParts(toLogRecordParts(exporter.records[0] as LogRecordLike)),
    );
    expect(feedback).toMatchObject({
      request_id: 'req-1',
      label: 'fraud',
      source: 'chargeback',
      model_name: 'fraud',
    });
    expect(logger.stats().dropped.invalid).toBe(1);
    expect(events.some((e) => e.code === 'invalid_feedback.no_key')).toBe(true);
    await logger.shutdown();
  });
});

describe('observers and annotations', () => {
  it('observers see every prediction before sampling, with the model resolved; a throwing one is contained', async () => {
    const exporter = new MemoryExporter('memory');
    const { diagnostics, events } = recordingDiagnostics();
    const seen: Array<{ requestId?: string; modelName?: string; score?: number; isError?: boolean }> = [];
    const logger = new PredictionLogger({
      pipelines: [{ exporters: [exporter] }],
      model: { name: 'fraud', version: '1' },
      sampler: { decide: () => ({ keep: false, weight: 0, reason: 'rate' }) },
      observers: [
        {
          observePrediction: (v) =>
            seen.push({ requestId: v.requestId, modelName: v.modelName, score: v.score, isError: v.isError }),
        },
        {
          observePrediction: () => {
            throw new Error('observer bug');
          },
        },
      ],
      diagnostics,
    });
    logger.record({ requestId: 'a', prediction: 1, score: 0.3, latencyMs: 1 });
    logger.record({ requestId: 'b', model: 'other', prediction: 1, latencyMs: 1, error: 'timeout' });
    await logger.forceFlush();
    expect(seen).toEqual([
      { requestId: 'a', modelName: 'fraud', score: 0.3, isError: false },
      { requestId: 'b', modelName: 'other', score: undefined, isError: true },
    ]);
    expect(logger.stats().sampledOut).toBe(2);
    expect(events.filter((e) => e.code === 'observer_failed')).toHaveLength(1);
    await logger.shutdown();
  });

  it('records the model role and batch id', async () => {
    const { exporter, logger } = setup();
    logger.record({ requestId: 'r', prediction: 1, latencyMs: 1, role: 'challenger', batchId: 'batch-7' });
    await logger.forceFlush();
    const parsed = predictionRecordSchema.parse(
      predictionFromLogParts(toLogRecordParts(exporter.records[0] as LogRecordLike)),
    );
    expect(parsed).toMatchObject({ model_role: 'challenger', batch_id: 'batch-7' });
    await logger.shutdown();
  });
});

describe('bad input never reaches the caller as an exception', () => {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  let deep: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < 50; i++) deep = { next: deep };
  const throwing = {
    get boom(): never {
      throw new Error('getter');
    },
  };

  it.each([
    [
      'NaN and Infinity',
      { x: Number.NaN, y: Number.POSITIVE_INFINITY, z: Number.NEGATIVE_INFINITY },
      { x: 'NaN', y: 'Infinity', z: '-Infinity' },
    ],
    ['BigInt', { big: 12345678901234567890n }, { big: '12345678901234567890' }],
    ['functions and symbols', { f: () => 1, s: Symbol('s'), keep: 1 }, { keep: 1 }],
    ['cycles', cyclic, { a: 1, self: '[Circular]' }],
    ['Buffers', { bytes: Buffer.from('hello') }, { bytes: '[binary 5 bytes]' }],
    ['Float32Array tensors', { t: new Float32Array([1, 2.5]) }, { t: [1, 2.5] }],
    [
      'Dates',
      { when: new Date('2026-01-02T03:04:05.006Z'), bad: new Date(Number.NaN) },
      { when: '2026-01-02T03:04:05.006Z', bad: null },
    ],
    ['Maps and Sets', { m: new Map([['k', 1]]), s: new Set([1, 2]) }, { m: { k: 1 }, s: [1, 2] }],
    ['throwing getters', throwing, '[unreadable]'],
    ['undefined inside arrays', { a: [1, undefined, 3] }, { a: [1, null, 3] }],
  ])('%s in raw_input get their documented outcome', async (_name, rawInput, expected) => {
    const { exporter, logger } = setup();
    expect(() => logger.record({ requestId: 'r', rawInput, prediction: 1, latencyMs: 1 })).not.toThrow();
    await logger.forceFlush();
    const row = stored(exporter.records[0] as LogRecordLike);
    expect(row.raw_input).toEqual(expected);
    expect(() => JSON.stringify(row)).not.toThrow();
    await logger.shutdown();
  });

  it('truncates huge strings with a marker at the configured limit', async () => {
    const { exporter, logger, events } = setup({ logger: { maxStringLength: 100 } });
    logger.record({
      requestId: 'r',
      rawInput: { note: 'word '.repeat(2000) },
      prediction: 'yes '.repeat(125),
      latencyMs: 1,
    });
    await logger.forceFlush();
    const row = stored(exporter.records[0] as LogRecordLike);
    // Cut at a word boundary at or before the limit (safeCut: no token is split).
    expect((row.raw_input as { note: string }).note).toBe(`${'word '.repeat(20)}…[truncated 9900 chars]`);
    expect(row.prediction).toBe(`${'yes '.repeat(25)}…[truncated 400 chars]`);
    expect(events.filter((e) => e.code === 'sanitized.string_truncated')).toHaveLength(1);
    expect(logger.stats().sanitized.string_truncated).toBe(2);
    await logger.shutdown();
  });

  it('cuts deep nesting at the depth limit', async () => {
    const { exporter, logger } = setup({ logger: { maxDepth: 3 } });
    logger.record({ requestId: 'r', rawInput: deep, prediction: 1, latencyMs: 1 });
    await logger.forceFlush();
    expect(stored(exporter.records[0] as LogRecordLike).raw_input).toEqual({
      next: { next: { next: '[depth limit]' } },
    });
    await logger.shutdown();
  });

  it('caps long arrays and wide objects with markers', async () => {
    const { exporter, logger } = setup({ logger: { maxArrayLength: 3, maxObjectKeys: 2 } });
    logger.record({
      requestId: 'r',
      rawInput: { list: [1, 2, 3, 4, 5], wide: { a: 1, b: 2, c: 3 } },
      prediction: 1,
      latencyMs: 1,
    });
    await logger.forceFlush();
    const raw = stored(exporter.records[0] as LogRecordLike).raw_input as Record<string, unknown>;
    expect(raw.list).toEqual([1, 2, 3, '…[2 more items]']);
    // Keys are read up to the limit and no further, so how many more there were is not known.
    expect(raw.wide).toEqual({ '…': 'more keys', a: 1, b: 2 });
    await logger.shutdown();
  });

  it('replaces non-scalar features by a marker and counts nulls', async () => {
    const { exporter, logger } = setup();
    logger.record({
      requestId: 'r',
      features: {
        ok: 1,
        vec: [1, 2],
        obj: { a: 1 },
        missing: null,
        nan: Number.NaN,
        undef: undefined,
        big: 5n,
      },
      prediction: 1,
      latencyMs: 1,
    });
    await logger.forceFlush();
    const row = stored(exporter.records[0] as LogRecordLike);
    expect(row.input_features).toEqual({
      ok: 1,
      vec: '[array]',
      obj: '[object]',
      missing: null,
      nan: null,
      undef: null,
      big: '5',
    });
    expect(row.null_feature_count).toBe(3);
    await logger.shutdown();
  });

  it('drops raw_input of a record over maxRecordBytes, keeping the rest', async () => {
    const { exporter, logger } = setup({ logger: { maxRecordBytes: 2000 } });
    logger.record({
      requestId: 'r',
      rawInput: { blob: 'z'.repeat(5000) },
      features: { a: 1 },
      prediction: 1,
      latencyMs: 1,
    });
    await logger.forceFlush();
    const row = stored(exporter.records[0] as LogRecordLike);
    expect(row.raw_input).toBe('[raw_input dropped: record over maxRecordBytes]');
    expect(row.input_features).toEqual({ a: 1 });
    await logger.shutdown();
  });

  it('wrong types: ids become strings or are generated, bad numbers are left out, non-objects are dropped and counted', async () => {
    const { exporter, logger, events } = setup();
    const bad = logger as unknown as { record(input: unknown): string | undefined };
    expect(bad.record(null)).toBeUndefined();
    expect(bad.record('a string')).toBeUndefined();
    bad.record({
      requestId: 42,
      model: 7,
      score: 'high',
      latencyMs: -1,
      timestamp: 'yesterday',
      segment: {},
      prediction: 1,
    });
    bad.record({ requestId: {}, prediction: 1, latencyMs: 1, traceId: 'nope' });
    await logger.forceFlush();
    expect(logger.stats().dropped.invalid).toBe(2);
    const [first, second] = exporter.records.map(stored);
    expect(first).toMatchObject({ request_id: '42', model_name: '7', latency_ms: 0 });
    expect(first?.score).toBeUndefined();
    expect(first?.segment).toBeUndefined();
    expect(second?.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(second?.trace_id).toBeUndefined();
    const codes = events.map((e) => e.code);
    expect(codes).toEqual(
      expect.arrayContaining([
        'invalid_field.score',
        'invalid_field.latency_ms',
        'invalid_field.timestamp',
        'invalid_field.request_id',
      ]),
    );
    // diagnostics never carry the offending values
    expect(events.some((e) => e.message.includes('yesterday') || e.message.includes('high'))).toBe(false);
    await logger.shutdown();
  });

  it('property: record() never throws and every kept record serialises, for arbitrary input', async () => {
    const { exporter, logger } = setup({ logger: { maxQueueRecords: 1_000_000 } });
    let calls = 0;
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withTypedArray: true,
          withSparseArray: true,
          withNullPrototype: true,
          withBoxedValues: true,
          maxDepth: 12,
        }),
        fc.anything({ withBigInt: true, withNullPrototype: true, maxDepth: 4 }),
        fc.oneof(fc.string(), fc.integer(), fc.constant(undefined), fc.object()),
        fc.oneof(fc.double(), fc.string(), fc.constant(undefined), fc.bigInt()),
        (rawInput, features, requestId, score) => {
          calls++;
          const input = {
            requestId,
            rawInput,
            features,
            score,
            prediction: rawInput,
            latencyMs: score,
          } as never;
          logger.record(input);
          logger.feedback({ requestId, label: rawInput, source: features } as never);
        },
      ),
      { numRuns: 1500, seed: 42 },
    );
    await logger.forceFlush();
    const stats = logger.stats();
    expect(stats.received).toBe(calls * 2);
    for (const record of exporter.records) expect(() => JSON.stringify(stored(record))).not.toThrow();
    const dropped = Object.values(stats.dropped).reduce((a, b) => a + b, 0);
    expect(stats.sampledOut + dropped + (stats.exported.memory ?? 0)).toBe(stats.received);
    await logger.shutdown();
  });
});

describe('async boundary', () => {
  it('a full queue drops and counts instead of blocking; the ledger balances exactly', async () => {
    const { exporter, logger, events } = setup({ logger: { maxQueueRecords: 100 } });
    const started = performance.now();
    for (let i = 0; i < 10_000; i++)
      logger.record({ requestId: `r${i}`, features: { a: i }, prediction: 1, latencyMs: 1 });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(10_000); // sanity bound only: the loop finished without waiting on I/O
    expect(exporter.records).toHaveLength(0); // nothing crossed the boundary during the synchronous loop
    await logger.forceFlush();
    const stats = logger.stats();
    expect(stats.dropped.queue_full).toBe(9_900);
    expect(stats.exported.memory).toBe(100);
    expect(exporter.records).toHaveLength(100);
    expect(events.filter((e) => e.code === 'queue_full')).toHaveLength(1);
    await logger.shutdown();
  });

  it('bounds the queue by bytes too', async () => {
    const { logger } = setup({ logger: { maxQueueBytes: 50_000 } });
    for (let i = 0; i < 100; i++)
      logger.record({
        requestId: `r${i}`,
        rawInput: { blob: 'x'.repeat(2000) },
        prediction: 1,
        latencyMs: 1,
      });
    const dropped = logger.stats().dropped.queue_full ?? 0;
    expect(dropped).toBeGreaterThan(70);
    expect(dropped).toBeLessThan(100);
    await logger.shutdown();
  });

  it('moves records in the background without the caller awaiting anything', async () => {
    const { exporter, logger } = setup();
    logger.record({ requestId: 'r', prediction: 1, latencyMs: 1 });
    expect(exporter.records).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(exporter.records).toHaveLength(1);
    await logger.shutdown();
  });

  it('records after shutdown are dropped and counted', async () => {
    const { logger } = setup();
    await logger.shutdown();
    expect(logger.record({ requestId: 'r', prediction: 1, latencyMs: 1 })).toBeUndefined();
    expect(logger.stats().dropped.shutdown).toBe(1);
  });
});

describe('sampling and processors', () => {
  class DropOdd extends BaseProcessor {
    readonly dropReason = 'sampled_out';
    override readonly headSampler = {
      decide: (view: PredictionView): SamplingDecision =>
        Number(view.requestId?.slice(1)) % 2 === 1
          ? { keep: false, weight: 0, reason: 'rate' }
          : { keep: true, weight: 2, reason: view.force ? 'force' : 'rate' },
    };
    seen = 0;
    process(records: LogRecordLike[]): LogRecordLike[] {
      this.seen += records.length;
      return records;
    }
  }

  it("hoists the first processor's head sampler before capture and annotates kept records", async () => {
    const sampler = new DropOdd('sampling/test');
    const { exporter, logger } = setup({ processors: [sampler] });
    for (let i = 0; i < 10; i++) logger.record({ requestId: `r${i}`, prediction: 1, latencyMs: 1 });
    await logger.forceFlush();
    expect(logger.stats().sampledOut).toBe(5);
    expect(exporter.records).toHaveLength(5);
    expect(sampler.seen).toBe(0);
    const attrs = (exporter.records[0] as LogRecordLike).attributes;
    expect(attrs['ml.sampling.weight']).toBe(2);
    expect(attrs['ml.sampling.reason']).toBe('rate');
    await logger.shutdown();
  });

  it("counts what an in-pipeline processor drops, by the processor's reason", async () => {
    class KeepEven extends BaseProcessor {
      process(records: LogRecordLike[]): LogRecordLike[] {
        return records.filter((r) => Number(String(r.attributes['ml.request.id']).slice(1)) % 2 === 0);
      }
    }
    const { exporter, logger } = setup({ processors: [new KeepEven('filter/even')] });
    for (let i = 0; i < 10; i++) logger.record({ requestId: `r${i}`, prediction: 1, latencyMs: 1 });
    await logger.forceFlush();
    expect(exporter.records).toHaveLength(5);
    expect(logger.stats().dropped['filtered@filter/even']).toBe(5);
    await logger.shutdown();
  });

  it('a processor that holds records releases them later and reports what it drops itself', async () => {
    class HoldUntilFlush extends BaseProcessor {
      readonly holdsRecords = true;
      private held: LogRecordLike[] = [];
      process(records: LogRecordLike[]): LogRecordLike[] {
        this.held.push(...records);
        return [];
      }
      protected override async flushHeld(): Promise<void> {
        const keep = this.held.filter((_, i) => i % 2 === 0);
        this.reportDropped(this.held.length - keep.length, 'retention_policy');
        this.held = [];
        this.emitDownstream(keep);
      }
    }
    const { exporter, logger } = setup({ processors: [new HoldUntilFlush('hold')] });
    for (let i = 0; i < 10; i++) logger.record({ requestId: `r${i}`, prediction: 1, latencyMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(exporter.records).toHaveLength(0);
    expect(logger.stats().dropped).toEqual({});
    await logger.forceFlush();
    expect(exporter.records).toHaveLength(5);
    const stats = logger.stats();
    expect(stats.dropped).toEqual({ 'retention_policy@hold': 5 });
    expect(stats.received).toBe((stats.exported.memory ?? 0) + 5);
    await logger.shutdown();
  });

  it('a throwing processor loses its batch, counted, and the caller never sees it', async () => {
    class Broken extends BaseProcessor {
      process(): LogRecordLike[] {
        throw new Error('bug');
      }
    }
    const { exporter, logger, events } = setup({ processors: [new Broken('broken')] });
    for (let i = 0; i < 3; i++) logger.record({ requestId: `r${i}`, prediction: 1, latencyMs: 1 });
    await logger.forceFlush();
    expect(exporter.records).toHaveLength(0);
    expect(logger.stats().dropped['processor_error@broken']).toBe(3);
    expect(events.some((e) => e.code === 'processor_error.broken')).toBe(true);
    await logger.shutdown();
  });

  it('routes events to the pipelines that take them and copies records for a second pipeline', async () => {
    const a = new MemoryExporter('a');
    const b = new MemoryExporter('b');
    class Mutate extends BaseProcessor {
      process(records: LogRecordLike[]): LogRecordLike[] {
        for (const r of records) r.setAttribute('mutated', true);
        return records;
      }
    }
    const logger = new PredictionLogger({
      pipelines: [
        { processors: [new Mutate('mutate')], exporters: [a] },
        { events: ['ml.feedback'], exporters: [b] },
        { events: ['ml.prediction', 'ml.feedback'], exporters: [b] },
      ],
      diagnostics: recordingDiagnostics().diagnostics,
    });
    logger.record({ requestId: 'r', prediction: 1, latencyMs: 1 });
    logger.feedback({ requestId: 'r', label: 1, source: 'test' });
    await logger.forceFlush();
    expect(a.records).toHaveLength(2);
    expect(b.records).toHaveLength(3);
    expect(b.records.every((r) => r.attributes.mutated === undefined)).toBe(true);
    await logger.shutdown();
  });
});
