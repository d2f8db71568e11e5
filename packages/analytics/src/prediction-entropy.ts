/**
 * Prediction entropy and confidence of one prediction, both on [0, 1] so binary and multiclass
 * models read alike.
 *
 * - entropy: −Σ pᵢ ln pᵢ / ln k over the k class probabilities (renormalised to sum 1); for a
 *   binary model that logs only a score s, the two classes s and 1 − s. 0: certain, 1: uniform.
 * - confidence: the largest class probability (max(s, 1 − s) for a score).
 */
export interface PredictionUncertainty {
  readonly entropy: number;
  readonly confidence: number;
}

/** From `probabilities` (a map or a list) when it has two or more usable values, else from `score`. */
export function predictionUncertainty(
  probabilities: unknown,
  score: unknown,
): PredictionUncertainty | undefined {
  if (probabilities !== null && typeof probabilities === 'object') {
    const values = Array.isArray(probabilities) ? probabilities : Object.values(probabilities);
    let total = 0;
    let k = 0;
    let largest = 0;
    for (const p of values) {
      if (typeof p !== 'number' || !Number.isFinite(p) || p < 0) continue;
      total += p;
      k += 1;
      if (p > largest) largest = p;
    }
    if (k >= 2 && total > 0) {
      let h = 0;
      for (const p of values) {
        if (typeof p !== 'number' || !Number.isFinite(p) || p <= 0) continue;
        const q = p / total;
        h -= q * Math.log(q);
      }
      return { entropy: h / Math.log(k), confidence: largest / total };
    }
  }
  if (typeof score === 'number' && score >= 0 && score <= 1) {
    const h = score <= 0 || score >= 1 ? 0 : -(score * Math.log(score) + (1 - score) * Math.log(1 - score));
    return { entropy: h / Math.LN2, confidence: Math.max(score, 1 - score) };
  }
  return undefined;
}
