export interface BaselineBucketsOptions {
  /** Buckets per feature (boundaries = buckets - 1, fewer when values repeat). Default 10. */
  readonly buckets?: number;
  /** Significant digits the boundaries are rounded to, so `le` labels stay readable. Default 4. */
  readonly significantDigits?: number;
}

/**
 * Bucket boundaries for `features` from a baseline (the training data, or a reference window of
 * production values): the baseline's quantiles, so each bucket held an equal share of it. A shift
 * then shows as buckets filling unevenly, which is what a PSI-style drift check compares.
 *
 * ```ts
 * const features = featureBucketsFromBaseline({ amount: trainingAmounts, age_days: trainingAges });
 * await createModelMetrics({ config: { features } });
 * ```
 * Throws on a feature with no finite value: that is a setup error, found at start-up.
 */
export function featureBucketsFromBaseline(
  samples: Readonly<Record<string, ArrayLike<number>>>,
  options: BaselineBucketsOptions = {},
): Record<string, { buckets: number[] }> {
  const buckets = options.buckets ?? 10;
  const digits = options.significantDigits ?? 4;
  if (!Number.isInteger(buckets) || buckets < 2 || buckets > 257)
    throw new RangeError('featureBucketsFromBaseline: buckets must be a whole number from 2 to 257');
  if (!Number.isInteger(digits) || digits < 1 || digits > 17)
    throw new RangeError('featureBucketsFromBaseline: significantDigits must be a whole number from 1 to 17');
  const result: Record<string, { buckets: number[] }> = {};
  for (const [feature, values] of Object.entries(samples)) {
    const sorted = Float64Array.from(Array.prototype.filter.call(values, Number.isFinite) as number[]).sort();
    if (sorted.length === 0)
      throw new RangeError(`featureBucketsFromBaseline: feature "${feature}" has no finite baseline value`);
    const bounds: number[] = [];
    for (let i = 1; i < buckets; i++) {
      const q = sorted[Math.min(sorted.length - 1, Math.floor((i * sorted.length) / buckets))] as number;
      const rounded = Number(q.toPrecision(digits));
      if (bounds.length === 0 || rounded > (bounds[bounds.length - 1] as number)) bounds.push(rounded);
    }
    result[feature] = { buckets: bounds };
  }
  return result;
}
