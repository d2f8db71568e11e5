import type { SamplingDecision } from '@predlog/core';

/**
 * Why a record was kept, in the order the rules are tried; the index is the slot in per-model
 * counters. `min_per_bucket` and `sampled` are ordinary records (shed first by the rate limit);
 * every reason before them is anomaly-always.
 */
export const KEEP_REASONS = [
  'force',
  'error',
  'score_high',
  'score_low',
  'near_threshold',
  'latency',
  'feature_null',
  'feature_out_of_range',
  'new_version',
  'min_per_bucket',
  'sampled',
  'sampler_error',
] as const;

export type KeepReason = (typeof KEEP_REASONS)[number];

/** Why a record was not kept: the probabilistic draw, or the per-model rate limit. */
export const DROP_REASONS = ['sampled_out', 'rate_limited'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export const R_FORCE = 0;
export const R_ERROR = 1;
export const R_SCORE_HIGH = 2;
export const R_SCORE_LOW = 3;
export const R_NEAR_THRESHOLD = 4;
export const R_LATENCY = 5;
export const R_FEATURE_NULL = 6;
export const R_FEATURE_OUT_OF_RANGE = 7;
export const R_NEW_VERSION = 8;
export const R_MIN_PER_BUCKET = 9;
export const R_SAMPLED = 10;
export const R_SAMPLER_ERROR = 11;

/** Reasons below this index are anomaly-always: the rate limit sheds them last. */
export const FIRST_ORDINARY_REASON = R_MIN_PER_BUCKET;

/** One frozen decision per reason at weight 1, shared by every model (no allocation per call). */
export const KEEP_ALWAYS: readonly SamplingDecision[] = KEEP_REASONS.map((reason) =>
  Object.freeze({ keep: true, weight: 1, reason }),
);

export const SAMPLED_OUT: SamplingDecision = Object.freeze({ keep: false, weight: 0, reason: 'sampled_out' });
export const RATE_LIMITED: SamplingDecision = Object.freeze({
  keep: false,
  weight: 0,
  reason: 'rate_limited',
});

/** A kept decision for a probabilistic draw at `rate`: weight 1/rate (the Horvitz–Thompson weight). */
export function sampledDecision(rate: number, reason: KeepReason): SamplingDecision {
  return Object.freeze({ keep: true, weight: rate > 0 ? 1 / rate : 1, reason });
}
