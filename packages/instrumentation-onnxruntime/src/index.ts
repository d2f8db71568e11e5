export {
  type OnnxInstrumentationConfig,
  type OnnxInstrumentationOptions,
  onnxInstrumentationConfigSchema,
} from './config.ts';
export { createInstrumentedSession } from './factory.ts';
export { modelVersionOf, readModelFile } from './model-hash.ts';
export {
  type InstrumentedSession,
  instrumentInferenceSession,
  type OnnxInstrumentationStats,
} from './session-instrumentation.ts';
export {
  defaultTensorExtractor,
  type TensorSummaries,
  type TensorSummary,
} from './tensor-extractor.ts';
