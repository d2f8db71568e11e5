import type { StoredRecord } from '@predlog/schema';
import type { AnalyticsConfig } from './config.ts';
import { type KolmogorovSmirnovResult, kolmogorovSmirnovFromSketches } from './drift-statistics.ts';
import { DecisionRules } from './internal/decision-rules.ts';
import { PairJoin } from './internal/pair-join.ts';
import { numberField, samplingWeightOf, stringField } from './internal/stored-fields.ts';
import { emptyReadStats, type LogSelection, type ReadStats, scanPredictions } from './log-selection.ts';
import { QuantileSketch } from './quantile-sketch.ts';
import { WeightedCorrelation } from './weighted-correlation.ts';

export interface ShadowOptions {
  /** The champion's model (and window); the challenger is read from the same partitions unless `challengerModel`. */
  readonly selection: LogSelection;
  /** The challenger's `model_name` when it logs under another name. */
  readonly challengerModel?: string | undefined;
  readonly config: AnalyticsConfig;
}

export interface LatencySummary {
  p50: number | null;
  p99: number | null;
  mean: number | null;
}

export interface ShadowReport {
  /** Requests with both a champion and a challenger prediction, and their sampling weight. */
  pairs: { count: number; weight: number };
  unpaired: { champion: number; challenger: number };
  /** Weighted share of pairs whose `prediction` values are equal (as JSON). */
  agreementRate: number | null;
  /** Weighted share of pairs with the same decision (score ≥ threshold, or positive label). */
  decisionAgreementRate: number | null;
  /** Weighted Pearson correlation of the two scores over pairs where both have one. */
  scoreCorrelation: number | null;
  /** Weighted mean of |champion score − challenger score|. */
  meanAbsScoreDifference: number | null;
  /** Two-sample KS of the paired champion and challenger scores. */
  scoreKs: KolmogorovSmirnovResult | null;
  latencyMs: { champion: LatencySummary; challenger: LatencySummary; p99Ratio: number | null };
  /** Model versions seen on each side (at most 20 each). */
  versions: { champion: string[]; challenger: string[] };
  spill: { partitions: number; levels: number; bytes: number } | null;
  logs: ReadStats;
}

/**
 * Paired per record, all numbers (kept in typed arrays while waiting): score (NaN: none), a 53-bit
 * hash of the prediction's JSON text (equal predictions, equal hashes; a collision between two
 * different predictions has odds of about 2⁻⁵³), decision (1, 0, −1 none), latency (NaN: none).
 */
const SCORE = 0;
const PREDICTION = 1;
const DECISION = 2;
const LATENCY = 3;
const WIDTH = 4;

/** Two independent 32-bit string hashes (FNV-1a, and one with another prime) folded into 53 bits. */
function predictionHash(text: string): number {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

function latencySummary(sketch: QuantileSketch, mean: number, weight: number): LatencySummary {
  const q = (p: number) => (sketch.totalWeight > 0 ? sketch.quantile(p) : null);
  return { p50: q(0.5), p99: q(0.99), mean: weight > 0 ? mean / weight : null };
}

const MAX_VERSIONS = 20;

/**
 * Champion against challenger on the same requests: records are paired by request id (model_role
 * `champion`, or none, against `challenger`), each pair weighted by the champion's sampling weight.
 * Latency percentiles come from quantile sketches (±α relative).
 */
export async function shadowReport(options: ShadowOptions): Promise<ShadowReport> {
  const { config, selection } = options;
  const rules = new DecisionRules(config.classification);
  const alpha = config.sketch.relativeAccuracy;
  const scores: [QuantileSketch, QuantileSketch] = [
    new QuantileSketch(alpha, config.sketch.maxBuckets, config.sketch.exactValues),
    new QuantileSketch(alpha, config.sketch.maxBuckets, config.sketch.exactValues),
  ];
  const latency: [QuantileSketch, QuantileSketch] = [
    new QuantileSketch(alpha, config.sketch.maxBuckets, config.sketch.exactValues),
    new QuantileSketch(alpha, config.sketch.maxBuckets, config.sketch.exactValues),
  ];
  const latencySum = [0, 0];
  const latencyWeight = [0, 0];
  const correlation = new WeightedCorrelation();
  const versions = [new Set<string>(), new Set<string>()] as const;
  let pairWeight = 0;
  let agreeWeight = 0;
  let decidedWeight = 0;
  let decisionAgreeWeight = 0;
  let scoredWeight = 0;
  let absDifference = 0;

  const join = new PairJoin(
    { ...config.join, maxKeysInMemory: config.shadow.maxWaitingInMemory },
    WIDTH,
    (champion, challenger, weight) => {
      pairWeight += weight;
      if (champion[PREDICTION] === challenger[PREDICTION]) agreeWeight += weight;
      const decisionA = champion[DECISION] as number;
      const decisionB = challenger[DECISION] as number;
      if (decisionA !== -1 && decisionB !== -1) {
        decidedWeight += weight;
        if (decisionA === decisionB) decisionAgreeWeight += weight;
      }
      const scoreA = champion[SCORE] as number;
      const scoreB = challenger[SCORE] as number;
      if (!Number.isNaN(scoreA) && !Number.isNaN(scoreB)) {
        scoredWeight += weight;
        absDifference += weight * Math.abs(scoreA - scoreB);
        correlation.add(scoreA, scoreB, weight);
        scores[0].add(scoreA, weight);
        scores[1].add(scoreB, weight);
      }
      for (const [side, values] of [champion, challenger].entries()) {
        const ms = values[LATENCY] as number;
        if (Number.isNaN(ms)) continue;
        latency[side]?.add(ms, weight);
        latencySum[side] = (latencySum[side] as number) + weight * ms;
        latencyWeight[side] = (latencyWeight[side] as number) + weight;
      }
    },
  );
  const point = new Float64Array(WIDTH);

  const logs = emptyReadStats();
  const sideOf = (record: StoredRecord): 0 | 1 | undefined => {
    const role = stringField(record, 'model_role');
    if (role === config.shadow.challengerRole) return 1;
    if (role === undefined || role === config.shadow.championRole) return 0;
    return undefined;
  };
  const consume = (source: LogSelection, onlySide?: 0 | 1) =>
    scanPredictions(
      source,
      (record) => {
        const side = sideOf(record);
        const key = stringField(record, 'request_id');
        if (side === undefined || key === undefined || (onlySide !== undefined && side !== onlySide))
          return undefined;
        const version = stringField(record, 'model_version');
        if (version !== undefined && versions[side].size < MAX_VERSIONS) versions[side].add(version);
        const decision = rules.predictedPositive(record);
        point[SCORE] = numberField(record, 'score') ?? Number.NaN;
        point[PREDICTION] = predictionHash(JSON.stringify(record.prediction ?? null));
        point[DECISION] = decision === undefined ? -1 : decision ? 1 : 0;
        point[LATENCY] = numberField(record, 'latency_ms') ?? Number.NaN;
        return join.add(key, side, samplingWeightOf(record), point);
      },
      logs,
    );
  try {
    if (options.challengerModel === undefined || options.challengerModel === selection.model) {
      await consume(selection);
    } else {
      await consume(selection, 0);
      await consume({ ...selection, model: options.challengerModel }, 1);
    }
    await join.finish();
  } catch (error) {
    await join.abort();
    throw error;
  }
  const champion = latencySummary(latency[0], latencySum[0] as number, latencyWeight[0] as number);
  const challenger = latencySummary(latency[1], latencySum[1] as number, latencyWeight[1] as number);
  const r = correlation.correlation;
  return {
    pairs: { count: join.counts.pairs, weight: pairWeight },
    unpaired: { champion: join.counts.unpaired[0], challenger: join.counts.unpaired[1] },
    agreementRate: pairWeight > 0 ? agreeWeight / pairWeight : null,
    decisionAgreementRate: decidedWeight > 0 ? decisionAgreeWeight / decidedWeight : null,
    scoreCorrelation: Number.isNaN(r) ? null : r,
    meanAbsScoreDifference: scoredWeight > 0 ? absDifference / scoredWeight : null,
    scoreKs: scoredWeight > 0 ? kolmogorovSmirnovFromSketches(scores[0], scores[1]) : null,
    latencyMs: {
      champion,
      challenger,
      p99Ratio:
        champion.p99 !== null && challenger.p99 !== null && champion.p99 > 0
          ? challenger.p99 / champion.p99
          : null,
    },
    versions: { champion: [...versions[0]].sort(), challenger: [...versions[1]].sort() },
    spill: join.counts.spill,
    logs,
  };
}
