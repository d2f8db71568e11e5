/**
 * A dense run of weighted bucket counts indexed by integer, as in DDSketch's dense store. It covers
 * at most `maxBuckets` consecutive indices: past that the lowest indices are merged into the lowest
 * one kept (`collapsed` turns true), which bounds memory whatever the input.
 */
export class BucketStore {
  private counts = new Float64Array(0);
  /** Index of counts[0]. */
  private offset = 0;
  private lo = Number.POSITIVE_INFINITY;
  private hi = Number.NEGATIVE_INFINITY;
  private readonly maxBuckets: number;
  collapsed = false;

  constructor(maxBuckets: number) {
    this.maxBuckets = maxBuckets;
  }

  get isEmpty(): boolean {
    return this.lo > this.hi;
  }

  /** Lowest and highest index in use (an empty store has lo > hi). */
  get minIndex(): number {
    return this.lo;
  }

  get maxIndex(): number {
    return this.hi;
  }

  weightAt(index: number): number {
    const i = index - this.offset;
    return i >= 0 && i < this.counts.length ? (this.counts[i] as number) : 0;
  }

  add(index: number, weight: number): void {
    const at = index < this.lo || index > this.hi ? this.extend(index) : index;
    this.counts[at - this.offset] = (this.counts[at - this.offset] as number) + weight;
  }

  /** Widens the range to hold `index` and returns where its weight goes (the lowest kept after a collapse). */
  private extend(index: number): number {
    let lo = Math.min(this.lo, index);
    const hi = Math.max(this.hi, index);
    if (hi - lo + 1 > this.maxBuckets) {
      lo = hi - this.maxBuckets + 1;
      this.collapsed = true;
    }
    if (lo < this.offset || hi >= this.offset + this.counts.length || lo > this.lo) {
      this.reallocate(lo, hi);
    }
    this.lo = lo;
    this.hi = hi;
    return Math.max(index, lo);
  }

  private reallocate(lo: number, hi: number): void {
    const span = hi - lo + 1;
    // Room to grow on both sides, so a slowly widening range does not copy on every new bucket.
    const length = Math.min(this.maxBuckets, Math.max(64, span * 2));
    const offset = Math.max(lo - Math.floor((length - span) / 2), hi - this.maxBuckets + 1);
    const counts = new Float64Array(Math.max(length, hi - offset + 1));
    for (let index = this.lo; index <= this.hi; index++) {
      const weight = this.counts[index - this.offset] as number;
      if (weight !== 0)
        counts[Math.max(index, lo) - offset] = (counts[Math.max(index, lo) - offset] as number) + weight;
    }
    this.counts = counts;
    this.offset = offset;
  }

  mergeFrom(other: BucketStore): void {
    if (other.collapsed) this.collapsed = true;
    for (let index = other.lo; index <= other.hi; index++) {
      const weight = other.weightAt(index);
      if (weight !== 0) this.add(index, weight);
    }
  }

  toJSON(): { offset: number; counts: number[] } {
    if (this.isEmpty) return { offset: 0, counts: [] };
    const counts: number[] = [];
    for (let index = this.lo; index <= this.hi; index++) counts.push(this.weightAt(index));
    return { offset: this.lo, counts };
  }

  static fromJSON(json: { offset: number; counts: readonly number[] }, maxBuckets: number): BucketStore {
    const store = new BucketStore(maxBuckets);
    json.counts.forEach((weight, i) => {
      if (weight !== 0) store.add(json.offset + i, weight);
    });
    return store;
  }
}
