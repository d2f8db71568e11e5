import { resourceFromAttributes } from '@opentelemetry/resources';
import { PredlogLogRecord } from '@predlog/core';
import { type MetricReaderEnv, metricReaderEnv } from '@predlog/test-kit';
import { type SamplingConfigInput, SamplingProcessor, samplingConfigSchema } from '../../src/index.ts';

/**
 * Services with a real meter, on a clock whose wall and monotonic time read the same number, so a
 * test can place a record at an exact time with `clock.advanceTo`.
 */
export function testEnv(id = 'sampling/test'): MetricReaderEnv {
  return metricReaderEnv({
    id,
    meterScope: '@predlog/processor-sampling',
    clock: { startMs: 1_000_000, monotonicStartMs: 1_000_000 },
  });
}

/** A processor built the way the factory builds it, from config input with every default. */
export function sampler(config: SamplingConfigInput, env: MetricReaderEnv = testEnv()): SamplingProcessor {
  return new SamplingProcessor(samplingConfigSchema.parse(config), env.services);
}

/** Every rule off except the draw: the plain consistent, stratified sample. */
export const PLAIN: SamplingConfigInput = {
  alwaysKeep: { scoreTail: null, nearThresholdDelta: null, errors: false, force: false },
  newVersion: { windowMs: 0 },
};

/** An `ml.prediction` log record as predlog (or an OTel app) emits it. */
export function predictionRecord(
  attributes: Record<string, unknown>,
  body: Record<string, unknown> = {},
): PredlogLogRecord {
  return new PredlogLogRecord({
    hrTime: [1_767_225_600, 0],
    resource: resourceFromAttributes({ 'service.name': 'test' }),
    instrumentationScope: { name: 'test' },
    attributes: {
      'ml.model.name': 'fraud',
      'ml.model.version': '1',
      ...attributes,
    } as PredlogLogRecord['attributes'],
    body: body as PredlogLogRecord['body'],
    eventName: 'ml.prediction',
  });
}
