import { attr, bodyOf, FakeClock, installTracing, memoryLogger } from '@predlog/test-kit';
import { describe, expect, it } from 'vitest';
import {
  createPredictionScope,
  instrumentModel,
  type PredictionFields,
  runInPredictionScope,
} from '../src/index.ts';

const tracer = installTracing();
const features = { amount: 120.5, country: 'PL', card_present: false };

class ModelError extends Error {
  override name = 'ModelError';
}

describe('instrumentModel: single calls', () => {
  it('keeps a sync function sync and logs input, output, latency and model', async () => {
    const { logger, records } = memoryLogger();
    const predict = instrumentModel((x: typeof features) => ({ label: 'fraud', score: x.amount / 1000 }), {
      logger,
      name: 'fraud',
      version: '1.2.0',
      framework: 'js',
      threshold: 0.5,
    });
    const result = predict(features);
    expect(result).toEqual({ label: 'fraud', score: 0.1205 });
    expect(result).not.toBeInstanceOf(Promise);

    const [record] = await records();
    expect(attr(record, 'ml.model.name')).toBe('fraud');
    expect(attr(record, 'ml.model.version')).toBe('1.2.0');
    expect(attr(record, 'ml.model.framework')).toBe('js');
    expect(attr(record, 'ml.prediction.score')).toBe(0.1205);
    expect(attr(record, 'ml.prediction.threshold')).toBe(0.5);
    expect(attr(record, 'ml.prediction.status')).toBe('ok');
    expect(typeof attr(record, 'ml.inference.duration_ms')).toBe('number');
    expect(attr(record, 'ml.model.role')).toBeUndefined();
    expect(bodyOf(record).input_features).toEqual(features);
    expect(bodyOf(record).prediction).toBe('fraud');
    expect(predict.predlog.stats()).toMatchObject({ calls: 1, records: 1, errors: 0 });
  });

  it('keeps an async function async and forwards this and every argument', async () => {
    const { logger, records } = memoryLogger();
    const model = {
      bias: 0.25,
      async predict(input: { text: string }, scale: number) {
        await new Promise((resolve) => setImmediate(resolve));
        return this.bias * scale + input.text.length / 100;
      },
    };
    model.predict = instrumentModel(model.predict, { logger, name: 'sentiment', version: '3' });
    const pending = model.predict({ text: 'great service, nested: {}' }, 2);
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toBeCloseTo(0.75);
    const [record] = await records();
    expect(attr(record, 'ml.prediction.score')).toBeCloseTo(0.75);
    // Not a flat map of scalars? It is one, but captureInputAs auto keeps scalar maps as features.
    expect(bodyOf(record).input_features).toEqual({ text: 'great service, nested: {}' });
  });

  it('measures the latency on the given clock, up to when the promise settles', async () => {
    const { logger, records } = memoryLogger();
    const clock = new FakeClock();
    const predict = instrumentModel(
      (_: unknown) => new Promise<number>((resolve) => clock.setTimeout(() => resolve(0.5), 45)),
      { logger, name: 'm', version: '1', clock },
    );
    const pending = predict({ a: 1 });
    await clock.advanceAsync(45);
    expect(await pending).toBe(0.5);
    const [record] = await records();
    expect(attr(record, 'ml.inference.duration_ms')).toBe(45);
  });

  it('logs a nested input as raw input', async () => {
    const { logger, records } = memoryLogger();
    const predict = instrumentModel((input: { items: number[] }) => input.items.length, {
      logger,
      name: 'basket',
      version: '1',
    });
    predict({ items: [1, 2, 3] });
    const [record] = await records();
    expect(bodyOf(record).raw_input).toEqual({ items: [1, 2, 3] });
    expect(bodyOf(record).input_features).toEqual({});
  });

  it('rethrows a sync error unchanged after logging it', async () => {
    const { logger, records } = memoryLogger();
    const failure = new ModelError('weights missing');
    const predict = instrumentModel(
      (_: unknown): number => {
        throw failure;
      },
      { logger, name: 'broken', version: '1' },
    );
    let caught: unknown;
    try {
      predict(features);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBe(failure);
    const [record] = await records();
    expect(attr(record, 'ml.prediction.status')).toBe('error');
    expect(attr(record, 'error.type')).toBe('ModelError');
    expect(bodyOf(record).input_features).toEqual(features);
    expect(predict.predlog.stats().errors).toBe(1);
  });

  it('rejects with the same reason after logging it', async () => {
    const { logger, records } = memoryLogger();
    const reason = new RangeError('out of range');
    const predict = instrumentModel(async (_: unknown) => Promise.reject(reason), {
      logger,
      name: 'broken',
      version: '1',
    });
    await expect(predict(features)).rejects.toBe(reason);
    const [record] = await records();
    expect(attr(record, 'error.type')).toBe('RangeError');
  });

  it('counts an extractor that throws and still logs the call', async () => {
    const { logger, records, events } = memoryLogger();
    const predict = instrumentModel((_: unknown) => 0.4, {
      logger,
      name: 'm',
      version: '1',
      extractPrediction: (): PredictionFields => {
        throw new Error('bad extractor');
      },
      diagnostics: {
        warnOnce: (code) => events.push({ level: 'warn', code, message: '' }),
        error() {},
        info() {},
      },
    });
    expect(predict(features)).toBe(0.4);
    const all = await records();
    expect(all).toHaveLength(1);
    expect(attr(all[0], 'ml.prediction.score')).toBeUndefined();
    expect(predict.predlog.stats().extractorFailures).toBe(1);
    expect(events.map((e) => e.code)).toContain('instrumentation.extractor_failed');
  });

  it('logs under the request id of the active prediction scope', async () => {
    const { logger, records } = memoryLogger();
    const predict = instrumentModel(async (_: unknown) => 0.9, { logger, name: 'm', version: '1' });
    await runInPredictionScope(createPredictionScope('req-77'), async () => {
      await new Promise((resolve) => setImmediate(resolve));
      await predict(features);
    });
    const [record] = await records();
    expect(attr(record, 'ml.request.id')).toBe('req-77');
  });

  it('links the record to the active span', async () => {
    const { logger, records } = memoryLogger();
    const predict = instrumentModel(async (_: unknown) => 0.9, { logger, name: 'm', version: '1' });
    const ids = await tracer.startActiveSpan('predict', async (span) => {
      await predict(features);
      span.end();
      return span.spanContext();
    });
    const [record] = await records();
    expect(record?.spanContext?.traceId).toBe(ids.traceId);
    expect(record?.spanContext?.spanId).toBe(ids.spanId);
  });
});

describe('instrumentModel: batches', () => {
  it('logs one record per row with a shared batch id', async () => {
    const { logger, records } = memoryLogger();
    const rows = [
      { amount: 10, card_present: true },
      { amount: 900, card_present: false },
      { amount: 55, card_present: true },
    ];
    const predict = instrumentModel((batch: typeof rows) => batch.map((row) => row.amount / 1000), {
      logger,
      name: 'fraud',
      version: '1',
      batch: true,
      requestIdOf: (row, i) => `txn-${i}-${(row as { amount: number }).amount}`,
    });
    expect(predict(rows)).toEqual([0.01, 0.9, 0.055]);
    const logged = await records();
    expect(logged).toHaveLength(3);
    const batchIds = new Set(logged.map((r) => attr(r, 'ml.batch.id')));
    expect(batchIds.size).toBe(1);
    expect([...batchIds][0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(logged.map((r) => attr(r, 'ml.prediction.score'))).toEqual([0.01, 0.9, 0.055]);
    expect(logged.map((r) => attr(r, 'ml.request.id'))).toEqual(['txn-0-10', 'txn-1-900', 'txn-2-55']);
    expect(logged.map((r) => bodyOf(r).input_features)).toEqual(rows);
    expect(predict.predlog.stats()).toMatchObject({ calls: 1, records: 3, batches: 1 });
  });

  it('uses a configurable detector and logs a mismatched output as row errors', async () => {
    const { logger, records } = memoryLogger();
    const predict = instrumentModel(async (input: unknown) => (Array.isArray(input) ? [0.5] : 0.5), {
      logger,
      name: 'm',
      version: '1',
      isBatch: (input) => Array.isArray(input) && input.length > 1,
    });
    await predict([{ a: 1 }]);
    await predict([{ a: 1 }, { a: 2 }]);
    const logged = await records();
    expect(logged).toHaveLength(3);
    expect(attr(logged[0], 'ml.batch.id')).toBeUndefined();
    expect(bodyOf(logged[0]).raw_input).toEqual([{ a: 1 }]);
    expect(logged.slice(1).map((r) => attr(r, 'error.type'))).toEqual([
      'batch_output_mismatch',
      'batch_output_mismatch',
    ]);
    expect(predict.predlog.stats().batchOutputMismatches).toBe(1);
  });

  it('logs every row of a failed batch as an error and rethrows', async () => {
    const { logger, records } = memoryLogger();
    const failure = new ModelError('oom');
    const predict = instrumentModel(
      (_: unknown[]): number[] => {
        throw failure;
      },
      { logger, name: 'm', version: '1', batch: true },
    );
    expect(() => predict([{ a: 1 }, { a: 2 }])).toThrow(failure);
    const logged = await records();
    expect(logged.map((r) => attr(r, 'error.type'))).toEqual(['ModelError', 'ModelError']);
    expect(attr(logged[0], 'ml.batch.id')).toBe(attr(logged[1], 'ml.batch.id'));
  });
});
