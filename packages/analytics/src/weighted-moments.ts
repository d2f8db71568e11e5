export interface WeightedMomentsJson {
  n: number;
  w: number;
  mean: number;
  /** Σ w·(x − mean)². */
  m2: number;
}

/**
 * Weighted mean and standard deviation in one pass (West 1979), mergeable (Chan, Golub & LeVeque):
 * mean = Σwx / Σw, variance = Σw(x − mean)² / Σw. With sampling weights 1/p these estimate the
 * population's mean and (population) variance; unweighted they are the plain mean and the
 * population variance (divisor n, not n − 1).
 */
export class WeightedMoments {
  private records = 0;
  private weight = 0;
  private meanValue = 0;
  private m2 = 0;

  get count(): number {
    return this.records;
  }

  get totalWeight(): number {
    return this.weight;
  }

  /** NaN when empty. */
  get mean(): number {
    return this.weight === 0 ? Number.NaN : this.meanValue;
  }

  get variance(): number {
    return this.weight === 0 ? Number.NaN : Math.max(0, this.m2 / this.weight);
  }

  get std(): number {
    return Math.sqrt(this.variance);
  }

  add(value: number, weight = 1): void {
    if (!Number.isFinite(value) || !(weight > 0)) return;
    this.records += 1;
    this.weight += weight;
    const delta = value - this.meanValue;
    this.meanValue += (weight / this.weight) * delta;
    this.m2 += weight * delta * (value - this.meanValue);
  }

  merge(other: WeightedMoments): void {
    if (other.weight === 0) return;
    const total = this.weight + other.weight;
    const delta = other.meanValue - this.meanValue;
    this.m2 += other.m2 + (delta * delta * this.weight * other.weight) / total;
    this.meanValue += (delta * other.weight) / total;
    this.weight = total;
    this.records += other.records;
  }

  toJSON(): WeightedMomentsJson {
    return { n: this.records, w: this.weight, mean: this.meanValue, m2: this.m2 };
  }

  static fromJSON(json: WeightedMomentsJson): WeightedMoments {
    const moments = new WeightedMoments();
    moments.records = json.n;
    moments.weight = json.w;
    moments.meanValue = json.mean;
    moments.m2 = json.m2;
    return moments;
  }
}
