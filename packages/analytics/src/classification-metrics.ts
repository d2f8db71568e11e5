import { ScoreRankHistogram } from './internal/score-rank-histogram.ts';

export interface ClassificationMetrics {
  /** Labelled predictions, and their total sampling weight (the population they stand for). */
  count: number;
  weight: number;
  /** Weighted confusion matrix at the decision threshold. */
  truePositive: number;
  falsePositive: number;
  falseNegative: number;
  trueNegative: number;
  /** Weighted share of actual positives. */
  positiveRate: number | null;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  accuracy: number | null;
  /** Predictions that carried a score (AUC and ECE use only these). */
  scored: number;
  auc: number | null;
  /** The exact AUC is within ± this (0 while every distinct score is kept). */
  aucErrorBound: number;
  /** Expected calibration error over `eceBins` equal-width score bins on [0, 1]. */
  ece: number | null;
}

export interface ClassificationObservation {
  readonly actual: boolean;
  readonly predicted: boolean;
  /** Probability of the positive class (AUC, ECE); omit when the model gives none. */
  readonly score?: number | undefined;
  readonly weight: number;
}

/** One equal-width score bin of the ECE: the points of a reliability diagram. */
export interface CalibrationBin {
  /** The bin's score range [lower, upper) ([lower, 1] for the last). */
  lower: number;
  upper: number;
  /** Weight of the scored predictions in the bin. */
  weight: number;
  /** Their weighted mean score, and the weighted share of actual positives among them. */
  meanScore: number;
  positiveRate: number;
}

const ratio = (num: number, den: number): number | null => (den > 0 ? num / den : null);

/**
 * Streaming, weighted binary-classification metrics. Every count is a sum of sampling weights, so a
 * record kept with p = 0.1 (weight 10) stands for ten predictions:
 *
 * - precision = TP/(TP + FP), recall = TP/(TP + FN), F1 = 2PR/(P + R), accuracy = (TP + TN)/W;
 * - AUC = P(score of a random positive > score of a random negative), ties ½, each pair weighted by
 *   the product of its weights (the Mann–Whitney form; equals sklearn's `roc_auc_score` with
 *   `sample_weight`);
 * - ECE = Σ_b (W_b/W)·|mean score_b − positive rate_b| over `bins` equal-width bins of [0, 1]
 *   (a score of 1 falls in the last bin; scores outside [0, 1] are clamped).
 */
export class ClassificationAccumulator {
  private readonly bins: number;
  /** Null when constructed with `maxScoreKeys: 0` (no AUC: a light accumulator for trend cohorts). */
  private readonly ranks: ScoreRankHistogram | null;
  private readonly binWeight: Float64Array;
  private readonly binScore: Float64Array;
  private readonly binPositive: Float64Array;
  private count = 0;
  private weight = 0;
  private scored = 0;
  private tp = 0;
  private fp = 0;
  private fn = 0;
  private tn = 0;

  /** `maxScoreKeys`: distinct scores kept exactly for the AUC; 0 computes no AUC (it reads null). */
  constructor(options: { eceBins?: number; maxScoreKeys?: number } = {}) {
    this.bins = options.eceBins ?? 10;
    const maxScoreKeys = options.maxScoreKeys ?? 16_384;
    this.ranks = maxScoreKeys > 0 ? new ScoreRankHistogram(maxScoreKeys) : null;
    this.binWeight = new Float64Array(this.bins);
    this.binScore = new Float64Array(this.bins);
    this.binPositive = new Float64Array(this.bins);
  }

  add(observation: ClassificationObservation): void {
    this.addPair(observation.actual, observation.predicted, observation.score, observation.weight);
  }

  /** `add` without the observation object (a report adds each pair to a dozen cohorts). */
  addPair(actual: boolean, predicted: boolean, score: number | undefined, weight: number): void {
    if (!(weight > 0)) return;
    this.count += 1;
    this.weight += weight;
    if (actual) {
      if (predicted) this.tp += weight;
      else this.fn += weight;
    } else if (predicted) this.fp += weight;
    else this.tn += weight;
    if (score === undefined || !Number.isFinite(score)) return;
    this.scored += 1;
    this.ranks?.add(score, actual, weight);
    const clamped = Math.min(1, Math.max(0, score));
    const bin = Math.min(this.bins - 1, Math.floor(clamped * this.bins));
    this.binWeight[bin] = (this.binWeight[bin] as number) + weight;
    this.binScore[bin] = (this.binScore[bin] as number) + weight * clamped;
    if (actual) this.binPositive[bin] = (this.binPositive[bin] as number) + weight;
  }

  result(): ClassificationMetrics {
    const precision = ratio(this.tp, this.tp + this.fp);
    const recall = ratio(this.tp, this.tp + this.fn);
    const f1 =
      precision === null || recall === null
        ? null
        : precision + recall > 0
          ? (2 * precision * recall) / (precision + recall)
          : 0;
    const { auc, errorBound } = this.ranks?.auc() ?? { auc: Number.NaN, errorBound: 0 };
    let scoredWeight = 0;
    let gap = 0;
    for (let b = 0; b < this.bins; b++) {
      scoredWeight += this.binWeight[b] as number;
      gap += Math.abs((this.binScore[b] as number) - (this.binPositive[b] as number));
    }
    return {
      count: this.count,
      weight: this.weight,
      truePositive: this.tp,
      falsePositive: this.fp,
      falseNegative: this.fn,
      trueNegative: this.tn,
      positiveRate: ratio(this.tp + this.fn, this.weight),
      precision,
      recall,
      f1,
      accuracy: ratio(this.tp + this.tn, this.weight),
      scored: this.scored,
      auc: Number.isNaN(auc) ? null : auc,
      aucErrorBound: errorBound,
      // Σ_b (W_b/W)·|Σws/W_b − Σwy/W_b| = Σ_b |Σws − Σwy| / W.
      ece: scoredWeight > 0 ? gap / scoredWeight : null,
    };
  }

  /** Adds another accumulator's pairs (same bins); the AUC too when both keep it. */
  merge(other: ClassificationAccumulator): void {
    this.count += other.count;
    this.weight += other.weight;
    this.scored += other.scored;
    this.tp += other.tp;
    this.fp += other.fp;
    this.fn += other.fn;
    this.tn += other.tn;
    for (let b = 0; b < this.bins; b++) {
      this.binWeight[b] = (this.binWeight[b] as number) + (other.binWeight[b] as number);
      this.binScore[b] = (this.binScore[b] as number) + (other.binScore[b] as number);
      this.binPositive[b] = (this.binPositive[b] as number) + (other.binPositive[b] as number);
    }
    if (this.ranks !== null && other.ranks !== null) this.ranks.mergeFrom(other.ranks);
  }

  /**
   * What `total` counted beyond `parts` (a cohort known only as the rest of the others): every
   * count and the ECE bins by difference; no AUC (ranks do not subtract). All need the same bins.
   */
  static remainder(
    total: ClassificationAccumulator,
    parts: Iterable<ClassificationAccumulator>,
  ): ClassificationAccumulator {
    const rest = new ClassificationAccumulator({ eceBins: total.bins, maxScoreKeys: 0 });
    rest.count = total.count;
    rest.weight = total.weight;
    rest.scored = total.scored;
    rest.tp = total.tp;
    rest.fp = total.fp;
    rest.fn = total.fn;
    rest.tn = total.tn;
    rest.binWeight.set(total.binWeight);
    rest.binScore.set(total.binScore);
    rest.binPositive.set(total.binPositive);
    for (const part of parts) {
      rest.count -= part.count;
      rest.weight -= part.weight;
      rest.scored -= part.scored;
      rest.tp -= part.tp;
      rest.fp -= part.fp;
      rest.fn -= part.fn;
      rest.tn -= part.tn;
      for (let b = 0; b < rest.bins; b++) {
        rest.binWeight[b] = (rest.binWeight[b] as number) - (part.binWeight[b] as number);
        rest.binScore[b] = (rest.binScore[b] as number) - (part.binScore[b] as number);
        rest.binPositive[b] = (rest.binPositive[b] as number) - (part.binPositive[b] as number);
      }
    }
    return rest;
  }

  /** The ECE's bins that hold scored predictions, in score order: a reliability diagram. */
  calibration(): CalibrationBin[] {
    const out: CalibrationBin[] = [];
    for (let b = 0; b < this.bins; b++) {
      const weight = this.binWeight[b] as number;
      // A bin emptied by `remainder` may keep a rounding crumb of weight.
      if (!(weight > 1e-9)) continue;
      out.push({
        lower: b / this.bins,
        upper: (b + 1) / this.bins,
        weight,
        meanScore: (this.binScore[b] as number) / weight,
        positiveRate: (this.binPositive[b] as number) / weight,
      });
    }
    return out;
  }
}
