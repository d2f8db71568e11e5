import {
  basicAuthSchema,
  bearerTokenSchema,
  checkHttpSettings,
  httpHeadersSchema,
  httpUrlSchema,
  tlsSettingsSchema,
} from '@predlog/core';
import { z } from 'zod';

export const otlpExporterConfigSchema = z
  .strictObject({
    /**
     * Base URL of the OTLP/HTTP receiver; `/v1/logs` is appended (as the OTel Collector's `otlphttp`
     * exporter does): `http://collector:4318`, or `http://loki:3100/otlp` for Loki 3.
     */
    endpoint: httpUrlSchema('http://collector:4318').optional(),
    /** Full URL of the logs endpoint, used as is (instead of `endpoint`). */
    logsEndpoint: httpUrlSchema('http://collector:4318/v1/logs').optional(),
    /** `http/protobuf` (@opentelemetry/exporter-logs-otlp-proto) or `http/json` (-otlp-http). */
    protocol: z.enum(['http/protobuf', 'http/json']).default('http/protobuf'),
    headers: httpHeadersSchema,
    basicAuth: basicAuthSchema.optional(),
    bearerToken: bearerTokenSchema.optional(),
    /** Request body compression. */
    compression: z.enum(['gzip', 'none']).default('gzip'),
    /**
     * Time one export may take, the stock exporter's own retries of 429/502/503/504 and network
     * errors included. Keep it below the queue's `timeoutMs` (30 s by default).
     */
    timeoutMs: z.number().int().positive().default(10_000),
    tls: tlsSettingsSchema({ serverName: false }),
  })
  .superRefine((c, ctx) => {
    if ((c.endpoint === undefined) === (c.logsEndpoint === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['endpoint'],
        message: 'set endpoint or logsEndpoint (one of them)',
      });
    }
    checkHttpSettings(c, c.logsEndpoint ?? c.endpoint ?? '', ctx);
  });

export type OtlpExporterConfig = z.output<typeof otlpExporterConfigSchema>;
/** What a config file may contain: `endpoint` or `logsEndpoint`, the rest has defaults. */
export type OtlpExporterConfigInput = z.input<typeof otlpExporterConfigSchema>;

/** The URL requests go to: `logsEndpoint` as is, or `endpoint` + `/v1/logs`. */
export function logsUrl(config: OtlpExporterConfig): string {
  if (config.logsEndpoint !== undefined) return config.logsEndpoint;
  return `${(config.endpoint ?? '').replace(/\/+$/, '')}/v1/logs`;
}
