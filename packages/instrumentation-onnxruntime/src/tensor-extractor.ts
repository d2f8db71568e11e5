import type { PredictionFields } from '@predlog/instrumentation-model';

/** What is logged of one tensor: its shape, element type and first values. */
export interface TensorSummary {
  readonly dims: readonly number[];
  readonly type: string;
  /** The first `maxValuesPerTensor` values (64-bit integers as decimal strings). */
  readonly values?: ReadonlyArray<number | string | boolean>;
  /** Values left out after the limit. */
  readonly truncated?: number;
  /** Set when the data is not readable on the CPU (a GPU tensor): no values. */
  readonly location?: string;
}

export type TensorSummaries = Readonly<Record<string, TensorSummary>>;

/**
 * The default extractor: a model whose first output holds a single number (per row) predicted
 * that number, logged as the score too when it is from 0 to 1; any other output is logged as the
 * prediction as summarised.
 */
export function defaultTensorExtractor(outputs: TensorSummaries): PredictionFields {
  const names = Object.keys(outputs);
  const first = names.length > 0 ? outputs[names[0] as string] : undefined;
  const values = first?.values;
  if (values !== undefined && values.length === 1 && first?.truncated === undefined) {
    const value = values[0];
    if (typeof value === 'number')
      return value >= 0 && value <= 1 ? { prediction: value, score: value } : { prediction: value };
  }
  return { prediction: outputs };
}
