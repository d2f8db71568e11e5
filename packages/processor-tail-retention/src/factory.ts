import type { ProcessorFactory } from '@predlog/core';
import { tailRetentionConfigSchema } from './config.ts';
import { TailRetentionProcessor } from './processor.ts';

/** Registers the processor under `type: tail_retention`. */
export const tailRetentionProcessorFactory: ProcessorFactory<typeof tailRetentionConfigSchema> = {
  kind: 'processor',
  type: 'tail_retention',
  module: { specifier: '@predlog/processor-tail-retention', exportName: 'tailRetentionProcessorFactory' },
  configSchema: tailRetentionConfigSchema,
  create: (config, services) => new TailRetentionProcessor(config, services),
};
