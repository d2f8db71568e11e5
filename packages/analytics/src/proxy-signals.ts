import type { StoredRecord } from '@predlog/schema';
import type { BusinessSeries } from './business-series.ts';
import type { DistributionProfile } from './distribution-profile.ts';
import { type FeatureRanges, featureRangesFromProfile, hasFeatureAnomaly } from './feature-ranges.ts';
import { inputFeaturesOf, numberField, samplingWeightOf, utcDayOf } from './internal/stored-fields.ts';
import { emptyReadStats, type LogSelection, type ReadStats, scanPredictions } from './log-selection.ts';
import { predictionUncertainty } from './prediction-entropy.ts';
import type { ProxySignalConfig, SignalWeights } from './proxy-signal-config.ts';

/** The label-free signals of one UTC day, every mean weighted by `ml.sampling.weight`. */
export interface DaySignals {
  date: string;
  records: number;
  weight: number;
  /** Mean of the largest class probability (max(s, 1 − s) for a score). */
  meanConfidence: number | null;
  /** Normalised entropy of the score histogram (`uniformityBins` bins of [0, 1]): 1 is uniform. */
  uniformity: number | null;
  /** Mean normalised prediction entropy (see `predictionUncertainty`). */
  meanEntropy: number | null;
  /** Weighted share of requests with at least one feature out of its baseline range; null without a baseline. */
  anomalyRate: number | null;
  /** The business metrics of the day, by name (null: no value that day). */
  business: Record<string, number | null>;
}

export type SignalName = 'confidence' | 'uniformity' | 'entropy' | 'anomaly' | `business:${string}`;

export interface SignalScore {
  signal: SignalName;
  value: number | null;
  /** Mean and standard deviation (floored) of the signal over the reference days. */
  referenceMean: number | null;
  referenceStd: number | null;
  /** Reference deviations in the bad direction (business metrics: either direction). */
  z: number | null;
  /** 100 · clamp(z / fullScoreZ, 0, 1). */
  score: number | null;
  weight: number;
}

export type DegradationLevel = 'none' | 'warn' | 'page';
export type DegradationTrend = 'accelerating' | 'rising' | 'stable' | 'falling';
export type RecommendedAction = 'monitor' | 'investigate' | 'retrain';

export interface ScoredDay extends DaySignals {
  /** One of the reference days (scored against themselves, never alerting). */
  reference: boolean;
  signals: SignalScore[];
  /** Σ wᵢ·scoreᵢ / Σ wᵢ over the signals scored that day; null when none is. */
  composite: number | null;
  level: DegradationLevel;
  trend: DegradationTrend | null;
  action: RecommendedAction;
  /** Signals with a positive score, largest contribution (weight × score) first. */
  contributing: SignalName[];
}

export interface ProxySignalReport {
  referenceDays: string[];
  days: ScoredDay[];
  latest: ScoredDay | null;
  weights: SignalWeights;
  /** Features with a baseline range (null: no baseline, no anomaly rate). */
  rangedFeatures: number | null;
  logs: ReadStats;
}

export interface ProxySignalOptions {
  readonly selection: LogSelection;
  readonly signals: ProxySignalConfig;
  /** Baseline profile the feature ranges come from (training data or early production days). */
  readonly baseline?: DistributionProfile | undefined;
  readonly business?: BusinessSeries | undefined;
  /** Weights in place of `signals.weights` (from `calibrateSignalWeights`). */
  readonly weights?: SignalWeights | undefined;
}

/** Running sums of one day. */
class DayAccumulator {
  records = 0;
  weight = 0;
  confidenceWeight = 0;
  confidenceSum = 0;
  entropySum = 0;
  checkedWeight = 0;
  anomalyWeight = 0;
  readonly bins: Float64Array;

  constructor(bins: number) {
    this.bins = new Float64Array(bins);
  }

  uniformity(): number | null {
    let total = 0;
    for (const w of this.bins) total += w;
    if (!(total > 0)) return null;
    let h = 0;
    for (const w of this.bins) if (w > 0) h -= (w / total) * Math.log(w / total);
    return h / Math.log(this.bins.length);
  }
}

/** Accumulates `DaySignals` from stored predictions; `add` per record, `days()` at the end. */
export class DaySignalCollector {
  private readonly accumulators = new Map<string, DayAccumulator>();
  private readonly bins: number;
  private readonly ranges: FeatureRanges | undefined;

  constructor(config: ProxySignalConfig, baseline?: DistributionProfile) {
    this.bins = config.uniformityBins;
    this.ranges =
      baseline === undefined
        ? undefined
        : featureRangesFromProfile(baseline, {
            lower: config.anomalyLowerQuantile,
            upper: config.anomalyUpperQuantile,
          });
  }

  get rangedFeatures(): number | null {
    return this.ranges?.size ?? null;
  }

  add(record: StoredRecord, weight = samplingWeightOf(record)): void {
    const day = utcDayOf(record);
    let acc = this.accumulators.get(day);
    if (acc === undefined) {
      acc = new DayAccumulator(this.bins);
      this.accumulators.set(day, acc);
    }
    acc.records += 1;
    acc.weight += weight;
    const score = numberField(record, 'score');
    const uncertainty = predictionUncertainty(record.probabilities, score);
    if (uncertainty !== undefined) {
      acc.confidenceWeight += weight;
      acc.confidenceSum += weight * uncertainty.confidence;
      acc.entropySum += weight * uncertainty.entropy;
    }
    // The score's histogram; a model without a score contributes its confidence instead.
    const binned = score !== undefined && score >= 0 && score <= 1 ? score : uncertainty?.confidence;
    if (binned !== undefined) {
      const bin = Math.min(this.bins - 1, Math.floor(binned * this.bins));
      acc.bins[bin] = (acc.bins[bin] as number) + weight;
    }
    if (this.ranges !== undefined) {
      const features = inputFeaturesOf(record);
      if (features !== undefined) {
        acc.checkedWeight += weight;
        if (hasFeatureAnomaly(features, this.ranges)) acc.anomalyWeight += weight;
      }
    }
  }

  /** The days seen, in date order, with the business metrics of each (a day only in the business file is left out). */
  days(business?: BusinessSeries): DaySignals[] {
    return [...this.accumulators.keys()]
      .filter((d) => d !== 'invalid')
      .sort()
      .map((date) => {
        const acc = this.accumulators.get(date) as DayAccumulator;
        const row = business?.days.get(date);
        return {
          date,
          records: acc.records,
          weight: acc.weight,
          meanConfidence: acc.confidenceWeight > 0 ? acc.confidenceSum / acc.confidenceWeight : null,
          uniformity: acc.uniformity(),
          meanEntropy: acc.confidenceWeight > 0 ? acc.entropySum / acc.confidenceWeight : null,
          anomalyRate:
            this.ranges === undefined || !(acc.checkedWeight > 0)
              ? null
              : acc.anomalyWeight / acc.checkedWeight,
          business: Object.fromEntries((business?.metrics ?? []).map((m) => [m, row?.get(m) ?? null])),
        };
      });
  }
}

/**
 * Proxy signals per UTC day of a selection, in one streaming pass, scored against the first
 * `referenceDays` days and combined into the composite degradation score.
 */
export async function computeProxySignals(options: ProxySignalOptions): Promise<ProxySignalReport> {
  const collector = new DaySignalCollector(options.signals, options.baseline);
  const logs = emptyReadStats();
  await scanPredictions(options.selection, (record) => collector.add(record), logs);
  const scored = scoreSignalDays(collector.days(options.business), options.signals, options.weights);
  return { ...scored, rangedFeatures: collector.rangedFeatures, logs };
}

const DIRECTION: Record<'confidence' | 'uniformity' | 'entropy' | 'anomaly', 1 | -1> = {
  confidence: -1,
  uniformity: 1,
  entropy: 1,
  anomaly: 1,
};

function signalValue(day: DaySignals, signal: SignalName): number | null {
  switch (signal) {
    case 'confidence':
      return day.meanConfidence;
    case 'uniformity':
      return day.uniformity;
    case 'entropy':
      return day.meanEntropy;
    case 'anomaly':
      return day.anomalyRate;
    default:
      return day.business[signal.slice('business:'.length)] ?? null;
  }
}

function meanAndStd(values: readonly number[]): { mean: number; std: number } | undefined {
  if (values.length < 2) return undefined;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}

/**
 * Scores days of signals: the first `referenceDays` days (all but the last when there are fewer)
 * give each signal's mean and sample standard deviation (floored by `minStd`, or `minRelativeStd`
 * of the mean for business metrics); each day's z is its deviation in the bad direction over that
 * (confidence down; uniformity, entropy and anomaly rate up; a business metric either way), its score
 * 100 · clamp(z / fullScoreZ, 0, 1), and the composite the weighted mean of the scored signals.
 */
export function scoreSignalDays(
  days: readonly DaySignals[],
  config: ProxySignalConfig,
  weightsOverride?: SignalWeights,
): { referenceDays: string[]; days: ScoredDay[]; latest: ScoredDay | null; weights: SignalWeights } {
  const weights = weightsOverride ?? config.weights;
  const referenceCount = Math.min(config.referenceDays, Math.max(0, days.length - 1));
  const reference = days.slice(0, referenceCount);
  const businessNames = [...new Set(days.flatMap((d) => Object.keys(d.business)))];
  const signals: SignalName[] = [
    'confidence',
    'uniformity',
    'entropy',
    'anomaly',
    ...businessNames.map((m) => `business:${m}` as const),
  ];
  const stats = new Map<SignalName, { mean: number; std: number } | undefined>();
  for (const signal of signals) {
    const values = reference.map((d) => signalValue(d, signal)).filter((v): v is number => v !== null);
    const ms = meanAndStd(values);
    if (ms !== undefined) {
      const floor = signal.startsWith('business:')
        ? config.minRelativeStd * Math.abs(ms.mean)
        : config.minStd;
      ms.std = Math.max(ms.std, floor, Number.MIN_VALUE);
    }
    stats.set(signal, ms);
  }
  const businessWeight = businessNames.length > 0 ? weights.business / businessNames.length : 0;
  const out: ScoredDay[] = [];
  days.forEach((day, index) => {
    const scores: SignalScore[] = signals.map((signal) => {
      const value = signalValue(day, signal);
      const ref = stats.get(signal);
      const weight = signal.startsWith('business:')
        ? businessWeight
        : weights[signal as keyof typeof DIRECTION];
      if (value === null || ref === undefined) {
        return {
          signal,
          value,
          referenceMean: ref?.mean ?? null,
          referenceStd: ref?.std ?? null,
          z: null,
          score: null,
          weight,
        };
      }
      const deviation = (value - ref.mean) / ref.std;
      const z = signal.startsWith('business:')
        ? Math.abs(deviation)
        : deviation * DIRECTION[signal as keyof typeof DIRECTION];
      const score = 100 * Math.min(1, Math.max(0, z / config.fullScoreZ));
      return { signal, value, referenceMean: ref.mean, referenceStd: ref.std, z, score, weight };
    });
    let weighted = 0;
    let total = 0;
    for (const s of scores) {
      if (s.score === null || !(s.weight > 0)) continue;
      weighted += s.weight * s.score;
      total += s.weight;
    }
    const composite = total > 0 ? weighted / total : null;
    const isReference = index < referenceCount;
    const level: DegradationLevel =
      isReference || composite === null
        ? 'none'
        : composite > config.pageScore
          ? 'page'
          : composite > config.warnScore
            ? 'warn'
            : 'none';
    out.push({
      ...day,
      reference: isReference,
      signals: scores,
      composite,
      level,
      trend: trendOf(out, composite, config.trendTolerance),
      action: level === 'page' ? 'retrain' : level === 'warn' ? 'investigate' : 'monitor',
      contributing: scores
        .filter((s) => s.score !== null && s.score > 0 && s.weight > 0)
        .sort((a, b) => b.weight * (b.score as number) - a.weight * (a.score as number))
        .map((s) => s.signal),
    });
  });
  return {
    referenceDays: reference.map((d) => d.date),
    days: out,
    latest: out.at(-1) ?? null,
    weights,
  };
}

/**
 * The composite's trend from its last three days: d₁ = today − yesterday, d₀ = yesterday − the day
 * before. Rising when d₁ > tolerance, accelerating when also d₁ > d₀ + tolerance, falling when
 * d₁ < −tolerance, else stable. Null without two earlier scored days.
 */
function trendOf(
  earlier: readonly ScoredDay[],
  composite: number | null,
  tolerance: number,
): DegradationTrend | null {
  const yesterday = earlier.at(-1)?.composite;
  const before = earlier.at(-2)?.composite;
  if (
    composite === null ||
    yesterday === null ||
    yesterday === undefined ||
    before === null ||
    before === undefined
  )
    return null;
  const d1 = composite - yesterday;
  const d0 = yesterday - before;
  if (d1 > tolerance) return d1 > d0 + tolerance ? 'accelerating' : 'rising';
  if (d1 < -tolerance) return 'falling';
  return 'stable';
}
