import { type ExporterFactory, loadTlsMaterial } from '@predlog/core';
import { otlpExporterConfigSchema } from './config.ts';
import { OtlpExporter } from './exporter.ts';

/** Registers the exporter under `type: otlp`; `create` reads the TLS files, then returns. */
export const otlpExporterFactory: ExporterFactory<typeof otlpExporterConfigSchema> = {
  kind: 'exporter',
  type: 'otlp',
  module: { specifier: '@predlog/exporter-otlp', exportName: 'otlpExporterFactory' },
  configSchema: otlpExporterConfigSchema,
  async create(config, services) {
    return new OtlpExporter(config, services, await loadTlsMaterial(config.tls, services, 'otlp'));
  },
};
