import type { ExporterFactory } from '@predlog/core';
import { fileExporterConfigSchema } from './config.ts';
import { FileExporter } from './exporter.ts';

/** Registers the exporter under `type: file`; `create` returns once start-up recovery is done. */
export const fileExporterFactory: ExporterFactory<typeof fileExporterConfigSchema> = {
  kind: 'exporter',
  type: 'file',
  module: { specifier: '@predlog/exporter-file', exportName: 'fileExporterFactory' },
  configSchema: fileExporterConfigSchema,
  async create(config, services) {
    const exporter = new FileExporter(config, services);
    await exporter.ready;
    return exporter;
  },
};
