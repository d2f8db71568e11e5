/** A key feature's baseline range from the metrics config; either bound may be open. */
export interface FeatureBounds {
  readonly min?: number | undefined;
  readonly max?: number | undefined;
}

/** Whether a prediction's features hold a number outside its configured range (booleans as 0/1). */
export type FeatureAnomalyCheck = (features: Readonly<Record<string, unknown>>) => boolean;

/**
 * Builds the check once, when the metrics are created: a list of (name, min, max) read in order,
 * stopping at the first value out of range. A missing or non-numeric value is not an anomaly (the
 * logs' drift report counts missing shares).
 */
export function compileFeatureAnomalyCheck(
  ranges: Readonly<Record<string, FeatureBounds>>,
): FeatureAnomalyCheck {
  const names = Object.keys(ranges);
  const mins = names.map((n) => ranges[n]?.min ?? Number.NEGATIVE_INFINITY);
  const maxs = names.map((n) => ranges[n]?.max ?? Number.POSITIVE_INFINITY);
  return (features) => {
    for (let i = 0; i < names.length; i++) {
      const raw = features[names[i] as string];
      const value = typeof raw === 'number' ? raw : typeof raw === 'boolean' ? (raw ? 1 : 0) : Number.NaN;
      if (value < (mins[i] as number) || value > (maxs[i] as number)) return true;
    }
    return false;
  };
}

/** Normalised binary entropy of a score, in bits: 0 for 0 or 1, 1 for 0.5; NaN outside [0, 1]. */
export function scoreEntropy(score: number): number {
  if (!(score >= 0 && score <= 1)) return Number.NaN;
  if (score === 0 || score === 1) return 0;
  return -(score * Math.log2(score) + (1 - score) * Math.log2(1 - score));
}
