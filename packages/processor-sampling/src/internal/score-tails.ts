/**
 * Bins per halving of the distance to the nearer end: the top 4 bits of the double's mantissa, so
 * each bin is 1/16 of its halving wide (3–6% of the distance), read from the bits without a log.
 */
const BINS_PER_HALVING = 16;
/**
 * Halvings per side: distances down to 2^-57 of the range. Doubles next to 1 are 2^-53 apart, so a
 * classifier's scores close to 1 never share the last bin unless they are equal; closer to 0 than
 * 2^-57 (7e-18) they do.
 */
const HALVINGS = 56;
const SIDE = BINS_PER_HALVING * HALVINGS;
/** Sign, exponent and top 4 mantissa bits of a double just below 0.5: the key of bin 0. */
const KEY_BELOW_HALF = (1021 << 4) | 15;
/** A double's high 32 bits, through a shared scratch (the word order follows the platform). */
const scratch = new Float64Array(1);
const scratchWords = new Uint32Array(scratch.buffer);
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
/** Scores between two re-estimates of the cuts (and two steps of forgetting). */
const UPDATE_EVERY = 256;
/** The weight of a new score grows instead of old counts shrinking; all are rescaled past this. */
const RESCALE_ABOVE = 2 ** 100;

/**
 * One model's own score distribution at both ends, for the tail rule: a histogram of each score's
 * distance to the nearer end of the score range [lo, hi] on a log scale, so that 2e-5 and 3e-5 (or
 * 0.99993 and 0.99995) are told apart as well as 0.2 and 0.3, with exponential forgetting so the
 * estimate follows the model's recent traffic. Every 256 scores it re-estimates the two cuts: the
 * scores below `lowCut` and above `highCut` are the `share` most extreme of the recent ones at
 * each end. Until `warmupScores` scores have arrived both cuts are off (±Infinity).
 *
 * 1,792 numbers (14 kB) per model. `add()` reads the bin from the double's bits and increments it
 * (a log2 would cost more than the rest of a decision); forgetting multiplies the weight of later
 * scores rather than touching every bin; the re-estimate walks from each end only as far as the
 * share reaches.
 */
export class ScoreTails {
  lowCut = Number.NEGATIVE_INFINITY;
  highCut = Number.POSITIVE_INFINITY;
  private readonly lo: number;
  private readonly range: number;
  private readonly inverseRange: number;
  private readonly share: number;
  private readonly warmupScores: number;
  /** Growth of the weight per update: 2^(256 / halfLifeScores). */
  private readonly growth: number;
  /** Low half from its extreme (0) to the middle (SIDE − 1), then the high half from the middle out. */
  private readonly bins = new Float64Array(2 * SIDE);
  private weight = 1;
  private total = 0;
  private lowestUsed = 2 * SIDE;
  private highestUsed = -1;
  /** The lowest and highest position seen: no score lies beyond them, whatever the bin spans. */
  private minU = Number.POSITIVE_INFINITY;
  private maxU = Number.NEGATIVE_INFINITY;
  private added = 0;
  private sinceUpdate = 0;

  constructor(options: {
    lo: number;
    hi: number;
    share: number;
    warmupScores: number;
    halfLifeScores: number;
  }) {
    this.lo = options.lo;
    this.range = options.hi - options.lo;
    this.inverseRange = 1 / this.range;
    this.share = options.share;
    this.warmupScores = options.warmupScores;
    this.growth = 2 ** (UPDATE_EVERY / options.halfLifeScores);
  }

  /** Adds a score (never NaN; ±Infinity and values outside the range count at its ends); true when the cuts were re-estimated. */
  add(score: number): boolean {
    const u = (score - this.lo) * this.inverseRange;
    const i = u < 0.5 ? SIDE - 1 - halvingBin(u) : SIDE + halvingBin(1 - u);
    const bins = this.bins;
    bins[i] = (bins[i] as number) + this.weight;
    this.total += this.weight;
    if (i < this.lowestUsed) this.lowestUsed = i;
    if (i > this.highestUsed) this.highestUsed = i;
    if (u < this.minU) this.minU = u;
    if (u > this.maxU) this.maxU = u;
    this.added++;
    if (++this.sinceUpdate < UPDATE_EVERY) return false;
    this.update();
    return true;
  }

  private update(): void {
    this.sinceUpdate = 0;
    if (this.added >= this.warmupScores) {
      const target = this.share * this.total;
      const low = this.cutAt(target, true);
      const high = this.cutAt(target, false);
      this.lowCut = low === undefined ? Number.NEGATIVE_INFINITY : this.lo + low * this.range;
      this.highCut = high === undefined ? Number.POSITIVE_INFINITY : this.lo + high * this.range;
    }
    // Forgetting: later scores weigh more, which is the same as earlier ones weighing less.
    this.weight *= this.growth;
    if (this.weight > RESCALE_ABOVE) {
      const bins = this.bins;
      const scale = 1 / this.weight;
      for (let i = 0; i < bins.length; i++) bins[i] = (bins[i] as number) * scale;
      this.total *= scale;
      this.weight = 1;
    }
  }

  /**
   * Walks the bins from one extreme inwards (on into the other half when the scores sit on one
   * side) to the bin where the mass passes `target`, and returns the position in the range (0–1)
   * at which it does, interpolated on the log scale inside that bin. Undefined when that is the
   * extreme bin, the one every closer value shares: a pile of identical end values is the model's
   * normal output, not a rare extreme.
   */
  private cutAt(target: number, fromLow: boolean): number | undefined {
    const bins = this.bins;
    const last = bins.length - 1;
    const step = fromLow ? 1 : -1;
    const end = fromLow ? this.highestUsed + 1 : this.lowestUsed - 1;
    let mass = 0;
    for (let i = fromLow ? this.lowestUsed : this.highestUsed; i !== end; i += step) {
      const count = bins[i] as number;
      if (mass + count > target) {
        if (i === 0 || i === last) return undefined;
        const inside = (target - mass) / count;
        return this.positionIn(i, fromLow ? inside : 1 - inside);
      }
      mass += count;
    }
    return undefined;
  }

  /**
   * The position in the range (0–1) a share `t` (0–1, from its lower end) into bin `i`, linear
   * inside the bin as the bin is linear in the distance to its end, narrowed to the scores seen: a
   * model whose scores stop at a hard edge (0.01, say) inside a bin gets its cut below that edge,
   * not in the empty part of the bin.
   */
  private positionIn(i: number, t: number): number {
    const low = i < SIDE;
    const key = KEY_BELOW_HALF - (low ? SIDE - 1 - i : i - SIDE);
    // Distances in the bin: (16 + m) .. (17 + m) times 2^(exponent − 1027).
    const unit = 2 ** ((key >>> 4) - 1027);
    const near = (16 + (key & 15)) * unit;
    const far = near + unit;
    let a = low ? near : 1 - far;
    let b = low ? far : 1 - near;
    if (this.minU > a) a = this.minU;
    if (this.maxU < b) b = this.maxU;
    return a < b ? a + t * (b - a) : a;
  }
}

/**
 * Bin of a distance d ≤ 0.5 to the nearer end: 0 just below 0.5, one more per 1/16 of a halving
 * (the double's exponent and top 4 mantissa bits), capped; 0, negative and NaN distances (a score
 * at or past the end) go to the last.
 */
function halvingBin(d: number): number {
  if (!(d > 0)) return SIDE - 1;
  scratch[0] = d;
  const bin = KEY_BELOW_HALF - ((scratchWords[HIGH_WORD] as number) >>> 16);
  return bin < 0 ? 0 : bin < SIDE ? bin : SIDE - 1;
}
