import { metrics } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  createPredictionLogger,
  DiagnosticsChannel,
  type ExportQueueConfig,
  type LoggerConfig,
  PredictionLogger,
  type Sampler,
  systemClock,
} from '@predlog/core';
import { fileExporterConfigSchema, fileExporterFactory } from '@predlog/exporter-file';
import { DEMO_MODEL, DEMO_SERVICE, DEMO_SERVING_NODE } from './demo-record.ts';

/**
 * gzip of closed files is off unless a bench asks for it: pino's output is not compressed either,
 * and a file only closes (and would be gzipped) after 64 MiB, at a moment that differs between runs.
 */
const FILE_EXPORTER = { compress: false } as const;

const RESOURCE = { 'service.name': DEMO_SERVICE, 'host.name': DEMO_SERVING_NODE };

/** Diagnostics that are counted by code instead of written to stderr, so tables stay readable. */
export class DiagnosticsTally {
  readonly channel = new DiagnosticsChannel(() => undefined);

  /** Every code reported, with how often (repeats of a once-only warning included). */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.channel.counts());
  }
}

export interface FileLoggerOptions {
  directory: string;
  diagnostics: DiagnosticsTally;
  queue?: Partial<ExportQueueConfig>;
  logger?: Partial<LoggerConfig>;
  /** gzip closed files (the exporter's default); off unless asked for, see FILE_EXPORTER. */
  compress?: boolean;
}

/** A logger with the file exporter, built from a config the way an application builds it. */
export function createFileLogger(options: FileLoggerOptions): Promise<PredictionLogger> {
  return createPredictionLogger({
    config: {
      resource: RESOURCE,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      exporters: {
        file: {
          directory: options.directory,
          ...FILE_EXPORTER,
          ...(options.compress === undefined ? {} : { compress: options.compress }),
          ...(options.queue === undefined ? {} : { queue: options.queue }),
        },
      },
      pipelines: { predictions: { exporters: ['file'] } },
    },
    components: [fileExporterFactory],
    model: DEMO_MODEL,
    diagnostics: options.diagnostics.channel,
    env: {},
  });
}

/**
 * A logger with a head sampler in front of the file exporter. Config files cannot name a sampler
 * object, so this one is put together with the programmatic constructor from the same factory.
 */
export async function createSampledFileLogger(
  options: FileLoggerOptions & { sampler: Sampler },
): Promise<PredictionLogger> {
  const resource = resourceFromAttributes(RESOURCE);
  const exporter = await fileExporterFactory.create(
    fileExporterConfigSchema.parse({ directory: options.directory, ...FILE_EXPORTER }),
    {
      id: 'file',
      diagnostics: options.diagnostics.channel,
      meter: metrics.getMeterProvider().getMeter('@predlog/file'),
      clock: systemClock,
      resource,
      baseDir: options.directory,
    },
  );
  return new PredictionLogger({
    pipelines: [{ exporters: [{ exporter, queue: options.queue ?? {} }] }],
    sampler: options.sampler,
    model: DEMO_MODEL,
    resource,
    diagnostics: options.diagnostics.channel,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
}
