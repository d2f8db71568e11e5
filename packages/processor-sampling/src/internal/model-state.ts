import type { SamplingDecision } from '@predlog/core';
import type { RuleShares } from './rule-shares.ts';
import { KEEP_REASONS, R_NEW_VERSION, R_SAMPLED, sampledDecision } from './sampling-reasons.ts';
import type { QuantileEdgeLearner, ScoreBuckets } from './score-buckets.ts';
import type { ScoreTails } from './score-tails.ts';
import type { TokenBucket } from './token-bucket.ts';
import { VolumeWindow } from './volume-tiers.ts';

/** Deployment times remembered per model (champion and challenger alternate); cleared beyond this. */
const MAX_DEPLOYMENTS = 32;

/**
 * Everything the sampler keeps per model: the volume window and tier, the strata of the current
 * window, its score distribution and rule shares, when its version was deployed, the token bucket,
 * and the counters behind the metrics.
 */
export class ModelState {
  readonly name: string;
  readonly volume: VolumeWindow;
  /** Index into the configured tiers (0 with a fixed rate). */
  tier = 0;
  /** Base rate now (tier or fixed). */
  rate: number;
  /** Cached decisions at the current rate, so a kept record allocates nothing. */
  keepSampled: SamplingDecision;
  /** The rate a young version gets when its configured rate is above the base rate. */
  newVersionRate: number;
  keepNewVersion: SamplingDecision;
  tierChanges = 0;

  buckets: ScoreBuckets;
  learner: QuantileEdgeLearner | undefined;
  /** Arrivals per stratum in the current window; the last slot is for records without a score. */
  arrivals: Uint32Array;
  bucketWindowEndsAt: number;
  /** min(volume slot end, bucket window end): one comparison on the hot path. */
  nextRollAt: number;

  /** The score rule's cuts now: the fixed bounds combined with the model's own tails. */
  scoreLowCut: number;
  scoreHighCut: number;
  readonly tails: ScoreTails | undefined;
  /** How much of the traffic each rule claims, and its capped probability; undefined without a cap. */
  readonly shares: RuleShares | undefined;
  /** One decision per reason for a capped rule's draw, rebuilt when its probability changes. */
  private readonly cappedDecisions: Array<SamplingDecision | undefined> = [];

  /** The deployment time last seen, as given (identity check on the hot path). */
  deployedAtRaw: unknown = undefined;
  /** Monotonic time until which records of that deployment are new; −Infinity when unknown. */
  newVersionUntil = Number.NEGATIVE_INFINITY;
  /** The deployment time last seen could not be read. */
  deployedAtInvalid = false;
  /** Deployment time (epoch ms) → monotonic end of its window. */
  private readonly deployments = new Map<number, number>();

  readonly tokens: TokenBucket | undefined;

  received = 0;
  readonly kept = new Float64Array(KEEP_REASONS.length);
  sampledOut = 0;
  /** Records shed by the rate limit, by the reason that would have kept them. */
  readonly rateLimited = new Float64Array(KEEP_REASONS.length);

  constructor(options: {
    name: string;
    nowMs: number;
    volumeWindowMs: number;
    bucketWindowMs: number;
    rate: number;
    newVersionRate: number;
    buckets: ScoreBuckets;
    learner: QuantileEdgeLearner | undefined;
    tokens: TokenBucket | undefined;
    scoreLowCut: number;
    scoreHighCut: number;
    tails: ScoreTails | undefined;
    shares: RuleShares | undefined;
  }) {
    this.name = options.name;
    this.volume = new VolumeWindow(options.volumeWindowMs, options.nowMs);
    this.rate = options.rate;
    this.keepSampled = sampledDecision(options.rate, KEEP_REASONS[R_SAMPLED]);
    this.newVersionRate = options.newVersionRate;
    this.keepNewVersion = sampledDecision(
      Math.max(options.rate, options.newVersionRate),
      KEEP_REASONS[R_NEW_VERSION],
    );
    this.buckets = options.buckets;
    this.learner = options.learner;
    this.arrivals = new Uint32Array(options.buckets.size + 1);
    this.bucketWindowEndsAt = options.nowMs + options.bucketWindowMs;
    this.nextRollAt = Math.min(this.volume.slotEndsAt, this.bucketWindowEndsAt);
    this.tokens = options.tokens;
    this.scoreLowCut = options.scoreLowCut;
    this.scoreHighCut = options.scoreHighCut;
    this.tails = options.tails;
    this.shares = options.shares;
  }

  setRate(rate: number): void {
    this.rate = rate;
    this.keepSampled = sampledDecision(rate, KEEP_REASONS[R_SAMPLED]);
    this.keepNewVersion = sampledDecision(Math.max(rate, this.newVersionRate), KEEP_REASONS[R_NEW_VERSION]);
  }

  /** Starts the next bucket window(s): strata counts restart at zero. */
  rollBuckets(nowMs: number, bucketWindowMs: number): void {
    if (nowMs < this.bucketWindowEndsAt) return;
    this.arrivals.fill(0);
    const behind = nowMs - this.bucketWindowEndsAt;
    this.bucketWindowEndsAt = nowMs + bucketWindowMs - (behind % bucketWindowMs);
  }

  /** Switches to learned quantile strata; the window's counts restart for them. */
  useBuckets(buckets: ScoreBuckets): void {
    this.buckets = buckets;
    this.learner = undefined;
    this.arrivals = new Uint32Array(buckets.size + 1);
  }

  /**
   * The monotonic end of the new-version window of a deployment at `deployedAtMs` (epoch ms),
   * computed once per deployment from the wall clock; `compute` gets called only for one not seen.
   */
  newVersionEnd(deployedAtMs: number, compute: (deployedAtMs: number) => number): number {
    let end = this.deployments.get(deployedAtMs);
    if (end === undefined) {
      if (this.deployments.size >= MAX_DEPLOYMENTS) this.deployments.clear();
      end = compute(deployedAtMs);
      this.deployments.set(deployedAtMs, end);
    }
    return end;
  }

  /** The decision for a record a capped rule drew at `probability` (weight 1 / probability). */
  cappedDecision(reason: number, probability: number): SamplingDecision {
    const weight = 1 / probability;
    let decision = this.cappedDecisions[reason];
    if (decision === undefined || decision.weight !== weight) {
      decision = Object.freeze({ keep: true, weight, reason: KEEP_REASONS[reason] as string });
      this.cappedDecisions[reason] = decision;
    }
    return decision;
  }

  get totalKept(): number {
    let sum = 0;
    for (let i = 0; i < this.kept.length; i++) sum += this.kept[i] as number;
    return sum;
  }
}
