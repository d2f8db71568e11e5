/**
 * Weighted Pearson correlation in one pass (co-moment updates in West's form):
 * r = Σw(x − x̄)(y − ȳ) / √(Σw(x − x̄)² · Σw(y − ȳ)²), means weighted.
 */
export class WeightedCorrelation {
  private weight = 0;
  private meanX = 0;
  private meanY = 0;
  private sxx = 0;
  private syy = 0;
  private sxy = 0;
  private records = 0;

  get count(): number {
    return this.records;
  }

  add(x: number, y: number, weight = 1): void {
    if (!Number.isFinite(x) || !Number.isFinite(y) || !(weight > 0)) return;
    this.records += 1;
    this.weight += weight;
    const dx = x - this.meanX;
    const dy = y - this.meanY;
    this.meanX += (weight / this.weight) * dx;
    this.meanY += (weight / this.weight) * dy;
    this.sxx += weight * dx * (x - this.meanX);
    this.syy += weight * dy * (y - this.meanY);
    this.sxy += weight * dx * (y - this.meanY);
  }

  /** NaN when either side is constant or there are fewer than two records. */
  get correlation(): number {
    const den = Math.sqrt(this.sxx * this.syy);
    return den > 0 ? Math.max(-1, Math.min(1, this.sxy / den)) : Number.NaN;
  }
}
