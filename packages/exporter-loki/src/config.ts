import { z } from 'zod';
import {
  DEFAULT_LABELS,
  HIGH_CARDINALITY_FIELDS,
  isLabelField,
  LABEL_FIELDS,
} from './internal/label-fields.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Loki's default `max_label_names_per_series`: a stream with more labels is rejected. */
export const MAX_LABELS_PER_STREAM = 15;

const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const labelNameRule = 'must be a Loki label name: letters, digits and "_", not starting with a digit';
/** RFC 9110 token characters. */
const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Loki's tenant ID rules: up to 150 of these characters, and not "." or "..". */
const tenantId = /^[A-Za-z0-9!._*'()-]{1,150}$/;

/** Headers the exporter sets itself; a custom header with one of these names would corrupt requests. */
const MANAGED_HEADERS = new Set([
  'content-type',
  'content-encoding',
  'content-length',
  'host',
  'transfer-encoding',
]);

const endpointSchema = z
  .string()
  .min(1, 'must be the base URL of Loki, e.g. http://loki:3100')
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
    if (url.search !== '' || url.hash !== '') {
      ctx.addIssue({ code: 'custom', message: 'must not have a query string or fragment' });
    }
  });

const labelListSchema = z
  .array(z.string())
  .superRefine((names, ctx) => {
    const seen = new Set<string>();
    names.forEach((name, index) => {
      if (seen.has(name)) {
        ctx.addIssue({ code: 'custom', path: [index], message: `"${name}" is listed twice` });
      }
      seen.add(name);
      if (isLabelField(name)) return;
      ctx.addIssue({
        code: 'custom',
        path: [index],
        message: HIGH_CARDINALITY_FIELDS.has(name)
          ? `"${name}" is high-cardinality (a new value for nearly every record) and cannot be a Loki label: every value would open a new stream. It is always in the JSON line (query it with | json | ${name}="…") and can go to structuredMetadata`
          : `"${name}" is not a low-cardinality label field; allowed: ${LABEL_FIELDS.join(', ')}`,
      });
    });
  })
  .default([...DEFAULT_LABELS]);

export const lokiExporterConfigSchema = z
  .strictObject({
    /** Base URL of Loki (or of a gateway in front of it); `pushPath` is appended. */
    endpoint: endpointSchema,
    pushPath: z.string().startsWith('/', 'must start with "/"').default('/loki/api/v1/push'),
    /** `protobuf` (snappy-compressed, Loki's native format) or `json`. */
    encoding: z.enum(['protobuf', 'json']).default('protobuf'),
    /** gzip JSON bodies. Protobuf bodies are always snappy-compressed, as Loki requires. */
    gzip: z.boolean().default(false),
    /**
     * Snappy-compress protobuf bodies on a worker thread, off the application's event loop. `false`
     * compresses on the event loop (one thread less; a 1 MiB request then holds the loop for a few ms).
     */
    compressInWorker: z.boolean().default(true),
    /** Sent as `X-Scope-OrgID` (multi-tenant Loki). */
    tenant: z
      .string()
      .regex(tenantId, "must be 1-150 letters, digits or !-_.*'() (a Loki tenant ID)")
      .refine((t) => t !== '.' && t !== '..', 'must not be "." or ".."')
      .optional(),
    basicAuth: z
      .strictObject({
        username: z.string().min(1, 'must not be empty'),
        password: z.string().min(1, 'must not be empty (take it from the environment)'),
      })
      .optional(),
    bearerToken: z.string().min(1, 'must not be empty (take it from the environment)').optional(),
    headers: z
      .record(
        z.string().regex(headerName, 'must be an HTTP header name'),
        z.string().refine((v) => !/[\r\n]/.test(v), 'must not contain line breaks'),
      )
      .default({}),
    tls: z
      .strictObject({
        /** PEM file of the CA(s) to trust instead of Node's default store. */
        caFile: z.string().min(1).optional(),
        /** PEM client certificate and key for mutual TLS; both or neither. */
        certFile: z.string().min(1).optional(),
        keyFile: z.string().min(1).optional(),
        /** Name checked against the server certificate (SNI), when it differs from the URL's host. */
        serverName: z.string().min(1).optional(),
        /** Accept any server certificate. For tests only: it disables server authentication. */
        insecureSkipVerify: z.boolean().default(false),
      })
      .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
        message: 'certFile and keyFile go together (mutual TLS needs both)',
      })
      .prefault({}),
    /** Record fields that become stream labels: low-cardinality fields only. */
    labels: labelListSchema,
    /** Constant labels added to every stream, e.g. `{ cluster: eu-1 }`. */
    staticLabels: z
      .record(
        z
          .string()
          .regex(labelName, labelNameRule)
          .refine((n) => !n.startsWith('__'), 'must not start with "__"'),
        z.string().min(1, 'must not be empty'),
      )
      .default({}),
    /**
     * Top-level fields of the stored record sent as structured metadata (Loki ≥ 2.9 with
     * `allow_structured_metadata`, the default from Loki 3.0). `[]` sends none, for older Lokis.
     */
    structuredMetadata: z
      .array(z.string().regex(labelName, labelNameRule))
      .default(['request_id', 'prediction_id', 'feedback_id', 'trace_id', 'span_id', 'serving_node']),
    /** Uncompressed size of one push request; larger batches are split into several requests. */
    maxRequestBytes: z
      .number()
      .int()
      .min(64 * KiB, 'must be at least 65536')
      .default(MiB),
    /** Lines longer than this (Loki's `max_line_size`) are truncated with a marker and counted. */
    maxLineBytes: z
      .number()
      .int()
      .min(1 * KiB, 'must be at least 1024')
      .default(256 * KiB),
    /**
     * Where batches Loki rejects for good (4xx other than 429) are written as NDJSON of the stored
     * form; a relative path is resolved against the config file's directory. Unset: they are dropped
     * and counted.
     */
    deadLetterDirectory: z.string().min(1).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.gzip && c.encoding !== 'json') {
      ctx.addIssue({
        code: 'custom',
        path: ['gzip'],
        message: 'applies to encoding: json only; protobuf bodies are always snappy-compressed',
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
      } else if (lower === 'x-scope-orgid' && c.tenant !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['headers', name],
          message: 'clashes with tenant; set tenant only',
        });
      }
    }
    const tlsSet =
      c.tls.caFile !== undefined ||
      c.tls.certFile !== undefined ||
      c.tls.serverName !== undefined ||
      c.tls.insecureSkipVerify;
    if (tlsSet && !c.endpoint.startsWith('https:')) {
      ctx.addIssue({ code: 'custom', path: ['tls'], message: 'TLS settings need an https:// endpoint' });
    }
    const labelCount = new Set([...c.labels, ...Object.keys(c.staticLabels)]).size;
    if (labelCount > MAX_LABELS_PER_STREAM) {
      ctx.addIssue({
        code: 'custom',
        path: ['labels'],
        message: `labels and staticLabels together must be at most ${MAX_LABELS_PER_STREAM} (Loki's max_label_names_per_series)`,
      });
    }
    for (const name of Object.keys(c.staticLabels)) {
      if ((c.labels as readonly string[]).includes(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['staticLabels', name],
          message: 'is also a record label in labels; keep one',
        });
      }
    }
    c.structuredMetadata.forEach((name, index) => {
      if ((c.labels as readonly string[]).includes(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['structuredMetadata', index],
          message: `"${name}" is already a label; a field is a label or structured metadata, not both`,
        });
      }
    });
    if (c.maxLineBytes >= c.maxRequestBytes) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxLineBytes'],
        message: 'must be smaller than maxRequestBytes, or a single line could not be sent',
      });
    }
  });

export type LokiExporterConfig = z.output<typeof lokiExporterConfigSchema>;
/** What a config file may contain: every key but `endpoint` has a default. */
export type LokiExporterConfigInput = z.input<typeof lokiExporterConfigSchema>;
