/**
 * Weighted positive and negative mass per score, for the AUC in bounded memory. Scores are kept
 * exactly until `maxKeys` distinct values are seen; then they are snapped to a grid of cells
 * ⌊s/r⌋ (r a power of two, doubled whenever the cells outgrow the cap). The AUC counts pairs in one
 * cell as ties (½), so its error is at most ½·Σ_cells P_c·N_c / (P·N), which `auc()` reports;
 * while scores are exact the figure is exact (real ties count ½, as in the Mann–Whitney U).
 */
export class ScoreRankHistogram {
  private readonly maxKeys: number;
  private slots = new Map<number, number>();
  private positive = new Float64Array(256);
  private negative = new Float64Array(256);
  private keys = new Float64Array(256);
  /** 0 while scores are exact, else the grid's cell width. */
  private resolution = 0;

  constructor(maxKeys: number) {
    this.maxKeys = maxKeys;
  }

  get cellWidth(): number {
    return this.resolution;
  }

  add(score: number, positive: boolean, weight: number): void {
    if (!Number.isFinite(score)) return;
    const key = this.resolution === 0 ? score : Math.floor(score / this.resolution);
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = this.slots.size;
      if (slot >= this.keys.length) this.grow();
      this.slots.set(key, slot);
      this.keys[slot] = key;
      if (this.slots.size > this.maxKeys) {
        this.coarsen();
        this.add(score, positive, weight);
        return;
      }
    }
    if (positive) this.positive[slot] = (this.positive[slot] as number) + weight;
    else this.negative[slot] = (this.negative[slot] as number) + weight;
  }

  /**
   * Adds another histogram's mass, as if its pairs had been added here. Exact scores stay exact
   * while both histograms are exact; otherwise this one first widens its cells to at least the
   * other's width (both are powers of two, so every cell of the other falls into one of these).
   */
  mergeFrom(other: ScoreRankHistogram): void {
    if (other.resolution > this.resolution) this.rebin(other.resolution);
    for (let i = 0; i < other.slots.size; i++) {
      const key = other.keys[i] as number;
      // A cell's lower edge lands in the cell of this width that holds the whole cell.
      const score = other.resolution === 0 ? key : key * other.resolution;
      const p = other.positive[i] as number;
      const q = other.negative[i] as number;
      if (p > 0) this.add(score, true, p);
      if (q > 0) this.add(score, false, q);
    }
  }

  /** Re-bins into cells of `width` (a power of two, at least the current width). */
  private rebin(width: number): void {
    const n = this.slots.size;
    const keys = this.keys.slice(0, n);
    const positive = this.positive.slice(0, n);
    const negative = this.negative.slice(0, n);
    const from = this.resolution;
    this.resolution = width;
    this.slots = new Map();
    this.keys.fill(0);
    this.positive.fill(0);
    this.negative.fill(0);
    for (let i = 0; i < n; i++) {
      const score = from === 0 ? (keys[i] as number) : (keys[i] as number) * from;
      if ((positive[i] as number) > 0) this.add(score, true, positive[i] as number);
      if ((negative[i] as number) > 0) this.add(score, false, negative[i] as number);
    }
  }

  /** Weighted AUC (probability a positive outranks a negative, ties ½) and its bound; NaN without both classes. */
  auc(): { auc: number; errorBound: number } {
    const n = this.slots.size;
    const order = Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => (this.keys[a] as number) - (this.keys[b] as number),
    );
    let totalPositive = 0;
    let totalNegative = 0;
    for (let i = 0; i < n; i++) {
      totalPositive += this.positive[i] as number;
      totalNegative += this.negative[i] as number;
    }
    if (!(totalPositive > 0 && totalNegative > 0)) return { auc: Number.NaN, errorBound: 0 };
    let negativeBelow = 0;
    let sum = 0;
    let tied = 0;
    for (const slot of order) {
      const p = this.positive[slot] as number;
      const q = this.negative[slot] as number;
      sum += p * (negativeBelow + 0.5 * q);
      tied += p * q;
      negativeBelow += q;
    }
    const pairs = totalPositive * totalNegative;
    return { auc: sum / pairs, errorBound: this.resolution === 0 ? 0 : (0.5 * tied) / pairs };
  }

  private grow(): void {
    const size = this.keys.length * 2;
    const copy = (from: Float64Array) => {
      const to = new Float64Array(size);
      to.set(from);
      return to;
    };
    this.keys = copy(this.keys);
    this.positive = copy(this.positive);
    this.negative = copy(this.negative);
  }

  private coarsen(): void {
    const n = this.slots.size;
    const keys = this.keys.slice(0, n);
    const positive = this.positive.slice(0, n);
    const negative = this.negative.slice(0, n);
    let toCell: (key: number) => number;
    if (this.resolution === 0) {
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (const key of keys) {
        if (key < min) min = key;
        if (key > max) max = key;
      }
      // The finest power-of-two width that leaves room for the range to widen before the next doubling.
      this.resolution = 2 ** Math.ceil(Math.log2(((max - min) * 2) / this.maxKeys));
      const width = this.resolution;
      toCell = (score) => Math.floor(score / width);
    } else {
      this.resolution *= 2;
      toCell = (cell) => Math.floor(cell / 2);
    }
    this.slots = new Map();
    this.keys.fill(0);
    this.positive.fill(0);
    this.negative.fill(0);
    for (let i = 0; i < n; i++) {
      const cell = toCell(keys[i] as number);
      let slot = this.slots.get(cell);
      if (slot === undefined) {
        slot = this.slots.size;
        this.slots.set(cell, slot);
        this.keys[slot] = cell;
      }
      this.positive[slot] = (this.positive[slot] as number) + (positive[i] as number);
      this.negative[slot] = (this.negative[slot] as number) + (negative[i] as number);
    }
    // The range can still hold more cells than the cap (first pass); halve again until it fits.
    if (this.slots.size > this.maxKeys / 2) this.coarsen();
  }
}
