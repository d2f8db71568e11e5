import { z } from 'zod';

/** RFC 9110 token characters. */
const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers the stock exporter sets itself. */
const MANAGED_HEADERS = new Set([
  'content-type',
  'content-encoding',
  'content-length',
  'host',
  'transfer-encoding',
]);

function urlSchema(example: string) {
  return z
    .string()
    .min(1, `must be a URL, e.g. ${example}`)
    .superRefine((text, ctx) => {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be an absolute http:// or https:// URL' });
        return;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        ctx.addIssue({ code: 'custom', message: 'must be an http:// or https:// URL' });
      }
      if (url.username !== '' || url.password !== '') {
        ctx.addIssue({
          code: 'custom',
          message: 'must not hold credentials; use basicAuth, with values from the environment',
        });
      }
    });
}

export const otlpExporterConfigSchema = z
  .strictObject({
    /**
     * Base URL of the OTLP/HTTP receiver; `/v1/logs` is appended (as the OTel Collector's `otlphttp`
     * exporter does): `http://collector:4318`, or `http://loki:3100/otlp` for Loki 3.
     */
    endpoint: urlSchema('http://collector:4318').optional(),
    /** Full URL of the logs endpoint, used as is (instead of `endpoint`). */
    logsEndpoint: urlSchema('http://collector:4318/v1/logs').optional(),
    /** `http/protobuf` (@opentelemetry/exporter-logs-otlp-proto) or `http/json` (-otlp-http). */
    protocol: z.enum(['http/protobuf', 'http/json']).default('http/protobuf'),
    headers: z
      .record(
        z.string().regex(headerName, 'must be an HTTP header name'),
        z.string().refine((v) => !/[\r\n]/.test(v), 'must not contain line breaks'),
      )
      .default({}),
    basicAuth: z
      .strictObject({
        username: z.string().min(1, 'must not be empty'),
        password: z.string().min(1, 'must not be empty (take it from the environment)'),
      })
      .optional(),
    bearerToken: z.string().min(1, 'must not be empty (take it from the environment)').optional(),
    /** Request body compression. */
    compression: z.enum(['gzip', 'none']).default('gzip'),
    /**
     * Time one export may take, the stock exporter's own retries of 429/502/503/504 and network
     * errors included. Keep it below the queue's `timeoutMs` (30 s by default).
     */
    timeoutMs: z.number().int().positive().default(10_000),
    tls: z
      .strictObject({
        caFile: z.string().min(1).optional(),
        certFile: z.string().min(1).optional(),
        keyFile: z.string().min(1).optional(),
        /** Accept any server certificate. For tests only: it disables server authentication. */
        insecureSkipVerify: z.boolean().default(false),
      })
      .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
        message: 'certFile and keyFile go together (mutual TLS needs both)',
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    if ((c.endpoint === undefined) === (c.logsEndpoint === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['endpoint'],
        message: 'set endpoint or logsEndpoint (one of them)',
      });
    }
    if (c.basicAuth !== undefined && c.bearerToken !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['bearerToken'],
        message: 'set basicAuth or bearerToken, not both',
      });
    }
    for (const name of Object.keys(c.headers)) {
      const lower = name.toLowerCase();
      if (MANAGED_HEADERS.has(lower)) {
        ctx.addIssue({ code: 'custom', path: ['headers', name], message: 'is set by the exporter itself' });
      } else if (lower === 'authorization' && (c.basicAuth !== undefined || c.bearerToken !== undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['headers', name],
          message: 'clashes with basicAuth/bearerToken; use one way to authenticate',
        });
      }
    }
    const tlsSet = c.tls.caFile !== undefined || c.tls.certFile !== undefined || c.tls.insecureSkipVerify;
    const url = c.logsEndpoint ?? c.endpoint ?? '';
    if (tlsSet && !url.startsWith('https:')) {
      ctx.addIssue({ code: 'custom', path: ['tls'], message: 'TLS settings need an https:// endpoint' });
    }
  });

export type OtlpExporterConfig = z.output<typeof otlpExporterConfigSchema>;
/** What a config file may contain: `endpoint` or `logsEndpoint`, the rest has defaults. */
export type OtlpExporterConfigInput = z.input<typeof otlpExporterConfigSchema>;

/** The URL requests go to: `logsEndpoint` as is, or `endpoint` + `/v1/logs`. */
export function logsUrl(config: OtlpExporterConfig): string {
  if (config.logsEndpoint !== undefined) return config.logsEndpoint;
  return `${(config.endpoint ?? '').replace(/\/+$/, '')}/v1/logs`;
}
