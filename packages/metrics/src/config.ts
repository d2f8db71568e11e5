import { z } from 'zod';

/**
 * Latency buckets in seconds: the SLA buckets of issue 7 (10 ms – 5 s) with six below them down to
 * 100 µs, so a sub-millisecond model's p50/p95/p99 resolve instead of all reading "under 10 ms".
 */
export const DEFAULT_REQUEST_DURATION_BUCKETS_SECONDS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
] as const;

/** Twenty equal-width buckets over [0, 1]: fine enough for a heatmap and a shift alert. */
export const DEFAULT_SCORE_BUCKETS = Array.from({ length: 20 }, (_, i) => (i + 1) / 20);

/**
 * The OTel SDK keeps at most 2000 series per metric stream (its own overflow series included) and
 * lumps the rest into `otel.metric.overflow`; predlog's cap, plus its `other` series, stays below.
 */
export const MAX_SERIES_PER_INSTRUMENT = 1998;

/** Ten equal-width buckets of normalised entropy: 0 (certain) to 1 (a coin toss). */
export const DEFAULT_ENTROPY_BUCKETS = Array.from({ length: 10 }, (_, i) => (i + 1) / 10);

const ascendingRule = 'must be finite numbers in strictly ascending order';

const bucketBoundaries = z
  .array(z.number().refine(Number.isFinite, 'must be a finite number'))
  .min(1, 'must hold at least one bucket boundary')
  .max(256, 'must hold at most 256 bucket boundaries')
  .refine((bounds) => bounds.every((b, i) => i === 0 || b > (bounds[i - 1] as number)), ascendingRule);

const labelName = /^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/;
const featureRule =
  'must be a feature name: 1-128 letters, digits, "_", ".", ":" or "-", not starting with a digit';

export const metricsConfigSchema = z.strictObject({
  /**
   * Series one instrument may hold (one per label combination). A new combination past the cap is
   * recorded in the instrument's `other` series and counted in `predlog_metrics_series_overflow_total`.
   */
  maxSeriesPerInstrument: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(
      MAX_SERIES_PER_INSTRUMENT,
      `must be at most ${MAX_SERIES_PER_INSTRUMENT} (the OTel SDK caps a metric at 2000 series)`,
    )
    .default(1000),
  /** Label values longer than this are cut (an unexpected long value must not bloat every scrape). */
  maxLabelValueLength: z.number().int('must be a whole number').min(8).max(1024).default(128),
  /** `model_request_duration_seconds` buckets. */
  requestDurationBucketsSeconds: bucketBoundaries.default([...DEFAULT_REQUEST_DURATION_BUCKETS_SECONDS]),
  /** `prediction_score_distribution` buckets; scores are probabilities, so within [0, 1]. */
  scoreBuckets: bucketBoundaries
    .refine(
      (bounds) => bounds.every((b) => b >= 0 && b <= 1),
      'must lie within [0, 1] (scores are probabilities)',
    )
    .default(DEFAULT_SCORE_BUCKETS),
  /**
   * Key features whose values get a `feature_value_distribution{feature}` histogram, each with its
   * buckets (write them by hand, or compute them from training data with `featureBucketsFromBaseline`).
   */
  features: z
    .record(z.string(), z.strictObject({ buckets: bucketBoundaries }))
    .superRefine((features, ctx) => {
      // Checked here rather than as the record's key schema, whose error would not say the rule.
      for (const name of Object.keys(features))
        if (!labelName.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: featureRule });
    })
    .default({}),
  /** `prediction_entropy` buckets (normalised entropy of the score, 0–1). */
  entropyBuckets: bucketBoundaries
    .refine(
      (bounds) => bounds.every((b) => b >= 0 && b <= 1),
      'must lie within [0, 1] (entropy is normalised)',
    )
    .default(DEFAULT_ENTROPY_BUCKETS),
  /**
   * Baseline ranges of features (say the training set's 0.5% and 99.5% quantiles): a prediction
   * with a value outside one counts in `model_feature_anomalies_total`. Empty: no anomaly metric.
   */
  featureRanges: z
    .record(
      z.string(),
      z
        .strictObject({
          min: z.number().refine(Number.isFinite, 'must be a finite number').optional(),
          max: z.number().refine(Number.isFinite, 'must be a finite number').optional(),
        })
        .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, {
          path: ['max'],
          message: 'must not be below min',
        }),
    )
    .superRefine((ranges, ctx) => {
      for (const name of Object.keys(ranges))
        if (!labelName.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: featureRule });
    })
    .default({}),
  prometheus: z
    .strictObject({
      /** Path of the scrape endpoint, on the standalone server and for `handleScrape`. */
      endpoint: z
        .string()
        .regex(/^\/[^\s?#]*$/, 'must be a path starting with "/"')
        .default('/metrics'),
      /** When set, a standalone server listens here (0 picks a free port). Unset: mount `handleScrape`. */
      port: z.number().int().min(0).max(65_535, 'must be a port from 0 to 65535').optional(),
      host: z.string().min(1).default('127.0.0.1'),
      /** Expose `target_info` with the resource attributes (service.name, host.name, ...). */
      targetInfo: z.boolean().default(true),
      /** Resource attributes matching this regular expression become labels on every series. */
      resourceLabelsPattern: z
        .string()
        .refine((text) => {
          try {
            new RegExp(text);
            return true;
          } catch {
            return false;
          }
        }, 'must be a valid regular expression')
        .optional(),
    })
    .default({ endpoint: '/metrics', host: '127.0.0.1', targetInfo: true }),
  /** OTLP/HTTP export of the same metrics (cumulative temporality); unset: no OTLP export. */
  otlp: z
    .strictObject({
      /** Full URL of the metrics endpoint, e.g. `http://otel-collector:4318/v1/metrics`. */
      url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
      /** Extra request headers; take an API key from the environment in code, never from a committed file. */
      headers: z.record(z.string(), z.string()).default({}),
      exportIntervalMs: z.number().int().min(1000, 'must be at least 1000 ms').default(60_000),
      exportTimeoutMs: z.number().int().min(100, 'must be at least 100 ms').default(30_000),
    })
    .refine((otlp) => otlp.exportTimeoutMs <= otlp.exportIntervalMs, {
      path: ['exportTimeoutMs'],
      message: 'must not be longer than exportIntervalMs',
    })
    .optional(),
});

export type MetricsConfig = z.output<typeof metricsConfigSchema>;
/** What a config may contain: every key has a default or is optional. */
export type MetricsConfigInput = z.input<typeof metricsConfigSchema>;
