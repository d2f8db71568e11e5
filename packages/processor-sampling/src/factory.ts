import type { ProcessorFactory } from '@predlog/core';
import { samplingConfigSchema } from './config.ts';
import { SamplingProcessor } from './processor.ts';

/** Registers the processor under `type: sampling` (ids `sampling` or `sampling/<name>`). */
export const samplingProcessorFactory: ProcessorFactory<typeof samplingConfigSchema> = {
  kind: 'processor',
  type: 'sampling',
  module: { specifier: '@predlog/processor-sampling', exportName: 'samplingProcessorFactory' },
  configSchema: samplingConfigSchema,
  create: (config, services) => new SamplingProcessor(config, services),
};
