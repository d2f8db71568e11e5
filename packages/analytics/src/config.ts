import { z } from 'zod';

const positiveInt = 'must be a positive whole number';
const unitRange = 'must be a number from 0 to 1';
const unitRate = z.number().min(0, unitRange).max(1, unitRange);

const sketchSchema = z.strictObject({
  /** α of the quantile sketch: every quantile is within ±α·|value| of the exact one. */
  relativeAccuracy: z
    .number()
    .gt(0, 'must be greater than 0')
    .max(0.1, 'must be at most 0.1 (coarser sketches are useless for drift)')
    .default(0.01),
  /** Buckets per sign; past this the smallest magnitudes are merged (the bound then fails for them). */
  maxBuckets: z.number().int(positiveInt).min(64, 'must be at least 64').default(2048),
  /**
   * Distinct numbers per value kept exactly (with their weights): while a feature has at most this
   * many, its percentiles are exact and drift can compare it value by value. 0 keeps none.
   */
  exactValues: z.number().int('must be a whole number').min(0).max(1024, 'must be at most 1024').default(64),
});

const joinSchema = z.strictObject({
  /** `request_id`: exact join; `entity_id`: the closest prediction of the entity within `windowMs`. */
  on: z.enum(['request_id', 'entity_id']).default('request_id'),
  /** Largest |prediction time − label time| an entity join accepts. */
  windowMs: z.number().int(positiveInt).positive(positiveInt).default(86_400_000),
  /** Share of labels that must find their prediction; below it the join warns (exit 1). */
  minMatchRate: unitRate.default(0.9),
  /** Labels held in memory (≈ 50–100 bytes each, off the JS heap) before both sides spill to disk. */
  maxKeysInMemory: z.number().int(positiveInt).min(16, 'must be at least 16').default(1_000_000),
  /** Files per side when the join spills (and per level of re-partitioning). */
  spillPartitions: z.number().int(positiveInt).min(2, 'must be at least 2').max(1024).default(64),
  /** Where spill files go; a temp directory under the OS default when unset. Removed afterwards. */
  spillDirectory: z.string().min(1).optional(),
});

const classificationSchema = z.strictObject({
  /** Label values (compared as text) that mean the positive class; `true` always does. */
  positiveLabels: z.array(z.string()).min(1, 'needs at least one label').default(['1', 'true']),
  /** Threshold for records that carry none. */
  fallbackThreshold: z.number().default(0.5),
  /** When set, replaces every record's own threshold. */
  thresholdOverride: z.number().nullable().default(null),
  /** Equal-width bins on [0, 1] of the expected calibration error. */
  eceBins: z.number().int(positiveInt).min(1).max(1000).default(10),
  /** Distinct scores kept exactly for the AUC before scores are snapped to a grid (error then bounded). */
  maxScoreKeys: z.number().int(positiveInt).min(64, 'must be at least 64').default(16_384),
});

const cohortDimension = z.enum(['version', 'segment', 'date']);

const evaluateSchema = z.strictObject({
  /** `auto`: regression when predictions are numbers without a score, classification otherwise. */
  task: z.enum(['auto', 'classification', 'regression']).default('auto'),
  /** Cohort dimensions reported beside the overall figures. */
  cohorts: z.array(cohortDimension).default(['version', 'segment', 'date']),
  /** Distinct values per dimension; later ones are pooled as `(other)`. */
  maxCohortsPerDimension: z.number().int(positiveInt).min(1).default(100),
  /** A [0, 1] metric (AUC, precision, recall, F1, ECE) worse than the baseline by more fails. */
  absoluteTolerance: z.number().min(0).default(0.02),
  /** An error metric (MAE, RMSE, MAPE) worse than the baseline by more than this share fails. */
  relativeTolerance: z.number().min(0).default(0.1),
});

const driftSchema = z
  .strictObject({
    /** Baseline from the logs: the first this many days (UTC) present in the tree. */
    baselineDays: z.number().int(positiveInt).positive(positiveInt).default(7),
    /** PSI bins, their edges at the baseline's quantiles (fewer when values repeat). */
    psiBins: z.number().int(positiveInt).min(2).max(100).default(10),
    /** Share that stands in for an empty bin, so ln(a/e) stays finite. */
    psiEpsilon: z.number().gt(0).max(0.01).default(1e-4),
    /** PSI at or above this is moderate drift. */
    moderatePsi: z.number().gt(0).default(0.1),
    /** PSI above this is significant drift (exit 1). */
    significantPsi: z.number().gt(0).default(0.2),
    /** Significance level of the KS test and of the positive-rate z-test. */
    alpha: z.number().gt(0).lt(1).default(0.05),
    /**
     * Numbers with at most this many distinct values in the baseline (flags, counts, ratings) are
     * compared value by value (PSI per value, χ²), not over quantile bins. Distinct values are known
     * only up to `sketch.exactValues`, which therefore caps this.
     */
    discreteMaxValues: z.number().int(positiveInt).min(1).max(1024).default(10),
    /** Categories kept per feature; rarer ones are pooled as `(other)`. */
    maxCategories: z.number().int(positiveInt).min(1).default(50),
    /** Features profiled; later ones are counted and ignored. */
    maxFeatures: z.number().int(positiveInt).min(1).default(500),
  })
  .refine((d) => d.moderatePsi <= d.significantPsi, {
    path: ['significantPsi'],
    message: 'must not be less than moderatePsi',
  });

const shadowSchema = z.strictObject({
  /** Records waiting for their partner in memory before they are hash-partitioned to disk. */
  maxWaitingInMemory: z.number().int(positiveInt).min(16, 'must be at least 16').default(200_000),
  /** `model_role` of the serving model; records without a role count as champion. */
  championRole: z.string().min(1).default('champion'),
  /** `model_role` of the shadow model. */
  challengerRole: z.string().min(1).default('challenger'),
});

const reportSchema = z.strictObject({
  /** Equal-width bars of the score histograms. */
  histogramBins: z.number().int(positiveInt).min(2).max(200).default(20),
  title: z.string().min(1).default('predlog model report'),
  /**
   * Fields the report breaks the trends down by, beside the model version: looked up on the record,
   * then in its attributes, then in its input features; a field no record has is left out.
   */
  cohortFields: z
    .array(z.string().min(1, 'must not be empty'))
    .max(10, 'at most 10 fields')
    .default(['segment', 'channel', 'region']),
  /** Distinct values per breakdown (version or field); later ones are pooled as `(other)`. */
  maxCohortValues: z.number().int(positiveInt).min(1).max(100).default(20),
  /** Lines per breakdown chart: the heaviest values (the table lists them all). */
  maxSeries: z.number().int(positiveInt).min(1).max(10).default(6),
  /** Trend points per UTC day or hour; `auto`: hours when the report spans at most 2 days. */
  trendPeriod: z.enum(['auto', 'day', 'hour']).default('auto'),
});

export const analyticsConfigSchema = z.strictObject({
  sketch: sketchSchema.prefault({}),
  join: joinSchema.prefault({}),
  classification: classificationSchema.prefault({}),
  evaluate: evaluateSchema.prefault({}),
  drift: driftSchema.prefault({}),
  shadow: shadowSchema.prefault({}),
  report: reportSchema.prefault({}),
});

export type AnalyticsConfig = z.infer<typeof analyticsConfigSchema>;
export type AnalyticsConfigInput = z.input<typeof analyticsConfigSchema>;
export type CohortDimension = z.infer<typeof cohortDimension>;
export type SketchConfig = AnalyticsConfig['sketch'];
export type JoinConfig = AnalyticsConfig['join'];
export type ClassificationConfig = AnalyticsConfig['classification'];
export type EvaluateConfig = AnalyticsConfig['evaluate'];
export type DriftConfig = AnalyticsConfig['drift'];
export type ReportConfig = AnalyticsConfig['report'];
