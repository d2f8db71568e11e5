import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ComponentServices, ExporterFactory } from '@predlog/core';
import { type OtlpExporterConfig, otlpExporterConfigSchema } from './config.ts';
import { OtlpExporter, type OtlpTlsMaterial } from './exporter.ts';

async function readPem(services: ComponentServices, key: string, file: string): Promise<Buffer> {
  try {
    return await readFile(resolve(services.baseDir, file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new Error(`exporters.${services.id}.tls.${key}: cannot read ${file} (${code})`);
  }
}

/** Reads the PEM files named in `tls` (relative paths against the config file's directory). */
export async function loadOtlpTlsMaterial(
  config: OtlpExporterConfig,
  services: ComponentServices,
): Promise<OtlpTlsMaterial> {
  const tls: OtlpTlsMaterial = { rejectUnauthorized: !config.tls.insecureSkipVerify };
  if (config.tls.caFile !== undefined) tls.ca = await readPem(services, 'caFile', config.tls.caFile);
  if (config.tls.certFile !== undefined) tls.cert = await readPem(services, 'certFile', config.tls.certFile);
  if (config.tls.keyFile !== undefined) tls.key = await readPem(services, 'keyFile', config.tls.keyFile);
  return tls;
}

/** Registers the exporter under `type: otlp`. */
export const otlpExporterFactory: ExporterFactory<typeof otlpExporterConfigSchema> = {
  kind: 'exporter',
  type: 'otlp',
  configSchema: otlpExporterConfigSchema,
  async create(config, services) {
    const exporter = new OtlpExporter(config, services, await loadOtlpTlsMaterial(config, services));
    if (config.tls.insecureSkipVerify) {
      services.diagnostics.warnOnce(
        `otlp.insecure_tls.${services.id}`,
        `otlp exporter ${services.id}: tls.insecureSkipVerify is on; the server's certificate is not checked`,
      );
    }
    return exporter;
  },
};
