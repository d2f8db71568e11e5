import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createPredictionScope, runInPredictionScope } from '@predlog/instrumentation-model';
import { attr, bodyOf, deferred, FakeClock, memoryLogger } from '@predlog/test-kit';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createInstrumentedSession,
  instrumentInferenceSession,
  onnxInstrumentationConfigSchema,
} from '../src/index.ts';
import { expectedScore, tinyOnnxModel } from './support/tiny-onnx-model.ts';

let dir: string;
let modelPath: string;
const bytes = tinyOnnxModel();
const sha256 = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'predlog-onnx-'));
  modelPath = path.join(dir, 'tiny.onnx');
  await writeFile(modelPath, bytes);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function input(rows: number[][]): ort.Tensor {
  return new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 3]);
}

describe('createInstrumentedSession', () => {
  it('loads the native addon, runs the model and logs inputs, outputs and the file hash as version', async () => {
    const { logger, records } = memoryLogger();
    const clock = new FakeClock();
    const session = await createInstrumentedSession(modelPath, {
      logger,
      name: 'tiny',
      featureNames: ['a', 'b', 'c'],
      threshold: 0.5,
      clock,
    });
    expect(session.predlog.model).toEqual({ name: 'tiny', version: sha256, framework: 'onnxruntime' });
    const row = [0.2, 0.4, 0.6];
    const running = session.run({ x: input([row]) });
    // The run cannot settle before this line: 4 ms pass on the clock the latency is measured on.
    clock.advance(4);
    const outputs = await running;
    const score = (outputs.score?.data as Float32Array | undefined)?.[0] ?? Number.NaN;
    expect(score).toBeCloseTo(expectedScore(row), 6);

    const [record] = await records();
    expect(attr(record, 'ml.model.name')).toBe('tiny');
    expect(attr(record, 'ml.model.version')).toBe(sha256);
    expect(attr(record, 'ml.model.framework')).toBe('onnxruntime');
    expect(attr(record, 'ml.prediction.score')).toBe(score);
    expect(attr(record, 'ml.prediction.threshold')).toBe(0.5);
    expect(attr(record, 'ml.inference.duration_ms')).toBe(4);
    const body = bodyOf(record);
    expect(body.raw_input).toEqual({
      x: { dims: [1, 3], type: 'float32', values: [...Float32Array.from(row)] },
    });
    expect(body.input_features).toEqual({ a: Math.fround(0.2), b: Math.fround(0.4), c: Math.fround(0.6) });
    expect(body.prediction).toBe(score);
    expect(session.predlog.stats()).toMatchObject({ runs: 1, records: 1, errors: 0 });
  });

  it('uses the given version instead of the hash', async () => {
    const { logger } = memoryLogger();
    const session = await createInstrumentedSession(bytes, { logger, name: 'tiny', version: '1.0.0' });
    expect(session.predlog.model.version).toBe('1.0.0');
  });
});

describe('instrumentInferenceSession', () => {
  it('keeps at most maxValuesPerTensor values and counts the rest', async () => {
    const { logger, records } = memoryLogger();
    const session = instrumentInferenceSession(await ort.InferenceSession.create(bytes), {
      logger,
      name: 'tiny',
      modelBytes: bytes,
      maxValuesPerTensor: 4,
    });
    await session.run({
      x: input([
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
      ]),
    });
    const [record] = await records();
    const raw = bodyOf(record).raw_input as { x: { values: number[]; truncated: number; dims: number[] } };
    expect(raw.x).toEqual({ dims: [3, 3], type: 'float32', values: [1, 2, 3, 4], truncated: 5 });
    // Three scores: not a single value, so the outputs are the prediction as summarised.
    expect(attr(record, 'ml.prediction.score')).toBeUndefined();
    expect((bodyOf(record).prediction as { score: { dims: number[] } }).score.dims).toEqual([3, 1]);
  });

  it('logs a batched run as one record per row with a shared batch id', async () => {
    const { logger, records } = memoryLogger();
    const session = instrumentInferenceSession(await ort.InferenceSession.create(bytes), {
      logger,
      name: 'tiny',
      version: '2',
      batch: true,
      featureNames: ['a', 'b', 'c'],
    });
    const rows = [
      [0, 0, 0],
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
    const outputs = await session.run({ x: input(rows) });
    const scores = [...((outputs.score?.data as Float32Array | undefined) ?? [])];
    const logged = await records();
    expect(logged).toHaveLength(4);
    expect(new Set(logged.map((r) => attr(r, 'ml.batch.id'))).size).toBe(1);
    expect(logged.map((r) => attr(r, 'ml.prediction.score'))).toEqual(scores);
    expect(logged.map((r) => bodyOf(r).input_features)).toEqual(rows.map(([a, b, c]) => ({ a, b, c })));
    expect((bodyOf(logged[2]).raw_input as { x: { dims: number[]; values: number[] } }).x).toEqual({
      dims: [1, 3],
      type: 'float32',
      values: [0, 1, 0],
    });
  });

  it('logs a failed run and rejects with the same error', async () => {
    const { logger, records } = memoryLogger();
    const session = instrumentInferenceSession(await ort.InferenceSession.create(bytes), {
      logger,
      name: 'tiny',
      version: '2',
    });
    const wrongShape = new ort.Tensor('float32', new Float32Array(4), [1, 4]);
    let direct: unknown;
    try {
      await (await ort.InferenceSession.create(bytes)).run({ x: wrongShape });
    } catch (error) {
      direct = error;
    }
    let caught: unknown;
    try {
      await session.run({ x: wrongShape });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).message).toBe((direct as Error).message);
    const [record] = await records();
    expect(attr(record, 'ml.prediction.status')).toBe('error');
    expect(attr(record, 'error.type')).toBe((caught as Error).name);
    expect(session.predlog.stats().errors).toBe(1);
  });

  it('logs under the request scope and leaves other sessions alone', async () => {
    const { logger, records } = memoryLogger();
    const plain = await ort.InferenceSession.create(bytes);
    const session = instrumentInferenceSession(await ort.InferenceSession.create(bytes), {
      logger,
      name: 'tiny',
      version: '2',
    });
    await runInPredictionScope(createPredictionScope('req-onnx'), () =>
      session.run({ x: input([[1, 1, 1]]) }),
    );
    await plain.run({ x: input([[1, 1, 1]]) });
    const logged = await records();
    expect(logged).toHaveLength(1);
    expect(attr(logged[0], 'ml.request.id')).toBe('req-onnx');
  });

  it('runs a shadow challenger on a copy of the feeds', async () => {
    const { logger, records } = memoryLogger();
    const seen: unknown[] = [];
    const { promise: challengerRan, resolve: challengerCalled } = deferred();
    const session = instrumentInferenceSession(await ort.InferenceSession.create(bytes), {
      logger,
      name: 'tiny',
      version: 'onnx',
      shadow: {
        name: 'tiny',
        version: 'js',
        predict: (feeds) => {
          seen.push(feeds);
          challengerCalled();
          const x = (feeds as { x: { data: Float32Array } }).x.data;
          return expectedScore([...x]);
        },
      },
    });
    const tensor = input([[0.3, 0.2, 0.1]]);
    const outputs = await session.run({ x: tensor });
    // A synchronous challenger is logged in the same turn it returns, before this continuation runs.
    await challengerRan;
    expect(session.predlog.stats().shadow?.completed).toBe(1);
    const copy = seen[0] as { x: { dims: number[]; type: string; data: Float32Array } };
    expect(copy.x.dims).toEqual([1, 3]);
    expect(copy.x.data).not.toBe(tensor.data);
    const logged = await records();
    const champion = logged.find((r) => attr(r, 'ml.model.role') === 'champion');
    const challenger = logged.find((r) => attr(r, 'ml.model.role') === 'challenger');
    expect(attr(challenger, 'ml.request.id')).toBe(attr(champion, 'ml.request.id'));
    expect(attr(challenger, 'ml.prediction.score') as number).toBeCloseTo(
      (outputs.score?.data as Float32Array | undefined)?.[0] ?? Number.NaN,
      6,
    );
  });

  it('counts an extractor that throws and still logs the run', async () => {
    const { logger, records } = memoryLogger();
    const session = instrumentInferenceSession(await ort.InferenceSession.create(bytes), {
      logger,
      name: 'tiny',
      version: '2',
      extractPrediction: () => {
        throw new Error('bad');
      },
    });
    await session.run({ x: input([[1, 2, 3]]) });
    expect(await records()).toHaveLength(1);
    expect(session.predlog.stats().extractorFailures).toBe(1);
  });
});

describe('onnxInstrumentationConfigSchema', () => {
  it('holds every default and needs a version or the model bytes', () => {
    const { logger } = memoryLogger();
    const config = onnxInstrumentationConfigSchema.parse({ logger, name: 'm', version: '1' });
    expect(config).toMatchObject({ framework: 'onnxruntime', maxValuesPerTensor: 32, batch: false });
    const missing = onnxInstrumentationConfigSchema.safeParse({ logger, name: 'm' });
    expect(missing.success).toBe(false);
    expect(missing.error?.issues[0]?.path).toEqual(['version']);
  });
});
