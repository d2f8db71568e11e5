import {
  clockSchema,
  diagnosticsSchema,
  functionSchema,
  meterProviderSchema,
  type PredictionExtractor,
  recorderSchema,
  shadowConfigSchema,
} from '@predlog/instrumentation-model';
import { z } from 'zod';
import { defaultTensorExtractor, type TensorSummaries } from './tensor-extractor.ts';

export const onnxInstrumentationConfigSchema = z
  .strictObject({
    logger: recorderSchema,
    /** `ml.model.name`. */
    name: z.string().min(1, 'must name the model'),
    /** `ml.model.version`; default the SHA-256 of `modelBytes` (`sha256:<hex>`). */
    version: z.string().min(1).optional(),
    /** The .onnx bytes the session was created from, hashed for the version when none is given. */
    modelBytes: z.instanceof(Uint8Array, { message: 'must be the model bytes (Uint8Array)' }).optional(),
    framework: z.string().min(1).default('onnxruntime'),
    /** `ml.model.role`; `champion` by default when `shadow` is set. */
    role: z.string().min(1).optional(),
    threshold: z.number().optional(),
    /** Values logged per tensor (per row for batches); the rest is counted in `truncated`. */
    maxValuesPerTensor: z.number().int().min(0).default(32),
    /** Dimension 0 of every input and output is the batch: one record per row, one shared `ml.batch.id`. */
    batch: z.boolean().default(false),
    /** Names the values of `featureInput` (per row): logged as `input_features` when the counts match. */
    featureNames: z.array(z.string().min(1)).min(1).optional(),
    /** The input `featureNames` describe; default the session's first input. */
    featureInput: z.string().min(1).optional(),
    /** `(outputs, inputs) => fields` over the tensor summaries of a run (or of a row). */
    extractPrediction: functionSchema<PredictionExtractor<TensorSummaries, TensorSummaries>>(
      'a function (outputs, inputs) => fields',
    ).default(() => defaultTensorExtractor),
    /** A challenger given a copy of each run's feeds: `{ [input]: { dims, type, data } }`. */
    shadow: shadowConfigSchema.optional(),
    diagnostics: diagnosticsSchema,
    meterProvider: meterProviderSchema.optional(),
    /** Where run latency is measured and the challenger's timeout runs; a test passes a fake one. */
    clock: clockSchema,
  })
  .refine((config) => config.version !== undefined || config.modelBytes !== undefined, {
    path: ['version'],
    message: 'must be given when modelBytes is not (the version defaults to the model file hash)',
  });

export type OnnxInstrumentationConfig = z.output<typeof onnxInstrumentationConfigSchema>;
export type OnnxInstrumentationOptions = z.input<typeof onnxInstrumentationConfigSchema>;
