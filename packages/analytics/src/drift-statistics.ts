import { chiSquareSurvival } from './internal/chi-square-distribution.ts';
import { erfc } from './internal/normal-distribution.ts';
import type { QuantileSketch } from './quantile-sketch.ts';

export type DriftBand = 'none' | 'moderate' | 'significant';

/**
 * Population stability index of two binned distributions, given as weights per bin (normalised
 * here): PSI = Σ (aᵢ − eᵢ)·ln(aᵢ/eᵢ), e the baseline's (expected) shares, a the current (actual)
 * ones. A share of exactly 0 is replaced by `epsilon` (no renormalisation), so an empty bin on one
 * side adds a large but finite term; a bin empty on both sides adds 0. NaN when a side has no weight.
 * `emptyExpected[i]`, when given, replaces `epsilon` for an empty baseline share of bin i (the
 * range bins of numbers use the chance that a new baseline draw falls beyond its extremes).
 */
export function populationStabilityIndex(
  expected: readonly number[],
  actual: readonly number[],
  epsilon = 1e-4,
  emptyExpected?: readonly number[],
): number {
  if (expected.length !== actual.length) throw new RangeError('both sides need the same bins');
  const totalExpected = expected.reduce((sum, w) => sum + w, 0);
  const totalActual = actual.reduce((sum, w) => sum + w, 0);
  if (!(totalExpected > 0 && totalActual > 0)) return Number.NaN;
  let psi = 0;
  for (let i = 0; i < expected.length; i++) {
    const rawE = (expected[i] as number) / totalExpected;
    const rawA = (actual[i] as number) / totalActual;
    if (rawE === 0 && rawA === 0) continue;
    const e = rawE === 0 ? Math.max(epsilon, emptyExpected?.[i] ?? 0) : rawE;
    const a = rawA === 0 ? epsilon : rawA;
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

/** The usual bands: PSI < 0.1 none, 0.1–0.2 moderate, > 0.2 significant (limits configurable). */
export function psiBand(psi: number, moderate = 0.1, significant = 0.2): DriftBand {
  if (!(psi >= moderate)) return 'none';
  return psi > significant ? 'significant' : 'moderate';
}

/** Kish's effective sample size (Σw)²/Σw²: n for unit weights, fewer when weights vary. */
export function effectiveSampleSize(totalWeight: number, sumOfSquaredWeights: number): number {
  return sumOfSquaredWeights > 0 ? (totalWeight * totalWeight) / sumOfSquaredWeights : 0;
}

/**
 * Q_KS(λ) = 2 Σ_{j≥1} (−1)^(j−1) e^(−2j²λ²), the Kolmogorov distribution's survival function; for
 * small λ the equivalent 1 − (√(2π)/λ) Σ_{j≥1} e^(−(2j−1)²π²/(8λ²)) converges faster.
 */
export function kolmogorovSurvival(lambda: number): number {
  if (!(lambda > 0)) return 1;
  if (lambda < 1.18) {
    const y = Math.exp((-Math.PI * Math.PI) / (8 * lambda * lambda));
    let sum = 0;
    for (let j = 1; j <= 20; j++) sum += y ** ((2 * j - 1) * (2 * j - 1));
    return Math.min(1, Math.max(0, 1 - (Math.sqrt(2 * Math.PI) / lambda) * sum));
  }
  let sum = 0;
  for (let j = 1; j <= 100; j++) {
    const term = Math.exp(-2 * j * j * lambda * lambda);
    sum += j % 2 === 1 ? term : -term;
    if (term < 1e-16) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/**
 * Two-sided p-value of a two-sample KS statistic D for sample sizes n1 and n2, by the asymptotic
 * distribution with Stephens' correction (Numerical Recipes §14.3): Q_KS((√nₑ + 0.12 + 0.11/√nₑ)·D),
 * nₑ = n1·n2/(n1 + n2). Weighted samples pass their effective sizes.
 */
export function kolmogorovSmirnovPValue(statistic: number, n1: number, n2: number): number {
  if (!(n1 > 0 && n2 > 0)) return Number.NaN;
  const root = Math.sqrt((n1 * n2) / (n1 + n2));
  return kolmogorovSurvival((root + 0.12 + 0.11 / root) * statistic);
}

export interface KolmogorovSmirnovResult {
  /** D = sup |F₁(x) − F₂(x)| of the weighted empirical CDFs, evaluated at the sketches' bucket edges. */
  statistic: number;
  /** The exact D lies in [statistic, statistic + errorBound] (0 when no bucket holds both samples). */
  errorBound: number;
  pValue: number;
  /** Effective sample sizes (Kish) used for the p-value. */
  n1: number;
  n2: number;
}

/**
 * Two-sample KS test on two sketches of the same α. The weighted CDFs are exact at every bucket's
 * upper edge, so D there is a lower bound of the true D; inside a bucket that holds values of both
 * samples the gap can grow by at most the larger of the two bucket shares, which is `errorBound`.
 */
export function kolmogorovSmirnovFromSketches(a: QuantileSketch, b: QuantileSketch): KolmogorovSmirnovResult {
  const n1 = effectiveSampleSize(a.totalWeight, a.sumOfSquaredWeights);
  const n2 = effectiveSampleSize(b.totalWeight, b.sumOfSquaredWeights);
  if (a.totalWeight === 0 || b.totalWeight === 0) {
    return { statistic: Number.NaN, errorBound: 0, pValue: Number.NaN, n1, n2 };
  }
  const left = a.buckets();
  const right = b.buckets();
  let i = 0;
  let j = 0;
  let cdfA = 0;
  let cdfB = 0;
  let statistic = 0;
  let errorBound = 0;
  while (i < left.length || j < right.length) {
    const keyA = left[i]?.key ?? Number.POSITIVE_INFINITY;
    const keyB = right[j]?.key ?? Number.POSITIVE_INFINITY;
    const key = Math.min(keyA, keyB);
    let shareA = 0;
    let shareB = 0;
    if (keyA === key) shareA = (left[i++] as { weight: number }).weight / a.totalWeight;
    if (keyB === key) shareB = (right[j++] as { weight: number }).weight / b.totalWeight;
    cdfA += shareA;
    cdfB += shareB;
    statistic = Math.max(statistic, Math.abs(cdfA - cdfB));
    if (shareA > 0 && shareB > 0) errorBound = Math.max(errorBound, Math.max(shareA, shareB));
  }
  statistic = Math.min(1, statistic);
  return { statistic, errorBound, pValue: kolmogorovSmirnovPValue(statistic, n1, n2), n1, n2 };
}

export interface TwoProportionTest {
  baselineRate: number;
  currentRate: number;
  /** (current − baseline) / √(p̄(1 − p̄)(1/n1 + 1/n2)), p̄ the pooled rate. */
  z: number;
  /** Two-sided: 2·(1 − Φ(|z|)). */
  pValue: number;
}

/**
 * Two-proportion z-test with the pooled standard error: rates p1 = x1/n1 and p2 = x2/n2 (x may be
 * fractional: a weighted rate times an effective sample size).
 */
export function twoProportionZTest(x1: number, n1: number, x2: number, n2: number): TwoProportionTest {
  const baselineRate = n1 > 0 ? x1 / n1 : Number.NaN;
  const currentRate = n2 > 0 ? x2 / n2 : Number.NaN;
  if (!(n1 > 0 && n2 > 0)) return { baselineRate, currentRate, z: Number.NaN, pValue: Number.NaN };
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (!(se > 0)) {
    const same = baselineRate === currentRate;
    return { baselineRate, currentRate, z: same ? 0 : Number.NaN, pValue: same ? 1 : 0 };
  }
  const z = (currentRate - baselineRate) / se;
  return { baselineRate, currentRate, z, pValue: erfc(Math.abs(z) / Math.SQRT2) };
}

export interface ChiSquareResult {
  /** Pearson's X² of the 2 × k table of effective counts. */
  statistic: number;
  /** k − 1, k the bins holding weight on either side. */
  degreesOfFreedom: number;
  pValue: number;
  /** Effective sample sizes (Kish) the shares were scaled to. */
  n1: number;
  n2: number;
}

/**
 * χ² test of homogeneity of two binned distributions (weights per bin, normalised here): each side's
 * shares are scaled to its effective sample size n (Kish, for weighted samples), and
 * X² = Σ_sides Σ_bins (O − E)²/E with E = pooled share × n, on k − 1 degrees of freedom. NaN when a
 * side has no weight; X² 0 and p 1 when only one bin holds weight.
 */
export function chiSquareHomogeneity(
  expected: readonly number[],
  actual: readonly number[],
  n1: number,
  n2: number,
): ChiSquareResult {
  if (expected.length !== actual.length) throw new RangeError('both sides need the same bins');
  const totalExpected = expected.reduce((sum, w) => sum + w, 0);
  const totalActual = actual.reduce((sum, w) => sum + w, 0);
  if (!(totalExpected > 0 && totalActual > 0 && n1 > 0 && n2 > 0)) {
    return { statistic: Number.NaN, degreesOfFreedom: 0, pValue: Number.NaN, n1, n2 };
  }
  let statistic = 0;
  let bins = 0;
  for (let i = 0; i < expected.length; i++) {
    const o1 = ((expected[i] as number) / totalExpected) * n1;
    const o2 = ((actual[i] as number) / totalActual) * n2;
    const pooled = (o1 + o2) / (n1 + n2);
    if (!(pooled > 0)) continue;
    bins++;
    const e1 = pooled * n1;
    const e2 = pooled * n2;
    statistic += ((o1 - e1) * (o1 - e1)) / e1 + ((o2 - e2) * (o2 - e2)) / e2;
  }
  const degreesOfFreedom = bins - 1;
  if (degreesOfFreedom < 1) return { statistic: 0, degreesOfFreedom: 0, pValue: 1, n1, n2 };
  return { statistic, degreesOfFreedom, pValue: chiSquareSurvival(statistic, degreesOfFreedom), n1, n2 };
}
