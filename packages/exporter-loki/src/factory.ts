import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ComponentServices, ExporterFactory } from '@predlog/core';
import { type LokiExporterConfig, lokiExporterConfigSchema } from './config.ts';
import { LokiExporter } from './exporter.ts';
import type { TlsMaterial } from './internal/http-transport.ts';

async function readPem(services: ComponentServices, key: string, file: string): Promise<Buffer> {
  try {
    return await readFile(resolve(services.baseDir, file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new Error(`exporters.${services.id}.tls.${key}: cannot read ${file} (${code})`);
  }
}

/** Reads the PEM files named in `tls` (relative paths against the config file's directory). */
export async function loadTlsMaterial(
  config: LokiExporterConfig,
  services: ComponentServices,
): Promise<TlsMaterial> {
  const tls: TlsMaterial = { rejectUnauthorized: !config.tls.insecureSkipVerify };
  if (config.tls.caFile !== undefined) tls.ca = await readPem(services, 'caFile', config.tls.caFile);
  if (config.tls.certFile !== undefined) tls.cert = await readPem(services, 'certFile', config.tls.certFile);
  if (config.tls.keyFile !== undefined) tls.key = await readPem(services, 'keyFile', config.tls.keyFile);
  if (config.tls.serverName !== undefined) tls.serverName = config.tls.serverName;
  return tls;
}

/** Registers the exporter under `type: loki`; `create` reads the TLS files, then returns. */
export const lokiExporterFactory: ExporterFactory<typeof lokiExporterConfigSchema> = {
  kind: 'exporter',
  type: 'loki',
  configSchema: lokiExporterConfigSchema,
  async create(config, services) {
    const exporter = new LokiExporter(config, services, await loadTlsMaterial(config, services));
    if (config.tls.insecureSkipVerify) {
      services.diagnostics.warnOnce(
        `loki.insecure_tls.${services.id}`,
        `loki exporter ${services.id}: tls.insecureSkipVerify is on; the server's certificate is not checked`,
      );
    }
    return exporter;
  },
};
