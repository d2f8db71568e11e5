import type { MeterProvider } from '@opentelemetry/api';
import {
  type Clock,
  type Diagnostics,
  DiagnosticsChannel,
  type PredictionLogger,
  systemClock,
} from '@predlog/core';
import { z } from 'zod';
import { defaultPredictionExtractor, type PredictionExtractor } from './prediction-fields.ts';

/** What an instrumentation needs of a logger: `record()`. A `PredictionLogger` is one. */
export type PredictionRecorder = Pick<PredictionLogger, 'record'>;

/** A function-valued config key. */
export function functionSchema<T>(description: string) {
  return z.custom<T>((value) => typeof value === 'function', { message: `must be ${description}` });
}

export const recorderSchema = z.custom<PredictionRecorder>(
  (value) =>
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { record?: unknown }).record === 'function',
  { message: 'must be a PredictionLogger (an object with record())' },
);

export const diagnosticsSchema = z
  .custom<Diagnostics>(
    (value) =>
      value !== null &&
      typeof value === 'object' &&
      typeof (value as { warnOnce?: unknown }).warnOnce === 'function',
    { message: 'must be a Diagnostics (warnOnce, error, info)' },
  )
  .default(() => new DiagnosticsChannel());

/** Where latencies are measured and the challenger's timeout is scheduled; a test passes a fake one. */
export const clockSchema = z
  .custom<Clock>(
    (value) =>
      value !== null &&
      typeof value === 'object' &&
      typeof (value as { monotonic?: unknown }).monotonic === 'function' &&
      typeof (value as { setTimeout?: unknown }).setTimeout === 'function',
    { message: 'must be a Clock (now, monotonic, setTimeout, setInterval)' },
  )
  .default(() => systemClock);

export const meterProviderSchema = z.custom<MeterProvider>(
  (value) =>
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { getMeter?: unknown }).getMeter === 'function',
  { message: 'must be an OTel MeterProvider' },
);

const unitRange = 'must be a number from 0 to 1';

/** A challenger run beside the champion (shadow mode). */
export const shadowConfigSchema = z.strictObject({
  /** The challenger: gets a private copy of the champion's input; sync or async. */
  predict: functionSchema<(input: unknown) => unknown>('the challenger predict function'),
  name: z.string().min(1, 'must name the challenger model'),
  version: z.string().min(1, 'must give the challenger version'),
  framework: z.string().min(1).optional(),
  /** A challenger still running after this long is logged as `error.type=timeout` and ignored. */
  timeoutMs: z.number().int().positive().default(1000),
  /** Share of champion calls that are shadowed. */
  rate: z.number().min(0, unitRange).max(1, unitRange).default(1),
  /** Challenger calls running at once; beyond, requests are not shadowed (counted as skipped). */
  maxConcurrent: z.number().int().positive().default(32),
  /** Also log the challenger's copy of the input (the champion's record already holds it). */
  logInput: z.boolean().default(false),
  extractPrediction: functionSchema<PredictionExtractor>('a function (output, input) => fields').default(
    () => defaultPredictionExtractor,
  ),
});
export type ShadowConfig = z.output<typeof shadowConfigSchema>;
export type ShadowConfigInput = z.input<typeof shadowConfigSchema>;

/** Options of `instrumentModel(predict, options)`. */
export const modelInstrumentationConfigSchema = z.strictObject({
  logger: recorderSchema,
  name: z.string().min(1, 'must name the model'),
  version: z.string().min(1, 'must give the model version'),
  framework: z.string().min(1).optional(),
  /** `ml.model.role`; `champion` by default when `shadow` is set, else unset. */
  role: z.string().min(1).optional(),
  /** Written to each record unless the extractor gives one. */
  threshold: z.number().optional(),
  /** Which argument of the predict function is the model input. */
  inputArgument: z.number().int().min(0).default(0),
  /**
   * How the input is logged: `features` (a flat map of scalars), `rawInput` (any value), or `auto`:
   * a flat map of scalars as features, anything else as raw input.
   */
  captureInputAs: z.enum(['auto', 'features', 'rawInput']).default('auto'),
  /** An array input is a batch: one record per row (output row i), with a shared `ml.batch.id`. */
  batch: z.boolean().default(false),
  /** Decides per call whether the input is a batch (overrides `batch`). */
  isBatch: functionSchema<(input: unknown) => boolean>('a function (input) => boolean').optional(),
  /** Request id of a call (or of a batch row); default: the active request's (see PredictionScope). */
  requestIdOf: functionSchema<(input: unknown, row: number | undefined) => string | undefined>(
    'a function (input, row) => string | undefined',
  ).optional(),
  extractPrediction: functionSchema<PredictionExtractor>('a function (output, input) => fields').default(
    () => defaultPredictionExtractor,
  ),
  shadow: shadowConfigSchema.optional(),
  diagnostics: diagnosticsSchema,
  /** Where the instrumentation's counters go; default the global OTel MeterProvider. */
  meterProvider: meterProviderSchema.optional(),
  clock: clockSchema,
});
export type ModelInstrumentationConfig = z.output<typeof modelInstrumentationConfigSchema>;
export type ModelInstrumentationOptions = z.input<typeof modelInstrumentationConfigSchema>;
