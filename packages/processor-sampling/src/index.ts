export {
  DEFAULT_VOLUME_TIERS,
  type SamplingConfig,
  type SamplingConfigInput,
  samplingConfigSchema,
} from './config.ts';
export { samplingProcessorFactory } from './factory.ts';
export {
  FORCE_ATTRIBUTE,
  type MutablePredictionView,
  readPredictionView,
} from './internal/prediction-view.ts';
export type { SamplingErrorCounts } from './internal/sampling-metrics.ts';
export { DROP_REASONS, type DropReason, KEEP_REASONS, type KeepReason } from './internal/sampling-reasons.ts';
export {
  type SamplingModelStats,
  SamplingProcessor,
  type SamplingServices,
  type SamplingStats,
} from './processor.ts';
export {
  type SimulationOptions,
  type SimulationReport,
  type SimulationRule,
  simulateSampling,
} from './simulation.ts';
export {
  DEFAULT_MAX_SAMPLE_RECORDS,
  type SimulationLine,
  type SimulationRecord,
  SimulationSample,
  type SimulationSampleOptions,
} from './simulation-sample.ts';
