import { describe, expect, it } from 'vitest';
import { ClassificationAccumulator, type ClassificationMetrics } from '../src/index.ts';
import { SeededRandom } from './support/seeded-random.ts';

type Row = { score: number; actual: boolean; weight?: number };

function metrics(
  rows: readonly Row[],
  options: { threshold?: number; eceBins?: number; maxScoreKeys?: number } = {},
) {
  const acc = new ClassificationAccumulator({
    eceBins: options.eceBins ?? 10,
    maxScoreKeys: options.maxScoreKeys,
  });
  for (const r of rows) {
    acc.add({
      actual: r.actual,
      predicted: r.score >= (options.threshold ?? 0.5),
      score: r.score,
      weight: r.weight ?? 1,
    });
  }
  return acc.result();
}

/** AUC by its definition over every (positive, negative) pair: O(n²), the reference. */
function bruteForceAuc(rows: readonly Row[]): number {
  let sum = 0;
  let pairs = 0;
  for (const p of rows) {
    if (!p.actual) continue;
    for (const n of rows) {
      if (n.actual) continue;
      const w = (p.weight ?? 1) * (n.weight ?? 1);
      pairs += w;
      sum += w * (p.score > n.score ? 1 : p.score === n.score ? 0.5 : 0);
    }
  }
  return sum / pairs;
}

const SKLEARN_EXAMPLE: Row[] = [
  { score: 0.1, actual: false },
  { score: 0.4, actual: false },
  { score: 0.35, actual: true },
  { score: 0.8, actual: true },
];

describe('ClassificationAccumulator', () => {
  it('AUC 0.75 for the scikit-learn roc_auc_score example', () => {
    // Pairs (positive > negative): 0.35>0.1 yes, 0.35>0.4 no, 0.8>0.1 yes, 0.8>0.4 yes: 3 of 4.
    expect(metrics(SKLEARN_EXAMPLE).auc).toBe(0.75);
  });

  it('weights each pair by the product of its weights', () => {
    // Weights: positives 0.35 (2), 0.8 (1); negatives 0.1 (1), 0.4 (3). Winning pair weight:
    // 0.35>0.1: 2·1 = 2; 0.8>0.1: 1·1 = 1; 0.8>0.4: 1·3 = 3; losing 0.35<0.4: 2·3 = 6.
    // AUC = (2 + 1 + 3) / (3 · 4) = 6/12 = 0.5.
    const weights = [1, 3, 2, 1];
    const rows = SKLEARN_EXAMPLE.map((r, i) => ({ ...r, weight: weights[i] }));
    expect(metrics(rows).auc).toBe(0.5);
  });

  it('counts ties as one half', () => {
    expect(
      metrics([
        { score: 0.5, actual: true },
        { score: 0.5, actual: false },
      ]).auc,
    ).toBe(0.5);
  });

  it('precision, recall, F1 and accuracy from the weighted confusion matrix', () => {
    // Threshold 0.5: only 0.8 is predicted positive. TP = 1 (0.8), FN = 1 (0.35), FP = 0, TN = 2.
    // precision = 1/1 = 1, recall = 1/2, F1 = 2·1·0.5/(1 + 0.5) = 2/3, accuracy = 3/4.
    const m = metrics(SKLEARN_EXAMPLE);
    expect([m.truePositive, m.falsePositive, m.falseNegative, m.trueNegative]).toEqual([1, 0, 1, 2]);
    expect(m.precision).toBe(1);
    expect(m.recall).toBe(0.5);
    expect(m.f1).toBeCloseTo(2 / 3, 12);
    expect(m.accuracy).toBe(0.75);
    expect(m.positiveRate).toBe(0.5);
  });

  it('expected calibration error with one score per bin', () => {
    // 10 bins; each score alone in its bin: |0.1 − 0| + |0.4 − 0| + |0.35 − 1| + |0.8 − 1|
    // = 0.1 + 0.4 + 0.65 + 0.2 = 1.35, each bin weighing 1/4: ECE = 1.35/4 = 0.3375.
    expect(metrics(SKLEARN_EXAMPLE).ece).toBeCloseTo(0.3375, 12);
  });

  it('expected calibration error with two bins of several scores', () => {
    // Bin [0, 0.5): 0.15 (0), 0.18 (1): mean score 0.165, positive rate 0.5, gap 0.335, weight 2/5.
    // Bin [0.5, 1]: 0.85 (1), 0.9 (1), 0.95 (0): mean 0.9, rate 2/3, gap 0.2333…, weight 3/5.
    // ECE = 0.4 · 0.335 + 0.6 · 0.2333… = 0.134 + 0.14 = 0.274.
    const rows: Row[] = [
      { score: 0.15, actual: false },
      { score: 0.18, actual: true },
      { score: 0.85, actual: true },
      { score: 0.9, actual: true },
      { score: 0.95, actual: false },
    ];
    expect(metrics(rows, { eceBins: 2 }).ece).toBeCloseTo(0.274, 12);
  });

  it('a score of exactly 1 falls in the last bin; undefined ratios are null', () => {
    const m = metrics([{ score: 1, actual: true }], { eceBins: 4 });
    expect(m.ece).toBe(0);
    expect(m.auc).toBeNull();
    const none = metrics([{ score: 0.2, actual: false }]);
    expect(none.precision).toBeNull();
    expect(none.recall).toBeNull();
    expect(none.f1).toBeNull();
  });

  it('weights count as repeats for every metric', () => {
    const random = new SeededRandom(11);
    const weighted: Row[] = [];
    const copied: Row[] = [];
    for (let i = 0; i < 300; i++) {
      const score = Math.round(random.next() * 100) / 100;
      const row = { score, actual: random.next() < score, weight: 1 + Math.floor(random.next() * 4) };
      weighted.push(row);
      for (let k = 0; k < row.weight; k++) copied.push({ score: row.score, actual: row.actual });
    }
    const a = metrics(weighted);
    const b = metrics(copied);
    for (const key of ['auc', 'precision', 'recall', 'f1', 'accuracy', 'ece'] as const) {
      expect(a[key]).toBeCloseTo(b[key] as number, 12);
    }
  });

  it('past maxScoreKeys the AUC stays within its reported bound of the exact value', () => {
    const random = new SeededRandom(12);
    const rows: Row[] = [];
    for (let i = 0; i < 3000; i++) {
      const score = random.next();
      rows.push({ score, actual: random.next() < score ** 2, weight: 1 + (i % 3) });
    }
    const exact = bruteForceAuc(rows);
    const m = metrics(rows, { maxScoreKeys: 64 });
    expect(m.aucErrorBound).toBeGreaterThan(0);
    expect(m.aucErrorBound).toBeLessThan(0.02);
    expect(Math.abs((m.auc as number) - exact)).toBeLessThanOrEqual(m.aucErrorBound);
    // Below the cap the figure is exact.
    const exactRun = metrics(rows);
    expect(exactRun.aucErrorBound).toBe(0);
    expect(exactRun.auc).toBeCloseTo(exact, 12);
  });

  it('weights 1/p on a subsample recover the full data set’s metrics (seed 5, 200k predictions)', () => {
    // A population of scored predictions with a calibrated model; the sampler keeps every score
    // above 0.8 and 10% of the rest (weight 10), as the sampling processor's stratified rules do.
    const random = new SeededRandom(5);
    const full = new ClassificationAccumulator();
    const weighted = new ClassificationAccumulator();
    const unweighted = new ClassificationAccumulator();
    for (let i = 0; i < 200_000; i++) {
      const score = random.next() ** 3;
      const actual = random.next() < score;
      const observation = { actual, predicted: score >= 0.5, score };
      full.add({ ...observation, weight: 1 });
      const p = score > 0.8 ? 1 : 0.1;
      if (random.next() < p) {
        weighted.add({ ...observation, weight: 1 / p });
        unweighted.add({ ...observation, weight: 1 });
      }
    }
    const f = full.result();
    const w = weighted.result();
    const u = unweighted.result();
    const gap = (
      a: ClassificationMetrics,
      b: ClassificationMetrics,
      key: 'auc' | 'precision' | 'recall' | 'f1' | 'ece',
    ) => Math.abs((a[key] as number) - (b[key] as number));
    // Tolerances: ≈ 3 standard errors of each estimate at this sample size.
    expect(gap(w, f, 'auc')).toBeLessThan(0.01);
    expect(gap(w, f, 'precision')).toBeLessThan(0.02);
    expect(gap(w, f, 'recall')).toBeLessThan(0.02);
    expect(gap(w, f, 'f1')).toBeLessThan(0.02);
    expect(gap(w, f, 'ece')).toBeLessThan(0.01);
    expect(Math.abs(w.weight - f.weight) / f.weight).toBeLessThan(0.02);
    // Without the weights the over-sampled high scores bias the figures well past those tolerances.
    expect(gap(u, f, 'recall')).toBeGreaterThan(0.05);
    expect(Math.abs((u.positiveRate as number) - (f.positiveRate as number))).toBeGreaterThan(0.05);
  });

  it('merging accumulators equals accumulating every pair; a remainder is the rest without AUC', () => {
    const random = new SeededRandom(8);
    const rows = Array.from({ length: 6000 }, () => {
      const score = Math.round(random.next() * 1e4) / 1e4;
      return { score, actual: random.next() < score, weight: random.pick([1, 2, 5]) };
    });
    const add = (acc: ClassificationAccumulator, row: (typeof rows)[number]) =>
      acc.add({ actual: row.actual, predicted: row.score >= 0.5, score: row.score, weight: row.weight });
    for (const maxScoreKeys of [16_384, 512]) {
      const all = new ClassificationAccumulator({ maxScoreKeys });
      const parts = [0, 1, 2].map(() => new ClassificationAccumulator({ maxScoreKeys }));
      rows.forEach((row, i) => {
        add(all, row);
        add(parts[i % 3] as ClassificationAccumulator, row);
      });
      const merged = new ClassificationAccumulator({ maxScoreKeys });
      for (const part of parts) merged.merge(part);
      const a = all.result();
      const m = merged.result();
      for (const key of [
        'count',
        'weight',
        'truePositive',
        'falsePositive',
        'precision',
        'recall',
        'ece',
      ] as const) {
        expect(m[key], `${maxScoreKeys} ${key}`).toBeCloseTo(a[key] as number, 9);
      }
      // Exact while the scores fit; coarsened, both answers lie within their bounds of the exact AUC.
      const exact = metrics(rows).auc as number;
      expect(Math.abs((m.auc as number) - exact)).toBeLessThanOrEqual(m.aucErrorBound + 1e-12);
      if (maxScoreKeys === 16_384) expect(m.aucErrorBound).toBe(0);
      else expect(m.aucErrorBound).toBeGreaterThan(0);
      const bins = all.calibration();
      merged.calibration().forEach((bin, i) => {
        expect(bin.weight).toBeCloseTo(bins[i]?.weight as number, 9);
        expect(bin.positiveRate).toBeCloseTo(bins[i]?.positiveRate as number, 9);
      });
      const rest = ClassificationAccumulator.remainder(all, parts.slice(1)).result();
      const first = (parts[0] as ClassificationAccumulator).result();
      expect(rest.count).toBe(first.count);
      expect(rest.precision as number).toBeCloseTo(first.precision as number, 9);
      expect(rest.ece as number).toBeCloseTo(first.ece as number, 9);
      expect(rest.auc).toBeNull();
    }
  });
});
