/**
 * Maps a finite score to its stratum. `size` strata are numbered 0..size-1; the caller keeps one
 * more slot for records without a score.
 */
export interface ScoreBuckets {
  readonly size: number;
  indexOf(score: number): number;
}

/** Equal-width bins on [min, max]; scores outside fall into the first or last bin. */
export class EqualWidthBuckets implements ScoreBuckets {
  readonly size: number;
  private readonly min: number;
  private readonly inverseWidth: number;
  private readonly last: number;

  constructor(count: number, min: number, max: number) {
    this.size = count;
    this.min = min;
    this.inverseWidth = count / (max - min);
    this.last = count - 1;
  }

  indexOf(score: number): number {
    const i = Math.floor((score - this.min) * this.inverseWidth);
    return i < 0 ? 0 : Math.min(i, this.last);
  }
}

/**
 * Bins split at interior edges e1 < e2 < ... < eL: bin i holds [e_i, e_{i+1}), the first bin
 * everything below e1 and the last everything from eL up. Binary search, no allocation.
 */
export class EdgeBuckets implements ScoreBuckets {
  readonly size: number;
  private readonly interior: Float64Array;

  constructor(interiorEdges: readonly number[]) {
    this.interior = Float64Array.from(interiorEdges);
    this.size = interiorEdges.length + 1;
  }

  /** Buckets for explicit config edges [e0, ..., eK]: K bins, outside values clamp to the ends. */
  static fromEdges(edges: readonly number[]): EdgeBuckets {
    return new EdgeBuckets(edges.slice(1, -1));
  }

  indexOf(score: number): number {
    const edges = this.interior;
    let lo = 0;
    let hi = edges.length;
    // Number of interior edges <= score.
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((edges[mid] as number) <= score) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get edges(): readonly number[] {
    return Array.from(this.interior);
  }
}

/** One stratum for every score: used while quantile edges are still being learned. */
export const SINGLE_BUCKET: ScoreBuckets = { size: 1, indexOf: () => 0 };

/**
 * Collects a model's first scores and turns them into quantile edges, so a regression model's
 * strata hold equal shares of its traffic.
 */
export class QuantileEdgeLearner {
  private readonly scores: Float64Array;
  private filled = 0;
  private readonly count: number;

  constructor(warmupRecords: number, count: number) {
    this.scores = new Float64Array(warmupRecords);
    this.count = count;
  }

  /** Adds a score; returns the learned buckets once the warm-up is full, else undefined. */
  add(score: number): EdgeBuckets | undefined {
    this.scores[this.filled++] = score;
    return this.filled === this.scores.length ? this.learn() : undefined;
  }

  private learn(): EdgeBuckets {
    const sorted = this.scores.sort();
    const n = sorted.length;
    const interior: number[] = [];
    for (let k = 1; k < this.count; k++) {
      const edge = sorted[Math.floor((k * n) / this.count)] as number;
      // Ties (a discrete output) collapse into one edge rather than empty strata.
      if (interior.length === 0 || edge > (interior[interior.length - 1] as number)) interior.push(edge);
    }
    if (interior.length > 0 && interior[0] === sorted[0]) interior.shift();
    return new EdgeBuckets(interior);
  }
}
