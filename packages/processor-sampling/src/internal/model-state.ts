import type { SamplingDecision } from '@predlog/core';
import { KEEP_REASONS, R_NEW_VERSION, R_SAMPLED, sampledDecision } from './sampling-reasons.ts';
import type { QuantileEdgeLearner, ScoreBuckets } from './score-buckets.ts';
import type { TokenBucket } from './token-bucket.ts';
import { VolumeWindow } from './volume-tiers.ts';

/** Versions remembered per model (first-seen times); the oldest is forgotten beyond this. */
const MAX_VERSIONS = 32;

/**
 * Everything the sampler keeps per model: the volume window and tier, the strata of the current
 * window, first-seen times of versions, the token bucket, and the counters behind the metrics.
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

  lastVersion: string | undefined = undefined;
  /** Monotonic time until which `lastVersion` counts as new. */
  lastVersionNewUntil = Number.NEGATIVE_INFINITY;
  private readonly versions = new Map<string, number>();

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
   * Looks up (or records) when `version` was first seen and makes it `lastVersion`. The first
   * version of a model counts as established when `ignoreFirst` is set. Versions beyond 32 per model
   * forget the one seen longest ago (it comes back as new).
   */
  noteVersion(version: string, readClock: () => number, windowMs: number, ignoreFirst: boolean): void {
    let firstSeen = this.versions.get(version);
    if (firstSeen === undefined) {
      // Only a first sighting needs the exact time; switching between known versions does not.
      firstSeen = ignoreFirst && this.versions.size === 0 ? Number.NEGATIVE_INFINITY : readClock();
      if (this.versions.size >= MAX_VERSIONS) {
        // Forget the version seen longest ago; it is long past its window.
        let oldestKey: string | undefined;
        let oldest = Number.POSITIVE_INFINITY;
        for (const [key, seen] of this.versions) {
          if (seen < oldest) {
            oldest = seen;
            oldestKey = key;
          }
        }
        if (oldestKey !== undefined) this.versions.delete(oldestKey);
      }
      this.versions.set(version, firstSeen);
    }
    this.lastVersion = version;
    this.lastVersionNewUntil = firstSeen + windowMs;
  }

  get totalKept(): number {
    let sum = 0;
    for (let i = 0; i < this.kept.length; i++) sum += this.kept[i] as number;
    return sum;
  }
}
