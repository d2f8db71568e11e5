import { type ComponentFactory, ComponentRegistry } from '@predlog/core';
import { fileExporterFactory } from '@predlog/exporter-file';
import { lokiExporterFactory } from '@predlog/exporter-loki';
import { otlpExporterFactory } from '@predlog/exporter-otlp';
import { redactionProcessorFactory } from '@predlog/processor-redaction';
import { samplingProcessorFactory } from '@predlog/processor-sampling';
import { tailRetentionProcessorFactory } from '@predlog/processor-tail-retention';

/**
 * The components `predlog` knows without plugins. A new built-in package is one line here (and one
 * dependency in package.json).
 */
export const BUILTIN_COMPONENTS: readonly ComponentFactory[] = [
  fileExporterFactory,
  lokiExporterFactory,
  otlpExporterFactory,
  redactionProcessorFactory,
  samplingProcessorFactory,
  tailRetentionProcessorFactory,
];

export function createBuiltinRegistry(): ComponentRegistry {
  return new ComponentRegistry(BUILTIN_COMPONENTS);
}
