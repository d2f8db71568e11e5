import { type CalibrationBin, ClassificationAccumulator } from '../classification-metrics.ts';
import type { MetricSet } from '../evaluation.ts';
import { RegressionAccumulator } from '../regression-metrics.ts';

/**
 * The accumulators of one cohort, created on first use, so a cohort met only by unlabelled
 * predictions costs nothing. `maxScoreKeys` 0 computes no AUC (trend cohorts: counters and the ECE
 * bins only).
 */
export class MetricBundle {
  private readonly eceBins: number;
  private readonly maxScoreKeys: number;
  classification: ClassificationAccumulator | undefined;
  regression: RegressionAccumulator | undefined;

  constructor(eceBins: number, maxScoreKeys: number) {
    this.eceBins = eceBins;
    this.maxScoreKeys = maxScoreKeys;
  }

  addClassification(actual: boolean, predicted: boolean, score: number | null, weight: number): void {
    this.classification ??= new ClassificationAccumulator({
      eceBins: this.eceBins,
      maxScoreKeys: this.maxScoreKeys,
    });
    this.classification.addPair(actual, predicted, score ?? undefined, weight);
  }

  addRegression(predicted: number, actual: number, weight: number): void {
    this.regression ??= new RegressionAccumulator();
    this.regression.add(predicted, actual, weight);
  }

  /** The union of `parts` (same settings): every figure, the AUC included where they keep it. */
  static union(
    parts: readonly MetricBundle[],
    eceBins: number,
    maxScoreKeys: number,
  ): MetricBundle | undefined {
    const all = new MetricBundle(eceBins, maxScoreKeys);
    for (const part of parts) {
      if (part.classification !== undefined) {
        all.classification ??= new ClassificationAccumulator({ eceBins, maxScoreKeys });
        all.classification.merge(part.classification);
      }
      if (part.regression !== undefined) {
        all.regression ??= new RegressionAccumulator();
        all.regression.merge(part.regression);
      }
    }
    return all.classification === undefined && all.regression === undefined ? undefined : all;
  }

  /** The rest of `total` beyond `parts`, by difference (no AUC); undefined when nothing is left. */
  static remainder(total: MetricBundle, parts: readonly MetricBundle[]): MetricBundle | undefined {
    const rest = new MetricBundle(total.eceBins, 0);
    if (total.classification !== undefined) {
      const left = ClassificationAccumulator.remainder(
        total.classification,
        parts.flatMap((p) => (p.classification === undefined ? [] : [p.classification])),
      );
      if (left.result().count > 0) rest.classification = left;
    }
    if (total.regression !== undefined) {
      const left = RegressionAccumulator.remainder(
        total.regression,
        parts.flatMap((p) => (p.regression === undefined ? [] : [p.regression])),
      );
      if (left.result().count > 0) rest.regression = left;
    }
    return rest.classification === undefined && rest.regression === undefined ? undefined : rest;
  }

  result(): MetricSet {
    return {
      classification: this.classification?.result() ?? null,
      regression: this.regression?.result() ?? null,
    };
  }

  calibration(): CalibrationBin[] | null {
    return this.classification?.calibration() ?? null;
  }
}
