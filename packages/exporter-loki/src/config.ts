import {
  basicAuthSchema,
  bearerTokenSchema,
  checkHttpSettings,
  httpHeadersSchema,
  httpUrlSchema,
  tlsSettingsSchema,
} from '@predlog/core';
import { z } from 'zod';
import {
  DEFAULT_LABELS,
  HIGH_CARDINALITY_FIELDS,
  isLabelField,
  LABEL_FIELDS,
  MAX_LABEL_NAME_BYTES,
  MAX_LABEL_VALUE_BYTES,
} from './internal/label-fields.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Loki's default `max_label_names_per_series`: a stream with more labels is rejected. */
export const MAX_LABELS_PER_STREAM = 15;

const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const labelNameRule = 'must be a Loki label name: letters, digits and "_", not starting with a digit';
/** Loki's tenant ID rules: up to 150 of these characters, and not "." or "..". */
const tenantId = /^[A-Za-z0-9!._*'()-]{1,150}$/;

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
    endpoint: httpUrlSchema('http://loki:3100', { bare: true }),
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
    basicAuth: basicAuthSchema.optional(),
    bearerToken: bearerTokenSchema.optional(),
    headers: httpHeadersSchema,
    tls: tlsSettingsSchema({ serverName: true }),
    /** Record fields that become stream labels: low-cardinality fields only. */
    labels: labelListSchema,
    /** Constant labels added to every stream, e.g. `{ cluster: eu-1 }`. */
    staticLabels: z
      .record(
        z
          .string()
          .regex(labelName, labelNameRule)
          .max(
            MAX_LABEL_NAME_BYTES,
            `must be at most ${MAX_LABEL_NAME_BYTES} characters (Loki's max_label_name_length)`,
          )
          .refine((n) => !n.startsWith('__'), 'must not start with "__"'),
        z
          .string()
          .min(1, 'must not be empty')
          .refine(
            (v) => Buffer.byteLength(v, 'utf8') <= MAX_LABEL_VALUE_BYTES,
            `must be at most ${MAX_LABEL_VALUE_BYTES} bytes of UTF-8 (Loki's max_label_value_length)`,
          ),
      )
      .default({}),
    /**
     * Distinct label sets (streams) this exporter keeps apart; the record labels of any further set
     * fold to `__overflow__`, the resource's and `retention` aside (the values stay in the line).
     * A fifth of Loki's default per-tenant `max_global_streams_per_user` (5,000), far above what the
     * label allow-list gives in practice (models × versions × events × retention classes × envs).
     */
    maxStreams: z.number().int().min(1, 'must be at least 1').default(1000),
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
    /**
     * Loki's `max_line_size`: a longer line would be refused by Loki, so it is handled before
     * sending, as `oversizedLines` says.
     */
    maxLineBytes: z
      .number()
      .int()
      .min(1 * KiB, 'must be at least 1024')
      .default(256 * KiB),
    /**
     * A line over `maxLineBytes`: `reject` keeps it out of the push (counted as rejected, written to
     * `deadLetterDirectory`); `truncate` sends it cut to fit, valid JSON where it can be.
     */
    oversizedLines: z.enum(['reject', 'truncate']).default('reject'),
    /**
     * Loki's `reject_old_samples_max_age` (default 1 week): an entry older than this would be
     * refused by Loki, so it is kept out of the push (counted as rejected, dead-lettered).
     */
    rejectOldSamplesMaxAgeMs: z
      .number()
      .int()
      .positive('must be a positive number of milliseconds')
      .default(7 * 24 * 60 * 60 * 1000),
    /**
     * Where records refused for good are written as NDJSON of the stored form: those Loki names in
     * a 4xx answer and those kept out before sending (too old, a line too long); a relative path is
     * resolved against the config file's directory. Unset: they are dropped and counted.
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
    checkHttpSettings(c, c.endpoint, ctx, (header) =>
      header === 'x-scope-orgid' && c.tenant !== undefined
        ? 'clashes with tenant; set tenant only'
        : undefined,
    );
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
