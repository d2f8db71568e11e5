import type { ProcessorFactory } from '@predlog/core';
import { redactionConfigSchema } from './config.ts';
import { RedactionProcessor } from './processor.ts';

/** Registers the processor under `type: redaction` (`redaction/pii` etc. in a config file). */
export const redactionProcessorFactory: ProcessorFactory<typeof redactionConfigSchema> = {
  kind: 'processor',
  type: 'redaction',
  module: { specifier: '@predlog/processor-redaction', exportName: 'redactionProcessorFactory' },
  configSchema: redactionConfigSchema,
  create: (config, services) => new RedactionProcessor(config, services),
};
