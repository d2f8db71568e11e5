import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SimulationSample, samplingConfigSchema } from '@predlog/processor-sampling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPredictionSample } from '../../src/internal/prediction-sample.ts';
import { newlineFreeGzip, skippedLines } from '../sample-fixtures.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'predlog-cli-sample-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const prediction = (i: number) =>
  JSON.stringify({
    event: 'ml.prediction',
    timestamp: '2026-01-31T12:00:00.000Z',
    request_id: `r${i}`,
    model_name: 'fraud',
    model_version: '1',
    score: 0.5,
    input_features: { amount: i, note: 'n'.repeat(200) },
  });

describe('readPredictionSample', () => {
  it('holds at most the line cap of a newline-free gzip, then reads on after the newline', async () => {
    const cap = 1024 * 1024;
    // 64 MiB without a newline, then two predictions.
    await writeFile(
      path.join(dir, 'long.ndjson.gz'),
      newlineFreeGzip(64, `${prediction(1)}\n${prediction(2)}\n`),
    );
    const sample = new SimulationSample(samplingConfigSchema.parse({}));
    const read = await readPredictionSample(dir, 'long.ndjson.gz', sample, cap);
    expect(read.skipped).toEqual(skippedLines({ line_too_long: 1 }));
    expect(read.longestLineHeldBytes).toBeGreaterThan(0);
    expect(read.longestLineHeldBytes).toBeLessThanOrEqual(cap);
    expect(sample.size).toBe(2);
  });

  it('keeps of each line only what the sampler reads, not the body', async () => {
    await writeFile(path.join(dir, 'wide.ndjson'), `${prediction(1)}\n`);
    const config = samplingConfigSchema.parse({ alwaysKeep: { features: { amount: { min: 0, max: 10 } } } });
    const sample = new SimulationSample(config);
    await readPredictionSample(dir, 'wide.ndjson', sample);
    const [line] = sample.lines;
    expect(line?.view.features).toEqual({ amount: 1 });
    expect(line?.view.modelName).toBe('fraud');
    expect(line?.bytes).toBe(Buffer.byteLength(prediction(1)) + 1);
  });
});
