import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loggerConfigSchema } from '../../src/config.ts';
import {
  type CaptureOptions,
  type PredictionSnapshot,
  RecordCapture,
} from '../../src/internal/record-capture.ts';
import { SANITIZE_KINDS } from '../../src/internal/value-capture.ts';
import type { PredictionInput } from '../../src/prediction-input.ts';
import { createByteRing } from '../../src/worker/byte-ring-layout.ts';
import { ByteRingReader } from '../../src/worker/byte-ring-reader.ts';
import { ByteRingWriter } from '../../src/worker/byte-ring-writer.ts';
import { FRAME_PREDICTION } from '../../src/worker/frame-kinds.ts';
import { readPredictionFrame } from '../../src/worker/prediction-frame-reader.ts';
import { PredictionFrameWriter } from '../../src/worker/prediction-frame-writer.ts';
import { createShapeTable, ShapeReader, ShapeRegistry } from '../../src/worker/shape-table.ts';
import { ValueDecoder } from '../../src/worker/value-decoder.ts';
import { RAW_INPUT_DROPPED_MARKER } from '../../src/worker/value-tags.ts';

const OPTIONS: CaptureOptions = {
  ...loggerConfigSchema.parse({}),
  captureTraceContext: false,
  model: { name: 'fraud', version: '2.3.0', framework: 'xgboost' },
  servingNode: 'node-1',
};

function pipe(options: CaptureOptions = OPTIONS, capacityBytes = 1 << 20, maxRecords = 1000) {
  const ring = createByteRing({ capacityBytes, maxRecords });
  const writer = new ByteRingWriter(ring);
  const shapes = createShapeTable();
  const frames = new PredictionFrameWriter(writer, options, undefined, new ShapeRegistry(shapes));
  const reader = new ByteRingReader(ring);
  const decoder = new ValueDecoder(reader, new ShapeReader(shapes));
  const readAll = (): PredictionSnapshot[] => {
    const out: PredictionSnapshot[] = [];
    for (let start = reader.next(); start !== -1; start = reader.next()) {
      decoder.begin(start, reader.frameLength);
      expect(decoder.byte()).toBe(FRAME_PREDICTION);
      out.push(readPredictionFrame(decoder, reader.frameLength));
      expect(decoder.remaining).toBe(0);
    }
    reader.release();
    return out;
  };
  return { writer, frames, readAll };
}

const DEMO: PredictionInput = {
  requestId: 'req-4f0c2a8e-1c2d-4b5e-9f3a-0a1b2c3d4e5f',
  timestamp: new Date('2026-03-14T09:30:00.000Z'),
  features: {
    log_amount: 4.8675,
    amount_vs_avg_30d: 1.2034,
    hour_sin: -0.5,
    is_night: 0,
    txn_count_24h: 7,
    merchant: 'grocery',
  },
  rawInput: {
    amount: 129.5,
    currency: 'EUR',
    customer_email: 'anna.schmidt123@example.com',
    card_number: '4111111111111111',
    device_id: null,
  },
  prediction: 'legit',
  score: 0.0123,
  threshold: 0.5,
  latencyMs: 3.2,
};

/** What the frame carries for a snapshot field that held an object where a scalar belongs: null. */
const SCALAR_FIELDS = [
  'time',
  'requestId',
  'predictionId',
  'modelName',
  'modelVersion',
  'framework',
  'score',
  'threshold',
  'latency',
  'servingNode',
  'entityId',
  'sessionId',
  'segment',
  'channel',
  'region',
  'freshness',
  'nullCountGiven',
  'role',
  'batchId',
  'traceId',
  'spanId',
] as const;

function asFramed(snapshot: PredictionSnapshot): Record<string, unknown> {
  const out: Record<string, unknown> = { ...snapshot };
  for (const field of SCALAR_FIELDS) {
    const v = out[field];
    if ((v !== null && typeof v === 'object') || typeof v === 'function' || typeof v === 'symbol')
      out[field] = null;
  }
  delete out.bytes;
  return out;
}

describe('PredictionFrameWriter and readPredictionFrame', () => {
  it('read back the snapshot in-thread capture makes of the demo record', () => {
    const { frames, readAll } = pipe();
    expect(frames.write(DEMO, undefined, 10, 'rate')).toBe(true);
    expect(frames.lastPredictionId).toMatch(/^[0-9a-f]{16}-0$/);
    const [decoded] = readAll();
    const expected = new RecordCapture(OPTIONS, () => {}).predictionSnapshot(DEMO, undefined, 10, 'rate');
    expect({ ...asFramed(decoded as PredictionSnapshot), predictionId: 'id' }).toEqual({
      ...asFramed(expected),
      predictionId: 'id',
    });
    expect(decoded?.bytes).toBeLessThan(Buffer.byteLength(JSON.stringify(DEMO)));
  });

  it('give the worker what it needs to build the same record', () => {
    const { frames, readAll } = pipe();
    frames.write({ ...DEMO, predictionId: 'p-1' }, 4.5, 1, undefined);
    const [decoded] = readAll();
    const capture = new RecordCapture(OPTIONS, () => {});
    const inThread = capture.predictionRecord(
      capture.predictionSnapshot({ ...DEMO, predictionId: 'p-1' }, 4.5, 1, undefined),
    );
    const fromFrame = capture.predictionRecord(decoded as PredictionSnapshot);
    expect({ ...fromFrame, approxBytes: 0 }).toEqual({ ...inThread, approxBytes: 0 });
  });

  it('generate unique prediction ids, and report the caller-given one', () => {
    const { frames, readAll } = pipe();
    const ids = new Set<string | undefined>();
    for (let i = 0; i < 100; i++) {
      frames.write(DEMO, undefined, 1, undefined);
      ids.add(frames.lastPredictionId);
    }
    expect(ids.size).toBe(100);
    expect(readAll().map((s) => s.predictionId)).toEqual([...ids]);
    frames.write({ ...DEMO, predictionId: 'mine' }, undefined, 1, undefined);
    expect(frames.lastPredictionId).toBe('mine');
    frames.write({ ...DEMO, predictionId: 42 as unknown as string }, undefined, 1, undefined);
    expect(frames.lastPredictionId).toBeUndefined();
  });

  it('match in-thread capture for arbitrary input, field by field and sanitisation by sanitisation', () => {
    const text = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ minLength: 60, maxLength: 300 }));
    const odd = fc.oneof(
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constant({ an: 'object' }),
      fc.bigInt(),
    );
    const scalar = fc.option(fc.oneof(text, odd), { nil: undefined });
    const number = fc.option(fc.oneof(fc.double(), fc.string({ maxLength: 4 }), fc.constant({})), {
      nil: undefined,
    });
    const value = fc.anything({
      withBigInt: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withTypedArray: true,
      maxDepth: 3,
    });
    const input = fc.record(
      {
        requestId: scalar,
        predictionId: fc.oneof(text, fc.integer()),
        timestamp: fc.oneof(
          fc.date({ noInvalidDate: true }),
          fc.integer(),
          fc.string({ maxLength: 80 }),
          fc.constant({}),
        ),
        model: fc.option(
          fc.oneof(text, fc.record({ name: scalar, version: scalar, framework: scalar }), fc.integer()),
          { nil: undefined },
        ),
        features: fc.option(
          fc.dictionary(
            fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__'),
            fc.oneof(
              fc.double(),
              text,
              fc.boolean(),
              fc.constant(null),
              fc.constant(undefined),
              fc.array(fc.integer(), { maxLength: 2 }),
              fc.bigInt(),
            ),
            { maxKeys: 10 },
          ),
          { nil: undefined },
        ),
        rawInput: fc.option(value, { nil: undefined }),
        prediction: fc.option(value, { nil: undefined }),
        score: number,
        threshold: number,
        latencyMs: number,
        servingNode: scalar,
        error: fc.option(
          fc.oneof(
            text,
            fc.constant(new TypeError('bad')),
            fc.constant(new Error('')),
            fc.constant(false),
            fc.constant(null),
            fc.constant({ code: 1 }),
          ),
          { nil: undefined },
        ),
        entityId: scalar,
        sessionId: scalar,
        segment: scalar,
        channel: scalar,
        region: scalar,
        traceId: fc.option(fc.oneof(fc.stringMatching(/^[0-9a-f]{32}$/), fc.string({ maxLength: 80 })), {
          nil: undefined,
        }),
        spanId: fc.option(fc.string({ maxLength: 80 }), { nil: undefined }),
        featureFreshnessMaxAgeS: number,
        nullFeatureCount: number,
        probabilities: fc.option(fc.array(fc.double(), { maxLength: 4 }), { nil: undefined }),
        explanation: fc.option(
          fc.array(fc.record({ feature: text, contribution: fc.double() }), { maxLength: 3 }),
          { nil: undefined },
        ),
        force: fc.option(fc.boolean(), { nil: undefined }),
        role: scalar,
        batchId: scalar,
      },
      { requiredKeys: ['predictionId', 'timestamp'] },
    );
    const options = { ...OPTIONS, maxStringLength: 40, maxObjectKeys: 6, maxArrayLength: 5, maxDepth: 3 };
    fc.assert(
      fc.property(
        input,
        fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: undefined }),
        (given, latency) => {
          const { frames, readAll } = pipe(options);
          const capture = new RecordCapture(options, () => {});
          const record = given as unknown as PredictionInput;
          expect(frames.write(record, latency, 2, 'kept')).toBe(true);
          const expected = capture.predictionSnapshot(record, latency, 2, 'kept');
          const [decoded] = readAll();
          expect(asFramed(decoded as PredictionSnapshot)).toEqual(asFramed(expected));
          SANITIZE_KINDS.forEach((kind, i) => {
            expect([kind, frames.encoder.counts[i]]).toEqual([kind, capture.values.counts[i]]);
          });
        },
      ),
      { seed: 1410, numRuns: 600 },
    );
  });

  it('replace raw input by its marker when the frame passed maxRecordBytes, keeping the rest', () => {
    const { frames, readAll } = pipe({ ...OPTIONS, maxRecordBytes: 300 });
    frames.write({ ...DEMO, rawInput: { blob: 'x'.repeat(2000) } }, undefined, 1, undefined);
    const [decoded] = readAll();
    expect(decoded?.raw).toBe(RAW_INPUT_DROPPED_MARKER);
    expect(decoded?.features).toEqual(DEMO.features);
    expect(frames.encoder.counts[SANITIZE_KINDS.indexOf('record_too_large')]).toBe(1);
    expect(decoded?.bytes).toBeLessThan(400);
  });

  it('refuse a prediction when the ring is full, writing nothing', () => {
    const { writer, frames, readAll } = pipe(OPTIONS, 4096, 2);
    expect([1, 2, 3].map(() => frames.write(DEMO, undefined, 1, undefined))).toEqual([true, true, false]);
    expect(writer.framesRefused).toBe(1);
    expect(readAll()).toHaveLength(2);
    const small = pipe(OPTIONS, 1024, 100);
    expect(small.frames.write({ ...DEMO, rawInput: 'y'.repeat(5000) }, undefined, 1, undefined)).toBe(false);
    expect(small.readAll()).toHaveLength(0);
  });

  it('give the frame up and rethrow when the input object itself throws', () => {
    const { writer, frames, readAll } = pipe();
    const input = {
      ...DEMO,
      get score(): number {
        throw new Error('getter on the input');
      },
    };
    expect(() => frames.write(input, undefined, 1, undefined)).toThrow('getter on the input');
    expect(writer.depth()).toBe(0);
    expect(frames.write(DEMO, undefined, 1, undefined)).toBe(true);
    expect(readAll()).toHaveLength(1);
  });
});
