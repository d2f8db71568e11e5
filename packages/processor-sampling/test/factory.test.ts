import { BaseProcessor, type LogRecordLike, PredictionLogger } from '@predlog/core';
import { MemoryExporter } from '@predlog/test-kit';
import { describe, expect, it } from 'vitest';
import { SamplingProcessor, samplingConfigSchema, samplingProcessorFactory } from '../src/index.ts';
import { testEnv } from './support/sampler.ts';

class Passthrough extends BaseProcessor {
  process(records: LogRecordLike[]): LogRecordLike[] {
    return records;
  }
}

describe('samplingProcessorFactory', () => {
  it('is the processor type "sampling" and creates a head-sampling processor that drops as sampled_out', async () => {
    expect(samplingProcessorFactory).toMatchObject({ kind: 'processor', type: 'sampling' });
    const env = testEnv('sampling/default');
    const processor = await samplingProcessorFactory.create(samplingConfigSchema.parse({}), env.services);
    expect(processor).toBeInstanceOf(SamplingProcessor);
    expect(processor.id).toBe('sampling/default');
    expect(processor.headSampler).toBe(processor);
    expect(processor.dropReason).toBe('sampled_out');
    await processor.shutdown();
  });

  it('where it is not the first processor, the logger runs it through process(): same weights, counted as sampled out', async () => {
    const env = testEnv();
    const sampling = new SamplingProcessor(
      samplingConfigSchema.parse({ rate: 0.25, minPerBucket: 0, newVersion: { windowMs: 0 } }),
      env.services,
    );
    const exporter = new MemoryExporter('memory');
    const logger = new PredictionLogger({
      pipelines: [
        {
          processors: [new Passthrough('first'), sampling],
          exporters: [{ exporter, queue: { maxBatchAgeMs: 5 } }],
        },
      ],
      model: { name: 'fraud', version: '1' },
      diagnostics: env.services.diagnostics,
      clock: env.clock,
    });
    for (let i = 0; i < 1000; i++)
      logger.record({ requestId: `n${i}`, prediction: 0, score: 0.5, latencyMs: 1 });
    await logger.forceFlush();
    const stats = logger.stats();
    const samplerStats = sampling.stats();
    expect(stats.sampledOut).toBe(samplerStats.totals.sampledOut);
    expect(stats.sampledOut).toBeGreaterThan(600);
    expect(stats.dropped).toEqual({});
    expect(exporter.records).toHaveLength(samplerStats.totals.kept);
    expect(samplerStats.totals.received).toBe(1000);
    for (const record of exporter.records)
      expect(record.attributes).toMatchObject({ 'ml.sampling.weight': 4, 'ml.sampling.reason': 'sampled' });
    await logger.shutdown();
  });
});
