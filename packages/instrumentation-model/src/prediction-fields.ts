import type { PredictionInput } from '@predlog/core';

/**
 * What an extractor or `annotatePrediction()` may add to a record: the decision and the context
 * only the application knows. Request id, model, latency and trace ids are the instrumentation's.
 * `rawInput` replaces the captured input (a handler that parsed the body itself can hand it over
 * instead of having it parsed again).
 */
export type PredictionFields = Pick<
  PredictionInput,
  | 'rawInput'
  | 'prediction'
  | 'score'
  | 'probabilities'
  | 'threshold'
  | 'features'
  | 'explanation'
  | 'error'
  | 'entityId'
  | 'sessionId'
  | 'segment'
  | 'channel'
  | 'region'
  | 'force'
>;

/** Turns what a model (or a response) returned into record fields. Runs in try/catch; a throw is counted. */
export type PredictionExtractor<TOutput = unknown, TInput = unknown> = (
  output: TOutput,
  input: TInput,
) => PredictionFields | undefined;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The default extractor. A number from 0 to 1 is a score (and the prediction); an object gives its
 * `prediction` (else `label`) as the prediction, and `score` (else `probability`), `threshold` and
 * `probabilities` when they have the right types; anything else is the prediction as it is.
 */
export function defaultPredictionExtractor(output: unknown): PredictionFields {
  if (typeof output === 'number') {
    return output >= 0 && output <= 1 ? { prediction: output, score: output } : { prediction: output };
  }
  if (!isPlainObject(output)) return { prediction: output };
  const fields: PredictionFields = {
    prediction: 'prediction' in output ? output.prediction : 'label' in output ? output.label : output,
  };
  const score = typeof output.score === 'number' ? output.score : output.probability;
  if (typeof score === 'number') fields.score = score;
  if (typeof output.threshold === 'number') fields.threshold = output.threshold;
  const probabilities = output.probabilities;
  if (Array.isArray(probabilities) || isPlainObject(probabilities))
    fields.probabilities = probabilities as PredictionFields['probabilities'];
  return fields;
}

/** True for a flat map of scalars: what `PredictionInput.features` holds. */
export function isFeatureMap(value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  for (const key in value) {
    const v = value[key];
    if (v !== null && typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean') return false;
  }
  return true;
}
