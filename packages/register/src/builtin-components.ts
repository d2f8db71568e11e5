import type { ComponentFactory } from '@predlog/core';
import { fileExporterFactory } from '@predlog/exporter-file';
import { lokiExporterFactory } from '@predlog/exporter-loki';
import { otlpExporterFactory } from '@predlog/exporter-otlp';
import { redactionProcessorFactory } from '@predlog/processor-redaction';
import { samplingProcessorFactory } from '@predlog/processor-sampling';
import { tailRetentionProcessorFactory } from '@predlog/processor-tail-retention';

/**
 * The components a predlog.yaml may name without plugins, for register and for the `predlog`
 * command (which takes this list). A new built-in package is one line here (and one dependency in
 * package.json). Not instrumentation-onnxruntime: it is code an app calls, not a config component,
 * and it would pull in onnxruntime-node.
 */
export const BUILTIN_COMPONENTS: readonly ComponentFactory[] = [
  fileExporterFactory,
  lokiExporterFactory,
  otlpExporterFactory,
  redactionProcessorFactory,
  samplingProcessorFactory,
  tailRetentionProcessorFactory,
];
