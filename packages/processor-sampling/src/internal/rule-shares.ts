import { KEEP_REASONS } from './sampling-reasons.ts';

/** Records between two re-estimates of the shares. */
const UPDATE_EVERY = 256;
/** Records a model must have sent before any rule is capped: enough to see a 0.5% share about ten times. */
const WARMUP_RECORDS = 2048;
/** Exponential forgetting over about this many records, so a rule's share follows recent traffic. */
const MEMORY_RECORDS = 10_000;
const DECAY = Math.exp(-UPDATE_EVERY / MEMORY_RECORDS);

/**
 * How much of one model's recent traffic each always-keep rule claims, and the probability that
 * holds it to `maxShare`: 1 while the rule is rare (every such record kept, weight 1), maxShare /
 * share once it is not (its records drawn, weight 1 / that). The probability in force for a record
 * depends only on the records before it, so 1 / probability stays its exact Horvitz–Thompson weight.
 */
export class RuleShares {
  /** Inclusion probability per reason slot for the next records; 1 below the cap. */
  readonly probability = new Float64Array(KEEP_REASONS.length).fill(1);
  private readonly fired = new Float64Array(KEEP_REASONS.length);
  private readonly maxShare: number;
  private total = 0;
  private seen = 0;
  private sinceUpdate = 0;

  constructor(maxShare: number) {
    this.maxShare = maxShare;
  }

  /** Counts one record of the model (call once per decision, before or after the rules). */
  count(): void {
    this.total++;
    this.seen++;
    if (++this.sinceUpdate === UPDATE_EVERY) this.update();
  }

  /** Counts a rule's match and returns the probability its record is kept with. */
  fire(reason: number): number {
    this.fired[reason] = (this.fired[reason] as number) + 1;
    return this.probability[reason] as number;
  }

  private update(): void {
    this.sinceUpdate = 0;
    const fired = this.fired;
    const probability = this.probability;
    const warm = this.seen >= WARMUP_RECORDS;
    for (let r = 0; r < fired.length; r++) {
      const share = (fired[r] as number) / this.total;
      probability[r] = warm && share > this.maxShare ? this.maxShare / share : 1;
      fired[r] = (fired[r] as number) * DECAY;
    }
    this.total *= DECAY;
  }
}
