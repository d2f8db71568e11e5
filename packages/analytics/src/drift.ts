import type { DriftConfig } from './config.ts';
import { type DistributionProfile, FeatureProfile, OTHER_CATEGORY } from './distribution-profile.ts';
import {
  type DriftBand,
  effectiveSampleSize,
  type KolmogorovSmirnovResult,
  kolmogorovSmirnovFromSketches,
  populationStabilityIndex,
  psiBand,
  type TwoProportionTest,
  twoProportionZTest,
} from './drift-statistics.ts';
import type { QuantileSketch } from './quantile-sketch.ts';

export const MISSING_BIN = '(missing)';

export interface PsiBin {
  /** `≤ 0.25`, `(0.25, 0.5]`, `> 0.9`, a category, `(other)` or `(missing)`. */
  label: string;
  /** Share of the baseline's and of the current weight in this bin. */
  expected: number;
  actual: number;
}

export interface SideSummary {
  weight: number;
  /** Mean of the numeric values (null when there are none). */
  mean: number | null;
  /** Share of the weight that is null, absent or of the other kind (text in a numeric feature). */
  missingShare: number;
}

export interface DistributionDrift {
  name: string;
  kind: 'numeric' | 'categorical';
  psi: number | null;
  band: DriftBand;
  bins: PsiBin[];
  /** Numeric only: two-sample KS on the weighted values. */
  ks: KolmogorovSmirnovResult | null;
  /** KS p-value below `alpha`. */
  ksRejects: boolean;
  baseline: SideSummary;
  current: SideSummary;
}

export interface PositiveRateDrift extends TwoProportionTest {
  /** Effective sample sizes (Kish) behind each rate. */
  baselineN: number;
  currentN: number;
  rejects: boolean;
}

export interface DriftReport {
  baseline: { records: number; weight: number };
  current: { records: number; weight: number };
  /** Per feature, highest PSI first. */
  features: DistributionDrift[];
  /** Features seen only in the current window (no baseline to compare with). */
  newFeatures: string[];
  score: DistributionDrift | null;
  prediction: DistributionDrift | null;
  positiveRate: PositiveRateDrift | null;
  /** Some PSI (feature, score or prediction) is in the significant band. */
  significant: boolean;
  bands: { moderatePsi: number; significantPsi: number; alpha: number; psiBins: number; psiEpsilon: number };
}

const share = (part: number, whole: number) => (whole > 0 ? part / whole : 0);

function formatEdge(value: number): string {
  if (value === 0) return '0';
  return Number(value.toPrecision(4)).toString();
}

/**
 * Cut points (sketch bucket keys) at the baseline's weighted quantiles k/bins, k = 1…bins−1, without
 * repeats: bin j holds the buckets with cut_(j−1) < key ≤ cut_j, the last bin everything above.
 */
function quantileCuts(baseline: QuantileSketch, bins: number): number[] {
  const buckets = baseline.buckets();
  const total = baseline.totalWeight;
  const cuts: number[] = [];
  let cumulative = 0;
  let at = 0;
  for (let k = 1; k < bins; k++) {
    const target = (k / bins) * total;
    while (at < buckets.length && cumulative + (buckets[at] as { weight: number }).weight < target) {
      cumulative += (buckets[at] as { weight: number }).weight;
      at++;
    }
    const key = buckets[Math.min(at, buckets.length - 1)]?.key;
    if (key !== undefined && (cuts.length === 0 || key > (cuts[cuts.length - 1] as number))) cuts.push(key);
  }
  return cuts;
}

function binWeights(sketch: QuantileSketch, cuts: readonly number[]): number[] {
  const weights = new Array<number>(cuts.length + 1).fill(0);
  let bin = 0;
  for (const bucket of sketch.buckets()) {
    while (bin < cuts.length && bucket.key > (cuts[bin] as number)) bin++;
    weights[bin] = (weights[bin] as number) + bucket.weight;
  }
  return weights;
}

function summary(profile: FeatureProfile, numeric: boolean): SideSummary {
  const weight = profile.totalWeight;
  const mean = profile.moments.totalWeight > 0 ? profile.moments.mean : null;
  const otherKind = numeric ? profile.categoricalWeight : profile.numericWeight;
  return { weight, mean, missingShare: share(profile.missing + otherKind, weight) };
}

/** PSI (and KS for numbers) of one value's distribution, baseline against current. */
export function compareDistributions(
  name: string,
  baseline: FeatureProfile,
  current: FeatureProfile,
  config: Pick<DriftConfig, 'psiBins' | 'psiEpsilon' | 'moderatePsi' | 'significantPsi' | 'alpha'>,
): DistributionDrift {
  const numeric = baseline.isNumeric;
  const labels: string[] = [];
  const expected: number[] = [];
  const actual: number[] = [];
  let ks: KolmogorovSmirnovResult | null = null;
  if (numeric) {
    const cuts = quantileCuts(baseline.sketch, config.psiBins);
    const edges = cuts.map((key) => formatEdge(baseline.sketch.upperBound(key)));
    expected.push(...binWeights(baseline.sketch, cuts));
    actual.push(...binWeights(current.sketch, cuts));
    for (let i = 0; i <= cuts.length; i++) {
      if (cuts.length === 0) labels.push('all values');
      else if (i === 0) labels.push(`≤ ${edges[0]}`);
      else if (i === cuts.length) labels.push(`> ${edges[i - 1]}`);
      else labels.push(`(${edges[i - 1]}, ${edges[i]}]`);
    }
    expected.push(baseline.missing + baseline.categoricalWeight);
    actual.push(current.missing + current.categoricalWeight);
    labels.push(MISSING_BIN);
    if (current.numericWeight > 0) ks = kolmogorovSmirnovFromSketches(baseline.sketch, current.sketch);
  } else {
    const categories = [...baseline.categories].sort((a, b) => b[1] - a[1]);
    let unmatched = current.other;
    const known = new Set(categories.map(([category]) => category));
    for (const [category, weight] of current.categories) if (!known.has(category)) unmatched += weight;
    for (const [category, weight] of categories) {
      labels.push(category);
      expected.push(weight);
      actual.push(current.categories.get(category) ?? 0);
    }
    labels.push(OTHER_CATEGORY, MISSING_BIN);
    expected.push(baseline.other, baseline.missing + baseline.numericWeight);
    actual.push(unmatched, current.missing + current.numericWeight);
  }
  const psiValue = populationStabilityIndex(expected, actual, config.psiEpsilon);
  const totalExpected = expected.reduce((s, w) => s + w, 0);
  const totalActual = actual.reduce((s, w) => s + w, 0);
  const bins: PsiBin[] = [];
  labels.forEach((label, i) => {
    const e = share(expected[i] as number, totalExpected);
    const a = share(actual[i] as number, totalActual);
    // Bins empty on both sides say nothing; the missing bin is shown only when it holds something.
    if (e > 0 || a > 0) bins.push({ label, expected: e, actual: a });
  });
  const psi = Number.isNaN(psiValue) ? null : psiValue;
  return {
    name,
    kind: numeric ? 'numeric' : 'categorical',
    psi,
    band: psi === null ? 'none' : psiBand(psi, config.moderatePsi, config.significantPsi),
    bins,
    ks,
    ksRejects: ks !== null && ks.pValue < config.alpha,
    baseline: summary(baseline, numeric),
    current: summary(current, numeric),
  };
}

function decisionSampleSize(profile: DistributionProfile): number {
  return (
    effectiveSampleSize(profile.weight, profile.weightSquares) * share(profile.decidedWeight, profile.weight)
  );
}

/**
 * Drift of the current window against the baseline: PSI and KS per feature, for the score and for
 * the prediction, and a two-proportion z-test on the rate of positive decisions (weighted rates,
 * Kish effective sample sizes).
 */
export function compareProfiles(
  baseline: DistributionProfile,
  current: DistributionProfile,
  config: DriftConfig,
): DriftReport {
  const features: DistributionDrift[] = [];
  for (const [name, profile] of baseline.features) {
    if (profile.totalWeight === 0) continue;
    const now = current.features.get(name) ?? absentFeature(profile, current.weight);
    features.push(compareDistributions(name, profile, now, config));
  }
  features.sort((a, b) => (b.psi ?? -1) - (a.psi ?? -1) || a.name.localeCompare(b.name));
  const newFeatures = [...current.features.keys()].filter((name) => !baseline.features.has(name)).sort();
  const score =
    baseline.score.numericWeight > 0
      ? compareDistributions('score', baseline.score, current.score, config)
      : null;
  const prediction =
    baseline.prediction.totalWeight > baseline.prediction.missing
      ? compareDistributions('prediction', baseline.prediction, current.prediction, config)
      : null;
  let positiveRate: PositiveRateDrift | null = null;
  if (baseline.decidedWeight > 0 && current.decidedWeight > 0) {
    const n1 = decisionSampleSize(baseline);
    const n2 = decisionSampleSize(current);
    const rate1 = baseline.positiveWeight / baseline.decidedWeight;
    const rate2 = current.positiveWeight / current.decidedWeight;
    const test = twoProportionZTest(rate1 * n1, n1, rate2 * n2, n2);
    positiveRate = { ...test, baselineN: n1, currentN: n2, rejects: test.pValue < config.alpha };
  }
  const all = [...features, ...(score === null ? [] : [score]), ...(prediction === null ? [] : [prediction])];
  return {
    baseline: { records: baseline.records, weight: baseline.weight },
    current: { records: current.records, weight: current.weight },
    features,
    newFeatures,
    score,
    prediction,
    positiveRate,
    significant: all.some((d) => d.band === 'significant'),
    bands: {
      moderatePsi: config.moderatePsi,
      significantPsi: config.significantPsi,
      alpha: config.alpha,
      psiBins: config.psiBins,
      psiEpsilon: config.psiEpsilon,
    },
  };
}

/** A feature no current record has: all of the current weight is missing. */
function absentFeature(like: FeatureProfile, missingWeight: number): FeatureProfile {
  const absent = new FeatureProfile(
    { relativeAccuracy: like.sketch.alpha, maxBuckets: 64, exactValues: 0 },
    1,
  );
  absent.addMissing(missingWeight);
  return absent;
}
