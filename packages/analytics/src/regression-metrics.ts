export interface RegressionMetrics {
  count: number;
  weight: number;
  /** Σw|ŷ − y| / Σw. */
  mae: number | null;
  /** √(Σw(ŷ − y)² / Σw). */
  rmse: number | null;
  /** Σw|ŷ − y|/|y| / Σw over records with y ≠ 0, as a fraction (0.12 = 12%). */
  mape: number | null;
  /** Records left out of the MAPE because the actual value is 0. */
  mapeExcluded: number;
  /** Σw(ŷ − y) / Σw: positive when the model over-predicts. */
  bias: number | null;
}

/** Streaming, weighted regression metrics. */
export class RegressionAccumulator {
  private count = 0;
  private weight = 0;
  private absolute = 0;
  private squared = 0;
  private signed = 0;
  private percentWeight = 0;
  private percent = 0;
  private mapeExcluded = 0;

  /** Adds another accumulator's pairs. */
  merge(other: RegressionAccumulator): void {
    this.count += other.count;
    this.weight += other.weight;
    this.absolute += other.absolute;
    this.squared += other.squared;
    this.signed += other.signed;
    this.percentWeight += other.percentWeight;
    this.percent += other.percent;
    this.mapeExcluded += other.mapeExcluded;
  }

  /** What `total` counted beyond `parts` (a cohort known only as the rest of the others). */
  static remainder(
    total: RegressionAccumulator,
    parts: Iterable<RegressionAccumulator>,
  ): RegressionAccumulator {
    const rest = new RegressionAccumulator();
    rest.count = total.count;
    rest.weight = total.weight;
    rest.absolute = total.absolute;
    rest.squared = total.squared;
    rest.signed = total.signed;
    rest.percentWeight = total.percentWeight;
    rest.percent = total.percent;
    rest.mapeExcluded = total.mapeExcluded;
    for (const part of parts) {
      rest.count -= part.count;
      rest.weight -= part.weight;
      rest.absolute -= part.absolute;
      rest.squared -= part.squared;
      rest.signed -= part.signed;
      rest.percentWeight -= part.percentWeight;
      rest.percent -= part.percent;
      rest.mapeExcluded -= part.mapeExcluded;
    }
    return rest;
  }

  add(predicted: number, actual: number, weight: number): void {
    if (!Number.isFinite(predicted) || !Number.isFinite(actual) || !(weight > 0)) return;
    const error = predicted - actual;
    this.count += 1;
    this.weight += weight;
    this.absolute += weight * Math.abs(error);
    this.squared += weight * error * error;
    this.signed += weight * error;
    if (actual === 0) this.mapeExcluded += 1;
    else {
      this.percentWeight += weight;
      this.percent += (weight * Math.abs(error)) / Math.abs(actual);
    }
  }

  result(): RegressionMetrics {
    const w = this.weight;
    return {
      count: this.count,
      weight: w,
      mae: w > 0 ? this.absolute / w : null,
      rmse: w > 0 ? Math.sqrt(this.squared / w) : null,
      mape: this.percentWeight > 0 ? this.percent / this.percentWeight : null,
      mapeExcluded: this.mapeExcluded,
      bias: w > 0 ? this.signed / w : null,
    };
  }
}
