import type { DriftConfig } from './config.ts';
import { type DistributionProfile, FeatureProfile, OTHER_CATEGORY } from './distribution-profile.ts';
import {
  type ChiSquareResult,
  chiSquareHomogeneity,
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

/**
 * How a value was compared: `numeric` over quantile bins (plus range bins), `discrete` numbers with
 * few distinct values (flags, counts, ratings) value by value, `categorical` text and booleans.
 */
export type DriftKind = 'numeric' | 'discrete' | 'categorical';

export interface DistributionDrift {
  name: string;
  kind: DriftKind;
  psi: number | null;
  band: DriftBand;
  bins: PsiBin[];
  /** Numbers (numeric and discrete): two-sample KS on the weighted values. */
  ks: KolmogorovSmirnovResult | null;
  /** KS p-value below `alpha`. */
  ksRejects: boolean;
  /** Discrete and categorical: χ² test of homogeneity over the bins. */
  chiSquare: ChiSquareResult | null;
  /** χ² p-value below `alpha`. */
  chiSquareRejects: boolean;
  baseline: SideSummary;
  current: SideSummary;
}

/** Effective sample sizes (Kish) of the two sides, for the χ² test and the range bins. */
export interface SampleSizes {
  readonly baseline: number;
  readonly current: number;
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
  bands: {
    moderatePsi: number;
    significantPsi: number;
    alpha: number;
    psiBins: number;
    psiEpsilon: number;
    discreteMaxValues: number;
  };
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

/**
 * Weights per numeric bin: [below the baseline's lowest bucket, the quantile bins (the first from
 * the lowest bucket up to the first cut, the last from the last cut up to the highest bucket), above
 * the baseline's highest bucket].
 */
function binWeights(
  sketch: QuantileSketch,
  cuts: readonly number[],
  lowKey: number,
  highKey: number,
): number[] {
  const weights = new Array<number>(cuts.length + 3).fill(0);
  let bin = 0;
  for (const bucket of sketch.buckets()) {
    let at: number;
    if (bucket.key < lowKey) at = 0;
    else if (bucket.key > highKey) at = cuts.length + 2;
    else {
      while (bin < cuts.length && bucket.key > (cuts[bin] as number)) bin++;
      at = bin + 1;
    }
    weights[at] = (weights[at] as number) + bucket.weight;
  }
  return weights;
}

function summary(profile: FeatureProfile, numeric: boolean): SideSummary {
  const weight = profile.totalWeight;
  const mean = profile.moments.totalWeight > 0 ? profile.moments.mean : null;
  const otherKind = numeric ? profile.categoricalWeight : profile.numericWeight;
  return { weight, mean, missingShare: share(profile.missing + otherKind, weight) };
}

interface Binned {
  labels: string[];
  expected: number[];
  actual: number[];
  /** Per bin, the baseline share standing in when it is 0 (undefined: `psiEpsilon`). */
  emptyExpected?: number[];
}

/**
 * Numbers over the baseline's quantile bins, plus a bin below the baseline's minimum and one above
 * its maximum (to the sketch's ±α: bucket by bucket), so values outside the baseline's range are not
 * absorbed by the open end bins. Under no drift a new draw lands beyond one extreme of n baseline
 * draws with probability 1/(n + 1): that is the baseline share used for an empty range bin (at
 * least ε), so a small baseline is not flagged for its own sampling range.
 */
function numericBins(baseline: FeatureProfile, current: FeatureProfile, bins: number, n: number): Binned {
  const sketch = baseline.sketch;
  const buckets = sketch.buckets();
  const lowKey = buckets[0]?.key ?? 0;
  const highKey = buckets[buckets.length - 1]?.key ?? 0;
  const cuts = quantileCuts(sketch, bins);
  const edges = cuts.map((key) => formatEdge(sketch.upperBound(key)));
  const min = formatEdge(sketch.min);
  const max = formatEdge(sketch.max);
  const labels = [`< ${min}`];
  for (let i = 0; i <= cuts.length; i++) {
    const from = i === 0 ? `[${min}` : `(${edges[i - 1]}`;
    const to = i === cuts.length ? `${max}]` : `${edges[i]}]`;
    labels.push(`${from}, ${to}`);
  }
  labels.push(`> ${max}`, MISSING_BIN);
  const expected = binWeights(sketch, cuts, lowKey, highKey);
  const actual = binWeights(current.sketch, cuts, lowKey, highKey);
  expected.push(baseline.missing + baseline.categoricalWeight);
  actual.push(current.missing + current.categoricalWeight);
  const beyond = n > 0 ? 1 / (n + 1) : 0;
  const emptyExpected: number[] = new Array<number>(labels.length).fill(0);
  emptyExpected[0] = beyond;
  emptyExpected[labels.length - 2] = beyond;
  return { labels, expected, actual, emptyExpected };
}

/** Numbers with few distinct values, one bin per value seen on either side (ascending), and missing. */
function discreteBins(
  baseline: FeatureProfile,
  current: FeatureProfile,
  baselineValues: ReadonlyArray<[number, number]>,
  currentValues: ReadonlyArray<[number, number]>,
): Binned {
  const byValue = new Map<number, [number, number]>();
  for (const [value, weight] of baselineValues) byValue.set(value, [weight, 0]);
  for (const [value, weight] of currentValues) {
    const known = byValue.get(value);
    if (known !== undefined) known[1] = weight;
    else byValue.set(value, [0, weight]);
  }
  const sorted = [...byValue].sort((a, b) => a[0] - b[0]);
  return {
    labels: [...sorted.map(([value]) => String(value)), MISSING_BIN],
    expected: [...sorted.map(([, w]) => w[0]), baseline.missing + baseline.categoricalWeight],
    actual: [...sorted.map(([, w]) => w[1]), current.missing + current.categoricalWeight],
  };
}

/** Text and booleans: one bin per baseline category (heaviest first), `(other)`, `(missing)`. */
function categoryBins(baseline: FeatureProfile, current: FeatureProfile): Binned {
  const categories = [...baseline.categories].sort((a, b) => b[1] - a[1]);
  let unmatched = current.other;
  const known = new Set(categories.map(([category]) => category));
  for (const [category, weight] of current.categories) if (!known.has(category)) unmatched += weight;
  return {
    labels: [...categories.map(([category]) => category), OTHER_CATEGORY, MISSING_BIN],
    expected: [
      ...categories.map(([, weight]) => weight),
      baseline.other,
      baseline.missing + baseline.numericWeight,
    ],
    actual: [
      ...categories.map(([category]) => current.categories.get(category) ?? 0),
      unmatched,
      current.missing + current.numericWeight,
    ],
  };
}

/**
 * The kind of comparison: numbers whose baseline has at most `discreteMaxValues` distinct values
 * (kept exactly by the sketch) and whose current values are known exactly too are discrete;
 * other numbers numeric; text and booleans categorical.
 */
function comparisonKind(
  baseline: FeatureProfile,
  current: FeatureProfile,
  discreteMaxValues: number,
): { kind: DriftKind; baselineValues?: Array<[number, number]>; currentValues?: Array<[number, number]> } {
  if (!baseline.isNumeric) return { kind: 'categorical' };
  const baselineValues = baseline.sketch.exactValues();
  const currentValues = current.numericWeight === 0 ? [] : current.sketch.exactValues();
  if (baselineValues !== null && currentValues !== null && baselineValues.length <= discreteMaxValues) {
    return { kind: 'discrete', baselineValues, currentValues };
  }
  return { kind: 'numeric' };
}

/**
 * PSI of one value's distribution, baseline against current, with KS for numbers and χ² for
 * discrete and categorical values. `sizes` are the Kish effective sample sizes of the two sides
 * (default: their total weights, as for unit weights).
 */
export function compareDistributions(
  name: string,
  baseline: FeatureProfile,
  current: FeatureProfile,
  config: Pick<
    DriftConfig,
    'psiBins' | 'psiEpsilon' | 'moderatePsi' | 'significantPsi' | 'alpha' | 'discreteMaxValues'
  >,
  sizes: SampleSizes = { baseline: baseline.totalWeight, current: current.totalWeight },
): DistributionDrift {
  const chosen = comparisonKind(baseline, current, config.discreteMaxValues);
  const { kind } = chosen;
  const numeric = kind !== 'categorical';
  let binned: Binned;
  if (kind === 'numeric') binned = numericBins(baseline, current, config.psiBins, sizes.baseline);
  else if (kind === 'discrete') {
    binned = discreteBins(baseline, current, chosen.baselineValues ?? [], chosen.currentValues ?? []);
  } else binned = categoryBins(baseline, current);
  const { labels, expected, actual } = binned;
  const ks =
    numeric && current.numericWeight > 0
      ? kolmogorovSmirnovFromSketches(baseline.sketch, current.sketch)
      : null;
  const chiSquare =
    kind === 'numeric' ? null : chiSquareHomogeneity(expected, actual, sizes.baseline, sizes.current);
  const psiValue = populationStabilityIndex(expected, actual, config.psiEpsilon, binned.emptyExpected);
  const totalExpected = expected.reduce((s, w) => s + w, 0);
  const totalActual = actual.reduce((s, w) => s + w, 0);
  const bins: PsiBin[] = [];
  labels.forEach((label, i) => {
    const e = share(expected[i] as number, totalExpected);
    const a = share(actual[i] as number, totalActual);
    // Bins empty on both sides say nothing; the missing and range bins show only when they hold something.
    if (e > 0 || a > 0) bins.push({ label, expected: e, actual: a });
  });
  const psi = Number.isNaN(psiValue) ? null : psiValue;
  return {
    name,
    kind,
    psi,
    band: psi === null ? 'none' : psiBand(psi, config.moderatePsi, config.significantPsi),
    bins,
    ks,
    ksRejects: ks !== null && ks.pValue < config.alpha,
    chiSquare: chiSquare === null || Number.isNaN(chiSquare.statistic) ? null : chiSquare,
    chiSquareRejects: chiSquare !== null && chiSquare.pValue < config.alpha,
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
 * Drift of the current window against the baseline: PSI with KS or χ² per feature, for the score and
 * for the prediction, and a two-proportion z-test on the rate of positive decisions (weighted rates,
 * Kish effective sample sizes).
 */
export function compareProfiles(
  baseline: DistributionProfile,
  current: DistributionProfile,
  config: DriftConfig,
): DriftReport {
  const sizes: SampleSizes = {
    baseline: effectiveSampleSize(baseline.weight, baseline.weightSquares),
    current: effectiveSampleSize(current.weight, current.weightSquares),
  };
  const features: DistributionDrift[] = [];
  for (const [name, profile] of baseline.features) {
    if (profile.totalWeight === 0) continue;
    const now = current.features.get(name) ?? absentFeature(profile, current.weight);
    features.push(compareDistributions(name, profile, now, config, sizes));
  }
  features.sort((a, b) => (b.psi ?? -1) - (a.psi ?? -1) || a.name.localeCompare(b.name));
  const newFeatures = [...current.features.keys()].filter((name) => !baseline.features.has(name)).sort();
  const score =
    baseline.score.numericWeight > 0
      ? compareDistributions('score', baseline.score, current.score, config, sizes)
      : null;
  const prediction =
    baseline.prediction.totalWeight > baseline.prediction.missing
      ? compareDistributions('prediction', baseline.prediction, current.prediction, config, sizes)
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
      discreteMaxValues: config.discreteMaxValues,
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
