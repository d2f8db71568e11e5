import type { DistributionProfile } from './distribution-profile.ts';

/** Where a feature's values stayed in the baseline (training data, or the first days of production). */
export type FeatureRange =
  | { readonly kind: 'numeric'; readonly min: number; readonly max: number }
  | { readonly kind: 'categorical'; readonly values: ReadonlySet<string> };

export type FeatureRanges = ReadonlyMap<string, FeatureRange>;

/**
 * Each baseline feature's range: numbers between the `lower` and `upper` quantiles of the baseline
 * (not its min and max, which one stray value would stretch), categories the set seen. A
 * categorical feature whose rarer values were pooled as `(other)` gets no range: a value missing
 * from the kept set may well be one of the pooled ones.
 */
export function featureRangesFromProfile(
  profile: DistributionProfile,
  quantiles: { readonly lower: number; readonly upper: number },
): Map<string, FeatureRange> {
  const ranges = new Map<string, FeatureRange>();
  for (const [name, feature] of profile.features) {
    if (feature.isNumeric) {
      // A sketch's quantile q̂ is within ±α·|x| of the exact x, so |x| ≤ |q̂|/(1 − α): the range is
      // widened by that much (so a value at the edge, a trust score clipped at 1, is never out of
      // its own range) and kept within the values the baseline really had.
      const sketch = feature.sketch;
      const widen = sketch.isExact ? 0 : (sketch.alpha / (1 - sketch.alpha)) * (1 + 1e-9);
      const lower = sketch.quantile(quantiles.lower);
      const upper = sketch.quantile(quantiles.upper);
      if (Number.isFinite(lower) && Number.isFinite(upper)) {
        ranges.set(name, {
          kind: 'numeric',
          min: Math.max(sketch.min, lower - widen * Math.abs(lower)),
          max: Math.min(sketch.max, upper + widen * Math.abs(upper)),
        });
      }
    } else if (feature.categories.size > 0 && feature.other === 0) {
      ranges.set(name, { kind: 'categorical', values: new Set(feature.categories.keys()) });
    }
  }
  return ranges;
}

/**
 * Whether a request's features hold at least one value outside its baseline range: a number below
 * the range or above it, a category the baseline never had. A missing value or one of another type
 * is not an anomaly here (the drift report counts missing shares).
 */
export function hasFeatureAnomaly(
  features: Readonly<Record<string, unknown>>,
  ranges: FeatureRanges,
): boolean {
  for (const name in features) {
    const range = ranges.get(name);
    if (range === undefined) continue;
    const value = features[name];
    if (range.kind === 'numeric') {
      if (typeof value === 'number' && Number.isFinite(value) && (value < range.min || value > range.max))
        return true;
    } else if (
      (typeof value === 'string' || typeof value === 'boolean') &&
      !range.values.has(String(value))
    ) {
      return true;
    }
  }
  return false;
}
