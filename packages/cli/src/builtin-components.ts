import { type ComponentFactory, ComponentRegistry } from '@predlog/core';
import { fileExporterFactory } from '@predlog/exporter-file';
import { samplingProcessorFactory } from '@predlog/processor-sampling';

/**
 * The components `predlog` knows without plugins. A new built-in package is one line here (and one
 * dependency in package.json).
 */
export const BUILTIN_COMPONENTS: readonly ComponentFactory[] = [
  fileExporterFactory,
  samplingProcessorFactory,
];

export function createBuiltinRegistry(): ComponentRegistry {
  return new ComponentRegistry(BUILTIN_COMPONENTS);
}
