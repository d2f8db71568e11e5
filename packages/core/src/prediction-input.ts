/** What the caller passes to `PredictionLogger.record()`: camelCase, every field but the prediction optional. */
export interface PredictionInput {
  /** Join key for feedback and cross-service correlation (X-Request-ID). Generated when absent. */
  requestId?: string;
  /** Unique per prediction. Generated when absent. */
  predictionId?: string;
  /** When the prediction was made: Date, epoch milliseconds or ISO string. Defaults to now. */
  timestamp?: Date | number | string;
  /** Model name, or name and version; defaults to the logger's `model` option. */
  model?: string | ModelIdentity;
  /** The feature vector after preprocessing: a flat map of scalars. */
  features?: Readonly<Record<string, unknown>>;
  /** The original request payload, any JSON-like value. */
  rawInput?: unknown;
  /** The decision: a label, a number or an array. */
  prediction?: unknown;
  score?: number;
  probabilities?: Readonly<Record<string, number>> | readonly number[];
  threshold?: number;
  latencyMs?: number;
  /** Defaults to the pod or host name. */
  servingNode?: string;
  /** A failed model call: an Error, or a short error type string. Sets status `error`. */
  error?: unknown;
  entityId?: string;
  sessionId?: string;
  segment?: string;
  channel?: string;
  region?: string;
  /** Default: the active OTel span's ids. */
  traceId?: string;
  spanId?: string;
  featureFreshnessMaxAgeS?: number;
  /** Default: counted from `features` (null, undefined and non-finite values). */
  nullFeatureCount?: number;
  explanation?: ReadonlyArray<{ feature: string; contribution: number; value?: unknown }>;
  /** Keep this record whatever the sampling rate. */
  force?: boolean;
  /** `champion`, or `challenger` for a shadow prediction of the same request. */
  role?: string;
  /** Shared by the rows of one batched predict call. */
  batchId?: string;
}

export interface ModelIdentity {
  name: string;
  version: string;
  framework?: string;
  /**
   * When this version was deployed (a Date, epoch milliseconds or an ISO string), not when the
   * process started: the sampler keeps a version's records for a while after its deployment.
   */
  deployedAt?: Date | number | string;
}

/** What the caller passes to `PredictionLogger.feedback()`. */
export interface FeedbackInput {
  requestId?: string;
  entityId?: string;
  label?: string | number | boolean;
  value?: number;
  /** An explicit complaint about the decision. */
  complaint?: boolean;
  /** Where the truth came from: `chargeback`, `human_review`, ... */
  source: string;
  timestamp?: Date | number | string;
  modelName?: string;
  feedbackId?: string;
}
