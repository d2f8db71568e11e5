import {
  BaseProcessor,
  type Clock,
  type ComponentServices,
  consistentHash,
  type Diagnostics,
  type LogRecordLike,
  type PredictionView,
  type Sampler,
  type SamplingDecision,
} from '@predlog/core';
import { ATTR, PREDICTION_EVENT } from '@predlog/schema';
import type { SamplingConfig } from './config.ts';
import { FEATURE_READ_FAILED, FeatureRules } from './internal/feature-rules.ts';
import { ModelState } from './internal/model-state.ts';
import { emptyPredictionView, readPredictionView } from './internal/prediction-view.ts';
import { RuleShares } from './internal/rule-shares.ts';
import { registerSamplingMetrics, type SamplingErrorCounts } from './internal/sampling-metrics.ts';
import {
  KEEP_ALWAYS,
  KEEP_REASONS,
  type KeepReason,
  R_ERROR,
  R_FORCE,
  R_LATENCY,
  R_MIN_PER_BUCKET,
  R_NEAR_THRESHOLD,
  R_NEW_VERSION,
  R_SAMPLED,
  R_SAMPLER_ERROR,
  R_SCORE_HIGH,
  R_SCORE_LOW,
  RATE_LIMITED,
  SAMPLED_OUT,
} from './internal/sampling-reasons.ts';
import {
  EdgeBuckets,
  EqualWidthBuckets,
  QuantileEdgeLearner,
  type ScoreBuckets,
  SINGLE_BUCKET,
} from './internal/score-buckets.ts';
import { ScoreTails } from './internal/score-tails.ts';
import { TokenBucket } from './internal/token-bucket.ts';
import { pickTier, type VolumeTier } from './internal/volume-tiers.ts';

/**
 * The clock is read on every 16th call, when a model or a deployment time is first seen, and once
 * per `process()` batch: a decision sees a time at most 15 calls old. Reading it costs about as much as the rest of a dropped decision (bench/sampling.bench.ts),
 * and windows, tiers and version ages are minutes to hours long. The schedule depends only on the
 * order of calls, never on a decision, so the per-bucket minimum keeps the same records at every
 * rate (the subset property) and in every instance fed the same stream.
 */
const CLOCK_EVERY_MASK = 15;
const UNKNOWN_MODEL = '_unknown';
const OTHER_MODEL = '_other';

/** The core services the processor uses (a factory passes all of `ComponentServices`). */
export type SamplingServices = Pick<ComponentServices, 'id' | 'diagnostics' | 'meter' | 'clock'>;

/** One model's counts as `stats()` reports them. */
export interface SamplingModelStats {
  /** `ml.model.name`; `_unknown` for records without one, `_other` beyond `maxModels`. */
  model: string;
  /** Prediction records decided. */
  received: number;
  kept: Record<KeepReason, number>;
  keptTotal: number;
  /** Not drawn by the probabilistic sample. */
  sampledOut: number;
  /** Shed by the rate limit, by the rule that would have kept them. */
  rateLimited: Record<KeepReason, number>;
  rateLimitedTotal: number;
  /** Base rate now (the volume tier, or the fixed rate). */
  rate: number;
  volumePerDay: number;
  tierChanges: number;
  /** Interior stratum edges (learned ones with quantile buckets; empty while still learning). */
  bucketEdges: number[];
  /**
   * Scores below `low` / above `high` are kept now (`score_low` / `score_high`): the fixed bounds
   * combined with the model's own tails; null where neither applies (yet).
   */
  scoreCuts: { low: number | null; high: number | null };
  /** Rules past `alwaysKeep.maxShare` now, with the probability their records are drawn at. */
  cappedRules: Partial<Record<KeepReason, number>>;
}

export interface SamplingStats {
  models: SamplingModelStats[];
  totals: { received: number; kept: number; sampledOut: number; rateLimited: number };
  errors: SamplingErrorCounts;
}

/**
 * Decides which predictions are logged: anomaly-always rules first, then a minimum per score
 * bucket and window, then a consistent draw on the request id at the model's volume-tier rate,
 * then a per-model rate limit. Every kept record carries its Horvitz–Thompson weight (1 / its
 * inclusion probability), so weighted counts from the logs are unbiased.
 *
 * One implementation, two entry points: `decide()` is the PredictionLogger's head sampler (run before
 * a record is captured); `process()` runs the same decision on OTel log records from anywhere.
 */
export class SamplingProcessor extends BaseProcessor implements Sampler {
  override readonly headSampler: Sampler = this;
  readonly dropReason = 'sampled_out';

  private readonly clock: Clock;
  private readonly diagnostics: Diagnostics;
  private readonly seed: number;
  private readonly tiers: readonly VolumeTier[] | undefined;
  private readonly baseRate: number;
  private readonly hysteresis: number;
  private readonly volumeWindowMs: number;
  private readonly bucketWindowMs: number;
  private readonly minPerBucket: number;
  private readonly fixedBuckets: ScoreBuckets | undefined;
  private readonly quantile: { warmupRecords: number; count: number } | undefined;
  private readonly honourForce: boolean;
  private readonly keepErrors: boolean;
  /** Disabled bounds are ±Infinity and a disabled delta 0, so the checks need no flags. */
  private readonly scoreAbove: number;
  private readonly scoreBelow: number;
  private readonly nearDelta: number;
  private readonly latencyAboveMs: number;
  private readonly features: FeatureRules | undefined;
  private readonly tails: ConstructorParameters<typeof ScoreTails>[0] | undefined;
  private readonly maxShare: number;
  private readonly newVersionWindowMs: number;
  private readonly newVersionRate: number;
  private readonly rateLimit: SamplingConfig['rateLimit'];
  private readonly maxModels: number;

  private readonly models = new Map<string, ModelState>();
  private overflow: ModelState | undefined;
  private lastName: string | undefined;
  private lastState: ModelState | undefined;
  private nowMs: number;
  private calls = 0;
  private random: number;
  private readonly view = emptyPredictionView();
  private readonly errors: SamplingErrorCounts = {
    featureRead: 0,
    recordRead: 0,
    internal: 0,
    deployedAt: 0,
  };
  private readonly newVersionEndFn = (deployedAtMs: number): number => this.newVersionEnd(deployedAtMs);

  constructor(config: SamplingConfig, services: SamplingServices) {
    super(services.id);
    this.clock = services.clock;
    this.diagnostics = services.diagnostics;
    this.seed = config.seed;
    this.tiers = config.rate === undefined ? config.volumeTiers : undefined;
    this.baseRate = config.rate ?? (config.volumeTiers[0] as VolumeTier).rate;
    this.hysteresis = config.tierHysteresis;
    this.volumeWindowMs = config.volumeWindowMs;
    this.bucketWindowMs = config.bucketWindowMs;
    this.minPerBucket = config.minPerBucket;
    const b = config.buckets;
    this.quantile = b.quantile ? { warmupRecords: b.warmupRecords, count: b.count } : undefined;
    this.fixedBuckets = b.quantile
      ? undefined
      : b.edges !== undefined
        ? EdgeBuckets.fromEdges(b.edges)
        : new EqualWidthBuckets(b.count, b.min, b.max);
    const keep = config.alwaysKeep;
    this.honourForce = keep.force;
    this.keepErrors = keep.errors;
    this.scoreAbove = keep.scoreAbove ?? Number.POSITIVE_INFINITY;
    this.scoreBelow = keep.scoreBelow ?? Number.NEGATIVE_INFINITY;
    this.nearDelta = keep.nearThresholdDelta ?? 0;
    this.latencyAboveMs = keep.latencyAboveMs ?? Number.POSITIVE_INFINITY;
    this.features = Object.keys(keep.features).length > 0 ? new FeatureRules(keep.features) : undefined;
    // The tails are measured on the score range the strata use ([0, 1] for a classifier).
    const edges = b.edges;
    this.tails =
      keep.scoreTail === null || b.quantile
        ? undefined
        : {
            lo: edges === undefined ? b.min : (edges[0] as number),
            hi: edges === undefined ? b.max : (edges[edges.length - 1] as number),
            share: keep.scoreTail,
            warmupScores: config.scoreDistribution.warmupScores,
            halfLifeScores: config.scoreDistribution.halfLifeScores,
          };
    this.maxShare = keep.maxShare;
    this.newVersionWindowMs = config.newVersion.windowMs;
    this.newVersionRate = config.newVersion.rate;
    this.rateLimit = config.rateLimit;
    this.maxModels = config.maxModels;
    this.nowMs = this.clock.monotonic();
    // xorshift32 state for records without a request id; never 0.
    this.random = (config.seed ^ 0x9e3779b9) >>> 0 || 1;
    registerSamplingMetrics(services.meter, services.id, () => this.allStates(), this.errors);
  }

  /** The head decision. Allocation-free unless a model, version or tier is new; never throws. */
  decide(view: PredictionView): SamplingDecision {
    try {
      return this.decideUnchecked(view);
    } catch {
      this.errors.internal++;
      this.diagnostics.warnOnce(
        `sampling.internal_error.${this.id}`,
        `${this.id}: a sampling decision failed; the record was kept with reason sampler_error and counted`,
      );
      return KEEP_ALWAYS[R_SAMPLER_ERROR] as SamplingDecision;
    }
  }

  /**
   * The OTel path: decides each `ml.prediction` record from its attributes and body, drops the
   * ones sampled out and writes `ml.sampling.weight` / `ml.sampling.reason` on the rest. Other
   * events pass untouched. Compacts `records` in place.
   */
  process(records: LogRecordLike[]): LogRecordLike[] {
    this.readClock();
    let kept = 0;
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as LogRecordLike;
      if (record.eventName === PREDICTION_EVENT) {
        let decision: SamplingDecision;
        try {
          decision = this.decide(readPredictionView(record.attributes, record.body, this.view));
        } catch {
          // Only a record whose attributes or body cannot be read gets here; keep it, marked.
          this.errors.recordRead++;
          this.diagnostics.warnOnce(
            `sampling.record_unreadable.${this.id}`,
            `${this.id}: a log record could not be read; it was kept with reason sampler_error and counted`,
          );
          decision = KEEP_ALWAYS[R_SAMPLER_ERROR] as SamplingDecision;
        }
        if (!decision.keep) continue;
        record.setAttribute(ATTR.samplingWeight, decision.weight);
        record.setAttribute(ATTR.samplingReason, decision.reason);
      }
      records[kept++] = record;
    }
    records.length = kept;
    return records;
  }

  /** Counts per model since start (the same figures the metrics report). */
  stats(): SamplingStats {
    const models: SamplingModelStats[] = [];
    const totals = { received: 0, kept: 0, sampledOut: 0, rateLimited: 0 };
    for (const state of this.allStates()) {
      const kept = {} as Record<KeepReason, number>;
      const rateLimited = {} as Record<KeepReason, number>;
      let keptTotal = 0;
      let rateLimitedTotal = 0;
      KEEP_REASONS.forEach((reason, i) => {
        kept[reason] = state.kept[i] as number;
        rateLimited[reason] = state.rateLimited[i] as number;
        keptTotal += state.kept[i] as number;
        rateLimitedTotal += state.rateLimited[i] as number;
      });
      models.push({
        model: state.name,
        received: state.received,
        kept,
        keptTotal,
        sampledOut: state.sampledOut,
        rateLimited,
        rateLimitedTotal,
        rate: state.rate,
        volumePerDay: state.volume.perDay,
        tierChanges: state.tierChanges,
        bucketEdges: state.buckets instanceof EdgeBuckets ? [...state.buckets.edges] : [],
        scoreCuts: {
          low: Number.isFinite(state.scoreLowCut) ? state.scoreLowCut : null,
          high: Number.isFinite(state.scoreHighCut) ? state.scoreHighCut : null,
        },
        cappedRules: cappedRules(state),
      });
      totals.received += state.received;
      totals.kept += keptTotal;
      totals.sampledOut += state.sampledOut;
      totals.rateLimited += rateLimitedTotal;
    }
    return { models, totals, errors: { ...this.errors } };
  }

  private decideUnchecked(view: PredictionView): SamplingDecision {
    let now = this.nowMs;
    if ((++this.calls & CLOCK_EVERY_MASK) === 0) now = this.readClock();
    const name = view.modelName;
    let state = this.lastState;
    if (state === undefined || name !== this.lastName) state = this.stateFor(name, now);
    if (now >= state.nextRollAt) this.roll(state, now);
    state.received++;
    state.volume.current++;
    const shares = state.shares;
    if (shares !== undefined) shares.count();

    // The rules: `reason` is the first matching rule with the highest inclusion probability `p`
    // (1 for a rule below its cap, maxShare / share for one past it); later rules are tried only
    // while no rule has made the record certain.
    const score = view.score;
    const hasScore = typeof score === 'number' && !Number.isNaN(score);
    let reason = -1;
    let p = 0;
    if (view.force === true && this.honourForce) {
      reason = R_FORCE;
      p = 1;
    } else if (view.isError === true && this.keepErrors) {
      reason = R_ERROR;
      p = shares === undefined ? 1 : shares.fire(R_ERROR);
    }
    if (p < 1 && hasScore) {
      let rule = -1;
      if (score > state.scoreHighCut) rule = R_SCORE_HIGH;
      else if (score < state.scoreLowCut) rule = R_SCORE_LOW;
      else if (this.nearDelta > 0) {
        const threshold = view.threshold;
        if (typeof threshold === 'number' && Math.abs(score - threshold) < this.nearDelta)
          rule = R_NEAR_THRESHOLD;
      }
      if (rule >= 0) {
        const q = shares === undefined ? 1 : shares.fire(rule);
        if (q > p) {
          p = q;
          reason = rule;
        }
      }
    }
    if (p < 1) {
      const latency = view.latencyMs;
      if (typeof latency === 'number' && latency > this.latencyAboveMs) {
        const q = shares === undefined ? 1 : shares.fire(R_LATENCY);
        if (q > p) {
          p = q;
          reason = R_LATENCY;
        }
      }
    }
    if (p < 1 && this.features !== undefined) {
      const features = view.features;
      // Without a features map (an OTel record that has none) the rule has nothing to judge.
      if (features !== null && typeof features === 'object') {
        const found = this.features.check(features);
        if (found >= 0) {
          const q = shares === undefined ? 1 : shares.fire(found);
          if (q > p) {
            p = q;
            reason = found;
          }
        } else if (found === FEATURE_READ_FAILED) this.featureReadFailed();
      }
    }

    let rate = state.rate;
    let keep = state.keepSampled;
    let keepReason = R_SAMPLED;
    if (this.newVersionWindowMs > 0) {
      // New means deployed recently (`model.deployedAt`), never "first seen by this process".
      const deployedAt = view.modelDeployedAt;
      if (deployedAt !== undefined && deployedAt !== null) {
        if (deployedAt !== state.deployedAtRaw) this.noteDeployment(state, deployedAt);
        if (now < state.newVersionUntil) {
          if (this.newVersionRate >= 1) {
            if (p < 1) {
              p = 1;
              if (reason < 0) reason = R_NEW_VERSION;
            }
          } else if (this.newVersionRate > rate) {
            rate = this.newVersionRate;
            keep = state.keepNewVersion;
            keepReason = R_NEW_VERSION;
          }
        } else if (state.deployedAtInvalid) this.errors.deployedAt++;
      }
    }

    let stratum: number;
    if (hasScore) {
      const learner = state.learner;
      if (learner !== undefined) {
        const learned = learner.add(score);
        if (learned !== undefined) this.useLearnedBuckets(state, learned);
      }
      // After the rules: a record's own score never moves the cut it was judged by.
      const tails = state.tails;
      if (tails?.add(score)) {
        state.scoreLowCut = Math.max(this.scoreBelow, tails.lowCut);
        state.scoreHighCut = Math.min(this.scoreAbove, tails.highCut);
      }
      stratum = state.buckets.indexOf(score);
    } else stratum = state.buckets.size;
    const arrivals = state.arrivals;
    const seen = arrivals[stratum] as number;
    arrivals[stratum] = seen + 1;

    if (p >= 1) return this.admit(state, KEEP_ALWAYS[reason] as SamplingDecision, reason, true);
    if (seen < this.minPerBucket) {
      // Kept with certainty either way; a capped rule's record still says which rule it matched.
      if (reason >= 0) return this.admit(state, KEEP_ALWAYS[reason] as SamplingDecision, reason, true);
      return this.admit(state, KEEP_ALWAYS[R_MIN_PER_BUCKET] as SamplingDecision, R_MIN_PER_BUCKET, false);
    }
    if (reason >= 0) {
      // A rule past its cap: drawn on the same hash as the sample, at the higher of the two rates.
      const q = Math.max(p, rate);
      if (q >= 1) return this.admit(state, KEEP_ALWAYS[reason] as SamplingDecision, reason, true);
      if (this.draw(view) < q) return this.admit(state, state.cappedDecision(reason, q), reason, true);
      state.sampledOut++;
      return SAMPLED_OUT;
    }
    if (rate >= 1) return this.admit(state, keep, keepReason, false);
    if (this.draw(view) < rate) return this.admit(state, keep, keepReason, false);
    state.sampledOut++;
    return SAMPLED_OUT;
  }

  /** The consistent draw: the request id's hash, or a seeded pseudo-random number without one. */
  private draw(view: PredictionView): number {
    const id = view.requestId;
    return typeof id === 'string' ? consistentHash(id, this.seed) : this.nextRandom();
  }

  /**
   * A model's deployment time changed (or is first seen): look up or compute until when its records
   * are new. An unreadable one turns the rule off for them, reported once and counted per record.
   */
  private noteDeployment(state: ModelState, raw: unknown): void {
    state.deployedAtRaw = raw;
    const ms = deployedAtMs(raw);
    state.deployedAtInvalid = ms === undefined;
    if (ms === undefined) {
      state.newVersionUntil = Number.NEGATIVE_INFINITY;
      this.diagnostics.warnOnce(
        `sampling.deployed_at_invalid.${this.id}`,
        `${this.id}: a model deployment time is not a Date, epoch milliseconds or an ISO 8601 string; the new-version rule skips those records (counted)`,
      );
      return;
    }
    state.newVersionUntil = state.newVersionEnd(ms, this.newVersionEndFn);
  }

  /** Wall-clock deployment time → monotonic end of its window (converted once, here). */
  private newVersionEnd(deployedAtMs: number): number {
    // A deployment "in the future" (clock skew between hosts) counts as deployed now.
    const age = Math.max(0, this.clock.now() - deployedAtMs);
    return this.readClock() + this.newVersionWindowMs - age;
  }

  /** Applies the rate limit to a record the rules would keep, and counts it either way. */
  private admit(
    state: ModelState,
    decision: SamplingDecision,
    reason: number,
    anomaly: boolean,
  ): SamplingDecision {
    const tokens = state.tokens;
    // The bucket reads the clock itself (exact refill) without moving the shared time, which would
    // make the window schedule depend on decisions.
    if (tokens !== undefined && !tokens.take(this.clock.monotonic(), anomaly)) {
      state.rateLimited[reason] = (state.rateLimited[reason] as number) + 1;
      return RATE_LIMITED;
    }
    state.kept[reason] = (state.kept[reason] as number) + 1;
    return decision;
  }

  private readClock(): number {
    const now = this.clock.monotonic();
    this.nowMs = now;
    return now;
  }

  private stateFor(name: string | undefined, staleNow: number): ModelState {
    const key = typeof name === 'string' ? name : '';
    let state = this.models.get(key);
    // A new model's windows start at the exact time; switching between known models needs none.
    const now = state === undefined ? this.readClock() : staleNow;
    if (state === undefined) {
      if (this.models.size < this.maxModels) {
        state = this.newState(key === '' ? UNKNOWN_MODEL : key, now);
        this.models.set(key, state);
      } else {
        this.diagnostics.warnOnce(
          `sampling.too_many_models.${this.id}`,
          `${this.id}: more than maxModels (${this.maxModels}) model names; the rest share one state, _other`,
        );
        this.overflow ??= this.newState(OTHER_MODEL, now);
        state = this.overflow;
      }
    }
    this.lastName = name;
    this.lastState = state;
    return state;
  }

  private newState(name: string, now: number): ModelState {
    const limit = this.rateLimit;
    return new ModelState({
      name,
      nowMs: now,
      volumeWindowMs: this.volumeWindowMs,
      bucketWindowMs: this.bucketWindowMs,
      rate: this.baseRate,
      newVersionRate: this.newVersionRate,
      buckets: this.fixedBuckets ?? SINGLE_BUCKET,
      learner:
        this.quantile === undefined
          ? undefined
          : new QuantileEdgeLearner(this.quantile.warmupRecords, this.quantile.count),
      tokens:
        limit === undefined
          ? undefined
          : new TokenBucket(limit.recordsPerSecond, limit.burstRecords, limit.anomalyReserveFraction, now),
      scoreLowCut: this.scoreBelow,
      scoreHighCut: this.scoreAbove,
      tails: this.tails === undefined ? undefined : new ScoreTails(this.tails),
      shares: this.maxShare < 1 ? new RuleShares(this.maxShare) : undefined,
    });
  }

  private roll(state: ModelState, now: number): void {
    const volume = state.volume;
    if (now >= volume.slotEndsAt) {
      volume.roll(now);
      const tiers = this.tiers;
      if (tiers !== undefined) {
        const tier = pickTier(tiers, state.tier, volume.perDay, this.hysteresis);
        if (tier !== state.tier) this.changeTier(state, tiers, tier);
      }
    }
    state.rollBuckets(now, this.bucketWindowMs);
    state.nextRollAt = Math.min(volume.slotEndsAt, state.bucketWindowEndsAt);
  }

  private changeTier(state: ModelState, tiers: readonly VolumeTier[], tier: number): void {
    const from = state.rate;
    const to = (tiers[tier] as VolumeTier).rate;
    state.tier = tier;
    state.setRate(to);
    state.tierChanges++;
    this.diagnostics.info(
      'sampling.tier_changed',
      `${this.id}: model ${JSON.stringify(state.name)} at about ${formatVolume(state.volume.perDay)} predictions/day: rate ${formatRate(from)} -> ${formatRate(to)} (tier ${tier + 1} of ${tiers.length})`,
    );
  }

  private useLearnedBuckets(state: ModelState, buckets: EdgeBuckets): void {
    state.useBuckets(buckets);
    this.diagnostics.info(
      'sampling.quantile_edges_learned',
      `${this.id}: model ${JSON.stringify(state.name)}: ${buckets.size} quantile strata learned from the warm-up scores`,
    );
  }

  private featureReadFailed(): void {
    this.errors.featureRead++;
    this.diagnostics.warnOnce(
      `sampling.feature_read_failed.${this.id}`,
      `${this.id}: key features could not be read (a throwing getter or proxy); the rule was skipped and counted`,
    );
  }

  private nextRandom(): number {
    let x = this.random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.random = x >>> 0;
    return this.random / 4294967296;
  }

  private *allStates(): Iterable<ModelState> {
    yield* this.models.values();
    if (this.overflow !== undefined) yield this.overflow;
  }
}

/** A deployment time as epoch milliseconds: a valid Date, a finite number, or a string Date.parse reads. */
function deployedAtMs(raw: unknown): number | undefined {
  const ms =
    typeof raw === 'number'
      ? raw
      : typeof raw === 'string'
        ? Date.parse(raw)
        : raw instanceof Date
          ? raw.getTime()
          : Number.NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

function cappedRules(state: ModelState): Partial<Record<KeepReason, number>> {
  const capped: Partial<Record<KeepReason, number>> = {};
  const probability = state.shares?.probability;
  if (probability !== undefined)
    KEEP_REASONS.forEach((reason, i) => {
      if ((probability[i] as number) < 1) capped[reason] = probability[i] as number;
    });
  return capped;
}

function formatRate(rate: number): string {
  return `${Number((rate * 100).toPrecision(3))}%`;
}

function formatVolume(perDay: number): string {
  if (perDay >= 1e6) return `${Number((perDay / 1e6).toPrecision(3))}M`;
  if (perDay >= 1e3) return `${Number((perDay / 1e3).toPrecision(3))}k`;
  return String(Math.round(perDay));
}
