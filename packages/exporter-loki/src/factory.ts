import { type ExporterFactory, loadTlsMaterial } from '@predlog/core';
import { lokiExporterConfigSchema } from './config.ts';
import { LokiExporter } from './exporter.ts';

/** Registers the exporter under `type: loki`; `create` reads the TLS files, then returns. */
export const lokiExporterFactory: ExporterFactory<typeof lokiExporterConfigSchema> = {
  kind: 'exporter',
  type: 'loki',
  module: { specifier: '@predlog/exporter-loki', exportName: 'lokiExporterFactory' },
  configSchema: lokiExporterConfigSchema,
  async create(config, services) {
    return new LokiExporter(config, services, await loadTlsMaterial(config.tls, services, 'loki'));
  },
};
