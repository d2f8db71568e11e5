/** Metrics of a binary classifier, computed from scores and 0/1 labels. */

export interface ClassifierMetrics {
  readonly rows: number;
  readonly positives: number;
  /** Area under the ROC curve: the chance a random fraud scores above a random legitimate payment. */
  readonly auc: number;
  /** Area under the precision-recall curve (average precision); honest under heavy class imbalance. */
  readonly averagePrecision: number;
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly logLoss: number;
}

function order(scores: readonly number[]): number[] {
  return scores.map((_, index) => index).sort((a, b) => (scores[a] ?? 0) - (scores[b] ?? 0));
}

/** ROC AUC via the Mann–Whitney U statistic, with average ranks for tied scores. */
export function rocAuc(scores: readonly number[], labels: readonly number[]): number {
  const sorted = order(scores);
  let positives = 0;
  let rankSumPositives = 0;
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    const score = scores[sorted[i] ?? 0];
    while (j + 1 < sorted.length && scores[sorted[j + 1] ?? 0] === score) j++;
    const averageRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[sorted[k] ?? 0] === 1) {
        positives++;
        rankSumPositives += averageRank;
      }
    }
    i = j + 1;
  }
  const negatives = sorted.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSumPositives - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function averagePrecision(scores: readonly number[], labels: readonly number[]): number {
  const sorted = order(scores).reverse();
  const positives = labels.reduce((sum, label) => sum + label, 0);
  if (positives === 0) return Number.NaN;
  let truePositives = 0;
  let sum = 0;
  sorted.forEach((index, rank) => {
    if (labels[index] === 1) {
      truePositives++;
      sum += truePositives / (rank + 1);
    }
  });
  return sum / positives;
}

export function evaluate(
  scores: readonly number[],
  labels: readonly number[],
  threshold: number,
): ClassifierMetrics {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  let logLoss = 0;
  scores.forEach((score, index) => {
    const label = labels[index];
    const flagged = score >= threshold;
    if (label === 1) flagged ? tp++ : fn++;
    else flagged ? fp++ : tn++;
    const p = Math.min(1 - 1e-15, Math.max(1e-15, score));
    logLoss -= label === 1 ? Math.log(p) : Math.log(1 - p);
  });
  const rows = scores.length;
  return {
    rows,
    positives: tp + fn,
    auc: rocAuc(scores, labels),
    averagePrecision: averagePrecision(scores, labels),
    accuracy: (tp + tn) / rows,
    precision: tp + fp === 0 ? 0 : tp / (tp + fp),
    recall: tp + fn === 0 ? 0 : tp / (tp + fn),
    logLoss: logLoss / rows,
  };
}

/** The threshold with the best F1 on the given scores: a reasonable default alert line. */
export function bestF1Threshold(scores: readonly number[], labels: readonly number[]): number {
  const sorted = order(scores).reverse();
  const positives = labels.reduce((sum, label) => sum + label, 0);
  let truePositives = 0;
  let bestF1 = -1;
  let best = 0.5;
  sorted.forEach((index, rank) => {
    if (labels[index] === 1) truePositives++;
    const score = scores[index] ?? 0;
    const next = scores[sorted[rank + 1] ?? -1];
    if (next === score) return; // only cut between distinct scores
    const f1 = (2 * truePositives) / (rank + 1 + positives);
    if (f1 > bestF1) {
      bestF1 = f1;
      best = score;
    }
  });
  return best;
}
