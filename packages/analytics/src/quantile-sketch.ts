import { BucketStore } from './internal/bucket-store.ts';

/**
 * Magnitudes below this count as zero: the relative-error bound holds for |x| ≥ this, and a smaller
 * value is answered as 0 (an absolute error below 1e-9).
 */
export const MIN_INDEXABLE_VALUE = 1e-9;

/** Order keys of the three stores; far apart so every negative key < 0 < every positive key. */
const KEY_BASE = 1e9;

export interface QuantileSketchJson {
  /** Relative accuracy α. */
  alpha: number;
  /** Records added (unweighted). */
  n: number;
  /** Total weight, and total squared weight (for the effective sample size). */
  w: number;
  w2: number;
  min: number;
  max: number;
  zero: number;
  positive: { offset: number; counts: number[] };
  negative: { offset: number; counts: number[] };
  /** True when buckets were merged to stay under the cap; the bound then fails for the smallest magnitudes. */
  collapsed?: boolean;
  /**
   * Every distinct value with its weight, ascending, while there are at most `exactValues` of them
   * (absent past that, or when the sketch keeps none): quantiles are then exact.
   */
  exact?: Array<[value: number, weight: number]>;
  /** True when every value added was a whole number (absent: not known to be). */
  integers?: boolean;
}

/** One sketch bucket in value order: `key` orders buckets across sketches of the same α. */
export interface SketchBucket {
  readonly key: number;
  readonly weight: number;
}

/**
 * A weighted, mergeable quantile sketch (DDSketch: Masson, Rim & Lee, VLDB 2019). A value x > 0 goes
 * to bucket i = ⌈log_γ x⌉ with γ = (1 + α)/(1 − α), covering (γ^(i−1), γ^i]; negative values mirror
 * that in a second store; |x| < 1e-9 counts as zero. A quantile is answered with its bucket's
 * midpoint 2γ^i/(γ + 1), so for every q the answer x̂ and the exact weighted quantile x_q satisfy
 * |x̂ − x_q| ≤ α·|x_q|. Buckets of two sketches with the same α coincide, so merging adds counts
 * (exact: merge(a, b) answers as if it had seen both inputs), and KS and PSI can compare two
 * sketches bucket by bucket.
 *
 * The exact weighted quantile here is the smallest x whose cumulative weight reaches q·W (q > 0),
 * the minimum for q = 0.
 *
 * Discrete data is answered exactly. With `exactValues` > 0 the sketch also keeps each distinct value
 * and its weight until there are more than `exactValues` of them (then it drops them for good):
 * while they are kept, every quantile is the exact one (a binary flag's median is 1, not the bucket
 * midpoint 0.990). Past that, when every value was a whole number, an answer whose bucket holds a
 * single integer is that integer (exact: a count of 2 reads 2, not 1.994; at α = 0.01 buckets are
 * narrower than 1 up to about 50), and otherwise the midpoint as usual.
 */
export class QuantileSketch {
  readonly alpha: number;
  private readonly gamma: number;
  private readonly multiplier: number;
  private readonly positive: BucketStore;
  private readonly negative: BucketStore;
  private zero = 0;
  private records = 0;
  private weight = 0;
  private weightSquares = 0;
  private minValue = Number.POSITIVE_INFINITY;
  private maxValue = Number.NEGATIVE_INFINITY;
  private readonly exactCap: number;
  /** Weight per distinct value while there are at most `exactCap`; null past that (or with a cap of 0). */
  private exact: Map<number, number> | null;
  /** Every value so far was a whole number (true while empty). */
  private integers = true;

  constructor(alpha = 0.01, maxBuckets = 2048, exactValues = 0) {
    if (!(alpha > 0 && alpha < 1)) throw new RangeError('alpha must be between 0 and 1');
    this.alpha = alpha;
    this.gamma = (1 + alpha) / (1 - alpha);
    this.multiplier = 1 / Math.log(this.gamma);
    this.positive = new BucketStore(maxBuckets);
    this.negative = new BucketStore(maxBuckets);
    this.exactCap = Math.max(0, Math.floor(exactValues));
    this.exact = this.exactCap > 0 ? new Map() : null;
  }

  /** Records added. */
  get count(): number {
    return this.records;
  }

  get totalWeight(): number {
    return this.weight;
  }

  get sumOfSquaredWeights(): number {
    return this.weightSquares;
  }

  get min(): number {
    return this.minValue;
  }

  get max(): number {
    return this.maxValue;
  }

  get collapsed(): boolean {
    return this.positive.collapsed || this.negative.collapsed;
  }

  /** True while quantiles are exact: every distinct value is kept (at most `exactValues` of them). */
  get isExact(): boolean {
    return this.exact !== null;
  }

  /**
   * The distinct values and their weights, ascending, while they are kept (at most `exactValues`);
   * null past that or for a sketch that keeps none.
   */
  exactValues(): Array<[value: number, weight: number]> | null {
    if (this.exact === null) return null;
    return [...this.exact].sort((a, b) => a[0] - b[0]);
  }

  /** Adds a finite value with a positive weight; anything else is ignored (returns false). */
  add(value: number, weight = 1): boolean {
    if (!Number.isFinite(value) || !(weight > 0) || weight === Number.POSITIVE_INFINITY) return false;
    if (value > MIN_INDEXABLE_VALUE) {
      this.positive.add(Math.ceil(Math.log(value) * this.multiplier), weight);
    } else if (value < -MIN_INDEXABLE_VALUE) {
      this.negative.add(Math.ceil(Math.log(-value) * this.multiplier), weight);
    } else {
      this.zero += weight;
    }
    this.records += 1;
    this.weight += weight;
    this.weightSquares += weight * weight;
    if (value < this.minValue) this.minValue = value;
    if (value > this.maxValue) this.maxValue = value;
    if (this.integers && !Number.isInteger(value)) this.integers = false;
    if (this.exact !== null) this.addExact(value, weight);
    return true;
  }

  private addExact(value: number, weight: number): void {
    const exact = this.exact as Map<number, number>;
    // -0 and 0 are one value (a Map already treats them so); keep the key that prints as 0.
    const key = value === 0 ? 0 : value;
    const known = exact.get(key);
    if (known !== undefined) exact.set(key, known + weight);
    else if (exact.size < this.exactCap) exact.set(key, weight);
    // One value too many: the data is not discrete enough, and the sketch answers from now on.
    else this.exact = null;
  }

  /** Adds another sketch's content; both must have the same α. */
  merge(other: QuantileSketch): void {
    if (other.alpha !== this.alpha) throw new RangeError('cannot merge sketches of different accuracy');
    if (other.records > 0) {
      if (!other.integers) this.integers = false;
      if (this.exact !== null) {
        if (other.exact === null) this.exact = null;
        else for (const [value, weight] of other.exact) if (this.exact !== null) this.addExact(value, weight);
      }
    }
    this.positive.mergeFrom(other.positive);
    this.negative.mergeFrom(other.negative);
    this.zero += other.zero;
    this.records += other.records;
    this.weight += other.weight;
    this.weightSquares += other.weightSquares;
    this.minValue = Math.min(this.minValue, other.minValue);
    this.maxValue = Math.max(this.maxValue, other.maxValue);
  }

  /** The weighted q-quantile (0 ≤ q ≤ 1), within ±α·|x_q|; NaN when empty. */
  quantile(q: number): number {
    if (this.weight === 0 || !(q >= 0 && q <= 1)) return Number.NaN;
    if (q === 0) return this.minValue;
    if (q === 1) return this.maxValue;
    // Sums of float weights may miss q·W by an ulp or so; a relative slack keeps "reaches" honest.
    const target = q * this.weight * (1 - 1e-12);
    let cumulative = 0;
    if (this.exact !== null) {
      for (const [value, weight] of this.exactValues() as Array<[number, number]>) {
        cumulative += weight;
        if (cumulative >= target) return value;
      }
      return this.maxValue;
    }
    for (let i = this.negative.maxIndex; i >= this.negative.minIndex; i--) {
      cumulative += this.negative.weightAt(i);
      if (cumulative >= target) return this.clamp(-this.bucketAnswer(i));
    }
    cumulative += this.zero;
    if (cumulative >= target) return this.clamp(0);
    for (let i = this.positive.minIndex; i <= this.positive.maxIndex; i++) {
      cumulative += this.positive.weightAt(i);
      if (cumulative >= target) return this.clamp(this.bucketAnswer(i));
    }
    // Rounding left the last bucket a hair short of q·W.
    return this.maxValue;
  }

  /**
   * The magnitude a bucket (γ^(i−1), γ^i] answers with: its midpoint, or, when every value was a
   * whole number and the bucket holds a single integer, that integer (then exact). A bucket holding
   * several integers keeps the midpoint: rounding it could leave the ±α bound.
   */
  private bucketAnswer(index: number): number {
    const middle = this.representative(index);
    if (!this.integers) return middle;
    const first = Math.floor(this.gamma ** (index - 1)) + 1;
    return first === Math.floor(this.gamma ** index) ? first : middle;
  }

  /** Non-empty buckets in ascending value order. */
  buckets(): SketchBucket[] {
    const out: SketchBucket[] = [];
    for (let i = this.negative.maxIndex; i >= this.negative.minIndex; i--) {
      const weight = this.negative.weightAt(i);
      if (weight !== 0) out.push({ key: -(i + KEY_BASE), weight });
    }
    if (this.zero !== 0) out.push({ key: 0, weight: this.zero });
    for (let i = this.positive.minIndex; i <= this.positive.maxIndex; i++) {
      const weight = this.positive.weightAt(i);
      if (weight !== 0) out.push({ key: i + KEY_BASE, weight });
    }
    return out;
  }

  /** Largest value a bucket can hold (its upper edge): γ^i, −γ^(i−1), or 1e-9 for the zero bucket. */
  upperBound(key: number): number {
    if (key === 0) return MIN_INDEXABLE_VALUE;
    if (key > 0) return this.gamma ** (key - KEY_BASE);
    return -(this.gamma ** (-key - KEY_BASE - 1));
  }

  /** The value a bucket answers with: its midpoint in relative terms. */
  bucketValue(key: number): number {
    if (key === 0) return 0;
    if (key > 0) return this.representative(key - KEY_BASE);
    return -this.representative(-key - KEY_BASE);
  }

  toJSON(): QuantileSketchJson {
    const json: QuantileSketchJson = {
      alpha: this.alpha,
      n: this.records,
      w: this.weight,
      w2: this.weightSquares,
      min: this.records === 0 ? 0 : this.minValue,
      max: this.records === 0 ? 0 : this.maxValue,
      zero: this.zero,
      positive: this.positive.toJSON(),
      negative: this.negative.toJSON(),
    };
    if (this.collapsed) json.collapsed = true;
    const exact = this.exactValues();
    if (exact !== null) json.exact = exact;
    if (this.integers && this.records > 0) json.integers = true;
    return json;
  }

  /**
   * A sketch from its JSON. Exact values are kept when the JSON has them and they fit `exactValues`;
   * a JSON without them (written by a version that kept none) answers from its buckets.
   */
  static fromJSON(json: QuantileSketchJson, maxBuckets = 2048, exactValues = 0): QuantileSketch {
    const sketch = new QuantileSketch(json.alpha, maxBuckets, exactValues);
    if (json.n > 0) {
      sketch.integers = json.integers === true;
      if (sketch.exact !== null) {
        if (json.exact === undefined) sketch.exact = null;
        else
          for (const [value, weight] of json.exact) if (sketch.exact !== null) sketch.addExact(value, weight);
      }
    }
    sketch.positive.mergeFrom(BucketStore.fromJSON(json.positive, maxBuckets));
    sketch.negative.mergeFrom(BucketStore.fromJSON(json.negative, maxBuckets));
    if (json.collapsed === true) sketch.positive.collapsed = true;
    sketch.zero = json.zero;
    sketch.records = json.n;
    sketch.weight = json.w;
    sketch.weightSquares = json.w2;
    if (json.n > 0) {
      sketch.minValue = json.min;
      sketch.maxValue = json.max;
    }
    return sketch;
  }

  private representative(index: number): number {
    return (2 * this.gamma ** index) / (this.gamma + 1);
  }

  private clamp(value: number): number {
    return Math.min(this.maxValue, Math.max(this.minValue, value));
  }
}

/** Structural check of a parsed JSON value before `QuantileSketch.fromJSON`. */
export function isQuantileSketchJson(value: unknown): value is QuantileSketchJson {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  const store = (s: unknown) =>
    s !== null &&
    typeof s === 'object' &&
    Number.isInteger((s as Record<string, unknown>).offset) &&
    Array.isArray((s as Record<string, unknown>).counts) &&
    ((s as Record<string, unknown>).counts as unknown[]).every((c) => typeof c === 'number' && c >= 0);
  return (
    typeof v.alpha === 'number' &&
    v.alpha > 0 &&
    v.alpha < 1 &&
    ['n', 'w', 'w2', 'min', 'max', 'zero'].every((k) => typeof v[k] === 'number') &&
    store(v.positive) &&
    store(v.negative) &&
    (v.exact === undefined ||
      (Array.isArray(v.exact) &&
        (v.exact as unknown[]).every(
          (pair) =>
            Array.isArray(pair) &&
            pair.length === 2 &&
            Number.isFinite(pair[0]) &&
            typeof pair[1] === 'number' &&
            pair[1] > 0,
        ))) &&
    (v.integers === undefined || typeof v.integers === 'boolean')
  );
}
