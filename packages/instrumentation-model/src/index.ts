export {
  clockSchema,
  diagnosticsSchema,
  functionSchema,
  type ModelInstrumentationConfig,
  type ModelInstrumentationOptions,
  meterProviderSchema,
  modelInstrumentationConfigSchema,
  type PredictionRecorder,
  recorderSchema,
  type ShadowConfig,
  type ShadowConfigInput,
  shadowConfigSchema,
} from './config.ts';
export {
  type InstrumentedModel,
  instrumentModel,
  type ModelInstrumentationStats,
} from './instrument-model.ts';
export {
  emptyShadowStats,
  observeInstrumentationCounters,
  type ShadowStats,
} from './instrumentation-stats.ts';
export {
  defaultPredictionExtractor,
  isFeatureMap,
  type PredictionExtractor,
  type PredictionFields,
} from './prediction-fields.ts';
export {
  activePredictionScope,
  annotatePrediction,
  applyInPredictionScope,
  createPredictionScope,
  type PredictionScope,
  runInPredictionScope,
} from './prediction-scope.ts';
export { type ShadowContext, ShadowRunner } from './shadow-runner.ts';
