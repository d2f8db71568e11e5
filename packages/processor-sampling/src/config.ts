import { z } from 'zod';

const HOUR_MS = 60 * 60 * 1000;
const unitRange = 'must be a number from 0 to 1';
const positiveInt = 'must be a positive whole number';

const unitRate = z.number().min(0, unitRange).max(1, unitRange);

/** The field's defaults: 100% below 100k predictions/day, 50% up to 1M/day, 10% above. */
export const DEFAULT_VOLUME_TIERS: ReadonlyArray<{ belowPerDay?: number; rate: number }> = [
  { belowPerDay: 100_000, rate: 1 },
  { belowPerDay: 1_000_000, rate: 0.5 },
  { rate: 0.1 },
];

const volumeTierSchema = z.strictObject({
  /** Upper bound (exclusive) of the tier in predictions/day; the last tier has none. */
  belowPerDay: z.number().int(positiveInt).positive(positiveInt).optional(),
  rate: unitRate,
});

const bucketsSchema = z
  .strictObject({
    /** Number of equal-width bins on [min, max], or of quantile bins when `quantile` is on. */
    count: z.number().int(positiveInt).min(1).max(1000, 'must be at most 1000').default(20),
    min: z.number().default(0),
    max: z.number().default(1),
    /** Explicit ascending edges; replaces count/min/max. */
    edges: z.array(z.number()).min(2, 'needs at least two edges').optional(),
    /** Learn `count` quantile bins per model from its first `warmupRecords` scores (regression). */
    quantile: z.boolean().default(false),
    warmupRecords: z.number().int(positiveInt).min(100, 'must be at least 100').default(10_000),
  })
  .superRefine((b, ctx) => {
    if (!(b.min < b.max))
      ctx.addIssue({ code: 'custom', path: ['max'], message: 'must be greater than min' });
    if (b.edges !== undefined) {
      if (b.quantile)
        ctx.addIssue({
          code: 'custom',
          path: ['edges'],
          message: 'cannot be combined with quantile: true (quantile bins learn their own edges)',
        });
      for (let i = 1; i < b.edges.length; i++) {
        if (!((b.edges[i] as number) > (b.edges[i - 1] as number))) {
          ctx.addIssue({ code: 'custom', path: ['edges', i], message: 'edges must be strictly ascending' });
          break;
        }
      }
    }
  });

const featureRangeSchema = z
  .strictObject({
    min: z.number().optional(),
    max: z.number().optional(),
  })
  .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, {
    path: ['max'],
    message: 'must not be less than min',
  });

const alwaysKeepSchema = z.strictObject({
  /** Honour the caller's `force: true` (attribute `ml.sampling.force`). */
  force: z.boolean().default(true),
  /** Failed model calls (`ml.prediction.status: error`). */
  errors: z.boolean().default(true),
  /**
   * Share of this model's recent scores kept at each end of its own distribution (below its
   * p(share), above its p(1 − share)); `null` turns the rule off. Default 0.0025 (off with quantile
   * buckets, whose scores have no bounded range).
   */
  scoreTail: z
    .number()
    .positive('must be a number above 0 and at most 0.1')
    .max(0.1, 'must be a number above 0 and at most 0.1')
    .nullable()
    .optional(),
  /** Keep scores above this fixed bound; `null` (default) turns the rule off. */
  scoreAbove: z.number().nullable().default(null),
  /** Keep scores below this fixed bound; `null` (default) turns the rule off. */
  scoreBelow: z.number().nullable().default(null),
  /** Keep |score − threshold| < this; `null` turns the rule off. */
  nearThresholdDelta: z.number().positive('must be a positive number').nullable().default(0.01),
  /** Keep records slower than this; `null` (default) turns the rule off. */
  latencyAboveMs: z.number().positive('must be a positive number').nullable().default(null),
  /** Key features: a record whose value is null/missing or outside [min, max] is kept. */
  features: z.record(z.string().min(1, 'feature names cannot be empty'), featureRangeSchema).default({}),
  /**
   * Most of a model's recent records each rule (all but `force` and `new_version`) keeps with
   * certainty; beyond it the rule's records are drawn with probability maxShare / its share (never
   * below the rate) and weighted 1 / that. 1 turns the cap off.
   */
  maxShare: z
    .number()
    .positive('must be a number above 0 and at most 1')
    .max(1, 'must be a number above 0 and at most 1')
    .default(0.005),
});

const scoreDistributionSchema = z.strictObject({
  /** Scores a model must have sent before the tail rule fires. */
  warmupScores: z.number().int(positiveInt).min(100, 'must be at least 100').default(4000),
  /** Scores after which an old score counts half in the estimate (exponential forgetting). */
  halfLifeScores: z.number().int(positiveInt).min(1000, 'must be at least 1000').default(100_000),
});

const newVersionSchema = z.strictObject({
  /** How long after a model version's deployment (`model.deployedAt`) its records get `rate`; 0 turns the rule off. */
  windowMs: z
    .number()
    .int(positiveInt)
    .min(0)
    .default(24 * HOUR_MS),
  /** Rate for a version deployed less than `windowMs` ago (1 = keep all, reason `new_version`). */
  rate: unitRate.default(1),
  // Gone with first-seen versions; the key stays only to tell a config that still sets it why.
  ignoreFirstVersion: z
    .unknown()
    .refine((v) => v === undefined, {
      message:
        'was removed: a version is new only by its deployment time (model.deployedAt), never because a process started; delete the key',
    })
    .optional(),
});

const rateLimitSchema = z
  .strictObject({
    /** Token refill rate per model. */
    recordsPerSecond: z.number().positive('must be a positive number'),
    /** Bucket size; default one second of `recordsPerSecond`. */
    burstRecords: z.number().int(positiveInt).positive(positiveInt).optional(),
    /** Share of the bucket only anomaly-always records may use, so ordinary records are shed first. */
    anomalyReserveFraction: z.number().min(0).max(0.9, 'must be a number from 0 to 0.9').default(0.2),
  })
  .transform((r) => ({
    recordsPerSecond: r.recordsPerSecond,
    burstRecords: r.burstRecords ?? Math.max(1, Math.ceil(r.recordsPerSecond)),
    anomalyReserveFraction: r.anomalyReserveFraction,
  }));

export const samplingConfigSchema = z
  .strictObject({
    /** Hash seed: processors (and tail retention) with the same seed decide alike per request id. */
    seed: z
      .number()
      .int('must be a whole number from 0 to 4294967295')
      .min(0)
      .max(0xffff_ffff, 'must be a whole number from 0 to 4294967295')
      .default(0),
    /** A fixed base rate for every model; replaces volumeTiers. */
    rate: unitRate.optional(),
    volumeTiers: z.array(volumeTierSchema).min(1, 'needs at least one tier').optional(),
    /** Sliding window of the per-model volume estimate that picks the tier. */
    volumeWindowMs: z
      .number()
      .int(positiveInt)
      .min(60_000, 'must be at least 60000 (1 minute)')
      .default(HOUR_MS),
    /** A model moves down a tier only when its volume is this share below the boundary. */
    tierHysteresis: z.number().min(0).max(0.5, 'must be a number from 0 to 0.5').default(0.1),
    buckets: bucketsSchema.prefault({}),
    /** The first records of each score bucket in each window are kept (weight 1), so no bucket is empty. */
    minPerBucket: z.number().int('must be a whole number').min(0).default(10),
    bucketWindowMs: z.number().int(positiveInt).min(1000, 'must be at least 1000').default(HOUR_MS),
    alwaysKeep: alwaysKeepSchema.prefault({}),
    /** How the tail rule estimates each model's own score distribution. */
    scoreDistribution: scoreDistributionSchema.prefault({}),
    newVersion: newVersionSchema.prefault({}),
    rateLimit: rateLimitSchema.optional(),
    /** Distinct model names tracked; later ones share one state (`_other`). */
    maxModels: z.number().int(positiveInt).positive(positiveInt).max(100_000).default(1000),
  })
  .superRefine((c, ctx) => {
    if (c.buckets.quantile && typeof c.alwaysKeep.scoreTail === 'number')
      ctx.addIssue({
        code: 'custom',
        path: ['alwaysKeep', 'scoreTail'],
        message:
          'needs scores on a bounded range and cannot be combined with buckets.quantile: true (set scoreAbove / scoreBelow for a regression model)',
      });
    if (c.rate !== undefined && c.volumeTiers !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['rate'],
        message: 'set either rate (one fixed rate) or volumeTiers, not both',
      });
    const tiers = c.volumeTiers;
    if (tiers !== undefined) {
      tiers.forEach((tier, i) => {
        const last = i === tiers.length - 1;
        if (last && tier.belowPerDay !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['volumeTiers', i, 'belowPerDay'],
            message: 'the last tier takes every volume above the others and has no belowPerDay',
          });
        if (!last && tier.belowPerDay === undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['volumeTiers', i, 'belowPerDay'],
            message: 'every tier but the last needs belowPerDay',
          });
        const previous = tiers[i - 1]?.belowPerDay;
        if (previous !== undefined && tier.belowPerDay !== undefined && tier.belowPerDay <= previous)
          ctx.addIssue({
            code: 'custom',
            path: ['volumeTiers', i, 'belowPerDay'],
            message: 'tiers must be in ascending order of belowPerDay',
          });
      });
    }
  })
  .transform((c) => {
    // The tail rule needs scores on a bounded range (a classifier's [0, 1], or the bucket range);
    // a regression model's values (quantile buckets) have none, so it defaults to off there.
    const bounded = !c.buckets.quantile;
    const { ignoreFirstVersion: _removed, ...newVersion } = c.newVersion;
    return {
      ...c,
      volumeTiers: c.volumeTiers ?? DEFAULT_VOLUME_TIERS.map((t) => ({ ...t })),
      alwaysKeep: {
        ...c.alwaysKeep,
        scoreTail: c.alwaysKeep.scoreTail === undefined ? (bounded ? 0.0025 : null) : c.alwaysKeep.scoreTail,
      },
      newVersion,
    };
  });

export type SamplingConfig = z.output<typeof samplingConfigSchema>;
/** What a config file may contain: every key has a default. */
export type SamplingConfigInput = z.input<typeof samplingConfigSchema>;
