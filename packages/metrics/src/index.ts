export {
  DEFAULT_ENTROPY_BUCKETS,
  DEFAULT_REQUEST_DURATION_BUCKETS_SECONDS,
  DEFAULT_SCORE_BUCKETS,
  MAX_SERIES_PER_INSTRUMENT,
  type MetricsConfig,
  type MetricsConfigInput,
  metricsConfigSchema,
} from './config.ts';
export { type CreateModelMetricsOptions, createModelMetrics } from './factory.ts';
export { type BaselineBucketsOptions, featureBucketsFromBaseline } from './feature-buckets.ts';
export {
  ModelMetrics,
  type ModelMetricsOptions,
  type ModelRef,
  type RequestOutcome,
  type ServingRequest,
  type StartRequestOptions,
} from './model-metrics.ts';
