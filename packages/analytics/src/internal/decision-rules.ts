import type { StoredRecord } from '@predlog/schema';
import type { ClassificationConfig } from '../config.ts';
import { numberField } from './stored-fields.ts';

/** How a stored prediction and a label become the positive or negative class. */
export class DecisionRules {
  private readonly positives: ReadonlySet<string>;
  private readonly fallbackThreshold: number;
  private readonly thresholdOverride: number | null;

  constructor(
    config: Pick<ClassificationConfig, 'positiveLabels' | 'fallbackThreshold' | 'thresholdOverride'>,
  ) {
    this.positives = new Set(config.positiveLabels);
    this.fallbackThreshold = config.fallbackThreshold;
    this.thresholdOverride = config.thresholdOverride;
  }

  /** `true`, or a scalar whose text is a positive label; undefined for no usable value. */
  isPositive(value: unknown): boolean | undefined {
    if (value === true) return true;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      return this.positives.has(String(value));
    }
    return undefined;
  }

  /**
   * The decision: score ≥ threshold when the record has a score (threshold: the override, else the
   * record's own, else the fallback), otherwise whether `prediction` is a positive label.
   */
  predictedPositive(record: StoredRecord): boolean | undefined {
    const score = numberField(record, 'score');
    if (score !== undefined) {
      const threshold = this.thresholdOverride ?? numberField(record, 'threshold') ?? this.fallbackThreshold;
      return score >= threshold;
    }
    return this.isPositive(record.prediction);
  }
}
