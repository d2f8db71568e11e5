import type { Diagnostics } from '@predlog/core';
import type { PredictionExtractor, PredictionFields } from '../prediction-fields.ts';

const NO_FIELDS: PredictionFields = Object.freeze({});

/**
 * Runs a user extractor: a throw or a non-object result becomes no fields, counted through
 * `onFailure` and reported once (by code, never with the value).
 */
export function safeExtract(
  extract: PredictionExtractor,
  output: unknown,
  input: unknown,
  diagnostics: Diagnostics,
  onFailure: () => void,
): PredictionFields {
  try {
    const fields = extract(output, input);
    return fields !== null && typeof fields === 'object' ? fields : NO_FIELDS;
  } catch {
    onFailure();
    diagnostics.warnOnce(
      'instrumentation.extractor_failed',
      'a prediction extractor threw; the record was logged without the fields it would have given',
    );
    return NO_FIELDS;
  }
}
