import {
  basicAuthSchema,
  bearerTokenSchema,
  checkHttpSettings,
  httpHeadersSchema,
  httpUrlSchema,
  tlsSettingsSchema,
} from '@predlog/core';
import { z } from 'zod';

export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

/**
 * Keys left unset here fall back to the OTel SDK environment variables and then to the spec's
 * defaults (see `resolveOtlpSettings`); explicit config always wins. So `otlp: {}` is valid: it
 * sends to `OTEL_EXPORTER_OTLP_ENDPOINT`, or to `http://localhost:4318` as the spec says.
 */
export const otlpExporterConfigSchema = z
  .strictObject({
    /**
     * Base URL of the receiver. For HTTP `/v1/logs` is appended (as the OTel Collector's `otlphttp`
     * exporter does): `http://collector:4318`, or `http://loki:3100/otlp` for Loki 3. For gRPC it is
     * the server's address: `http://collector:4317`.
     */
    endpoint: httpUrlSchema('http://collector:4318').optional(),
    /** Full URL of the logs endpoint, used as is (instead of `endpoint`); HTTP only. */
    logsEndpoint: httpUrlSchema('http://collector:4318/v1/logs').optional(),
    /**
     * `http/protobuf` (@opentelemetry/exporter-logs-otlp-proto), `http/json` (-otlp-http) or
     * `grpc` (-otlp-grpc). Unset: `OTEL_EXPORTER_OTLP_LOGS_PROTOCOL`, `OTEL_EXPORTER_OTLP_PROTOCOL`,
     * then `http/protobuf`.
     */
    protocol: z.enum(OTLP_PROTOCOLS).optional(),
    /** Extra headers (gRPC: metadata); merged over `OTEL_EXPORTER_OTLP_[LOGS_]HEADERS`. */
    headers: httpHeadersSchema,
    basicAuth: basicAuthSchema.optional(),
    bearerToken: bearerTokenSchema.optional(),
    /** Request body compression. Unset: `OTEL_EXPORTER_OTLP_[LOGS_]COMPRESSION`, then `gzip`. */
    compression: z.enum(['gzip', 'none']).optional(),
    /**
     * Time one export request may take, the stock exporter's own retries of 429/502/503/504 and
     * network errors included. Keep it below the queue's `timeoutMs` (30 s by default). Unset:
     * `OTEL_EXPORTER_OTLP_[LOGS_]TIMEOUT`, then 10,000 ms.
     */
    timeoutMs: z.number().int().positive().optional(),
    /**
     * Largest request, in bytes of log lines and metadata as Loki and Collectors count them (body
     * as JSON plus attribute names and values): a batch is split into requests no larger than
     * this, so one request fits an ingestion burst (Loki's `ingestion_burst_size_mb`) and a gRPC
     * receiver's 4 MiB message limit.
     */
    maxRequestBytes: z
      .number()
      .int()
      .min(1024)
      .default(512 * 1024),
    tls: tlsSettingsSchema({ serverName: false }),
  })
  .superRefine((c, ctx) => {
    if (c.endpoint !== undefined && c.logsEndpoint !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['endpoint'],
        message: 'set endpoint or logsEndpoint, not both',
      });
    }
    if (c.protocol === 'grpc' && c.logsEndpoint !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['logsEndpoint'],
        message: 'is for HTTP; with protocol grpc set endpoint (the server address)',
      });
    }
    // TLS checks need the scheme; an endpoint that only the environment gives is checked later.
    const endpoint = c.logsEndpoint ?? c.endpoint;
    if (endpoint !== undefined) checkHttpSettings(c, endpoint, ctx);
  });

export type OtlpExporterConfig = z.output<typeof otlpExporterConfigSchema>;
/** What a config file may contain; every key is optional. */
export type OtlpExporterConfigInput = z.input<typeof otlpExporterConfigSchema>;
