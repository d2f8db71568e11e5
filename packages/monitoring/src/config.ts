import { z } from 'zod';

/**
 * The `monitoring:` section of a `model-monitoring.yaml` that ships beside a model artifact: what
 * to watch for this model, how closely (its tier), and who is told. One section, not the whole
 * file, so it can also sit in a model registry's own metadata file next to keys predlog does not own.
 */

const unitRange = 'must be a number from 0 to 1';
const unit = z.number().min(0, unitRange).max(1, unitRange);

/** Letters, digits and `_ . : -`: the name is a label value, a receiver name and part of a group name. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const nameRule = 'must start with a letter or digit and hold only letters, digits, _ . : -';

/** A Prometheus duration: `90s`, `15m`, `6h`, `1d`, `2w`. */
export const durationSchema = z
  .string()
  .regex(/^[1-9]\d*(s|m|h|d|w)$/, 'must be a duration such as 90s, 15m, 6h, 1d or 2w');

/** Where a receiver's secret lives: a file Alertmanager reads, never the value in this file. */
const secretFile = z.string().regex(/^\//, 'must be an absolute path to a file Alertmanager can read');

export const receiverSchema = z
  .strictObject({
    /** Slack: the channel, and the file holding the incoming-webhook URL (a secret). */
    slack: z
      .strictObject({
        channel: z.string().regex(/^[#@][^\s]+$/, 'must be a #channel or @user'),
        apiUrlFile: secretFile,
      })
      .optional(),
    /** PagerDuty Events API v2: the file holding the integration's routing key (a secret). */
    pagerduty: z.strictObject({ routingKeyFile: secretFile }).optional(),
    /** Any webhook (a ticketing bridge, OpsGenie, a training pipeline). */
    webhook: z
      .strictObject({ url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }) })
      .optional(),
  })
  .refine((r) => r.slack !== undefined || r.pagerduty !== undefined || r.webhook !== undefined, {
    message: 'needs at least one of slack, pagerduty, webhook',
  });
export type Receiver = z.output<typeof receiverSchema>;

export const TIERS = ['T1', 'T2', 'T3'] as const;
export type Tier = (typeof TIERS)[number];

export const OUTPUT_TYPES = ['binary_classifier', 'multiclass', 'regression', 'ranking'] as const;

export const modelMonitoringConfigSchema = z
  .strictObject({
    /** The model as it is logged (`ml.model.name`, the `model_name` label). */
    model: z.string().regex(NAME_PATTERN, nameRule),
    /** T1 revenue-critical, T2 operational, T3 experimental: the frequencies in tier-policy.ts. */
    tier: z.enum(TIERS, { error: 'must be T1 (revenue-critical), T2 (operational) or T3 (experimental)' }),
    description: z.string().optional(),
    owner: z.strictObject({
      /** The owning team: a label on every alert (`team`), and the receivers' names. */
      team: z.string().regex(NAME_PATTERN, nameRule),
      /** Where the model's alerts go. */
      receiver: receiverSchema,
    }),
    /** Unacknowledged page alerts go on to this receiver (the team lead). */
    escalation: z
      .strictObject({
        receiver: receiverSchema,
        /** Minutes a page may stay unacknowledged (unsilenced); default by tier: T1 15, T2 60. */
        afterMinutes: z.number().int('must be a whole number').min(1).max(1440).optional(),
      })
      .optional(),
    output: z
      .strictObject({
        type: z.enum(OUTPUT_TYPES),
        /**
         * Watch the score histogram (`prediction_score_distribution`) for drift. Default: true for
         * classifiers; a regression or ranking model's output needs score buckets over its own range.
         */
        scoreDrift: z.boolean().optional(),
      })
      .prefault({ type: 'binary_classifier' }),
    /** Key features watched for drift: names as in `metrics.features` of the service's predlog.yaml. */
    features: z
      .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.:-]*$/, 'must be a metrics feature name'))
      .default([]),
    drift: z
      .strictObject({
        /**
         * Binned KS distance (the largest gap between the cumulative bucket shares of the current
         * window and the baseline) above which a ticket is opened.
         */
        warnDistance: unit.default(0.1),
        /** Above this: the drift alert (a page for T1). */
        alertDistance: unit.default(0.2),
        /** Observations the current window needs before its distance counts. */
        minObservations: z.number().int('must be a whole number').min(1).default(100),
      })
      .prefault({})
      .refine((d) => d.alertDistance >= d.warnDistance, {
        path: ['alertDistance'],
        message: 'must be at least warnDistance',
      }),
    serving: z
      .strictObject({
        /** Share of requests answered 5xx. */
        maxErrorRate: unit.default(0.05),
        /** p99 of request duration, in seconds. */
        maxP99LatencySeconds: z.number().positive('must be a positive number of seconds').default(0.5),
      })
      .prefault({}),
    /** The business metric the model moves, as the service or a warehouse exporter exposes it. */
    businessMetric: z
      .strictObject({
        name: z.string().min(1),
        /** PromQL giving one series (the metric's current value). */
        query: z.string().min(1),
        /** Out of [min, max] for `for`: an alert. Neither set: shown on the dashboard only. */
        min: z.number().optional(),
        max: z.number().optional(),
        for: durationSchema.default('1h'),
      })
      .optional(),
    /**
     * When to ask for a retrain: the last day's distribution of a key feature (or the score) differs
     * from the same day `horizon` ago by at least `driftDistance`, continuously for half the horizon.
     */
    retraining: z
      .strictObject({
        /** Default: drift.alertDistance. */
        driftDistance: unit.optional(),
        /** Default by tier: T1 3d, T2 7d, T3 7d (within Prometheus' default 15-day retention). */
        horizon: durationSchema.optional(),
        /** The training pipeline's hook; default: the owner's receiver. */
        receiver: receiverSchema.optional(),
      })
      .optional(),
  })
  .superRefine((c, ctx) => {
    const b = c.businessMetric;
    if (b?.min !== undefined && b.max !== undefined && b.min > b.max)
      ctx.addIssue({ code: 'custom', path: ['businessMetric', 'max'], message: 'must be at least min' });
    if (c.tier === 'T1' && c.escalation === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['escalation'],
        message: 'a T1 (revenue-critical) model needs an escalation receiver for unacknowledged pages',
      });
    const scoreDrift = c.output.scoreDrift ?? isClassifier(c.output.type);
    if (c.features.length === 0 && !scoreDrift)
      ctx.addIssue({
        code: 'custom',
        path: ['features'],
        message: 'nothing to watch for drift: list key features or set output.scoreDrift: true',
      });
    const seen = new Set<string>();
    c.features.forEach((f, i) => {
      if (seen.has(f))
        ctx.addIssue({ code: 'custom', path: ['features', i], message: `"${f}" is listed twice` });
      seen.add(f);
    });
  })
  .transform((c) => ({
    ...c,
    output: { type: c.output.type, scoreDrift: c.output.scoreDrift ?? isClassifier(c.output.type) },
  }));

export type ModelMonitoringConfig = z.output<typeof modelMonitoringConfigSchema>;
export type ModelMonitoringConfigInput = z.input<typeof modelMonitoringConfigSchema>;

function isClassifier(type: (typeof OUTPUT_TYPES)[number]): boolean {
  return type === 'binary_classifier' || type === 'multiclass';
}
