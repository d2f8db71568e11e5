import { seededRandom } from '@predlog/test-kit';
export interface SyntheticStream {
  requestIds: string[];
  scores: Float64Array;
}

/** `n` scores drawn by `score(pick, u)` from two uniforms each, with request ids `<prefix>-<seed>-<i>`. */
function stream(n: number, seed: number, prefix: string, score: (pick: number, u: number) => number) {
  const random = seededRandom(seed);
  const scores = new Float64Array(n);
  const requestIds = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const pick = random();
    scores[i] = score(pick, random());
    requestIds[i] = `${prefix}-${seed}-${i}`;
  }
  return { requestIds, scores };
}

/**
 * A strongly skewed classifier: 97% of scores are 0.45·u³ (most near 0), 2.97% sit in [0.9, 1),
 * and 0.03% are spread over [0.45, 0.9): nine buckets with a few dozen records each in a million.
 */
export function skewedStream(n: number, seed: number): SyntheticStream {
  return stream(n, seed, 'req', (pick, u) =>
    pick < 0.97 ? 0.45 * u * u * u : pick < 0.9997 ? 0.9 + 0.1 * u : 0.45 + 0.45 * u,
  );
}

/**
 * An imbalanced classifier's scores: 90% near 0 (0.02·u), 9.5% spread over [0.02, 0.9) and densest
 * at its low end (0.02 + 0.88·u²), and a thin tail of 0.5% in [0.9, 1).
 */
export function imbalancedStream(n: number, seed: number): SyntheticStream {
  return stream(n, seed, 'imb', (pick, u) =>
    pick < 0.9 ? 0.02 * u : pick < 0.995 ? 0.02 + 0.88 * u * u : 0.9 + 0.1 * u,
  );
}

/** Population stability index of two histograms given as counts (or weighted counts). */
export function psi(expected: ArrayLike<number>, actual: ArrayLike<number>): number {
  let e = 0;
  let a = 0;
  for (let i = 0; i < expected.length; i++) {
    e += expected[i] as number;
    a += actual[i] as number;
  }
  let sum = 0;
  for (let i = 0; i < expected.length; i++) {
    const p = (expected[i] as number) / e;
    const q = (actual[i] as number) / a;
    if (p === 0 && q === 0) continue;
    // An empty bucket on one side makes PSI infinite: that is the failure it should report.
    sum += (q - p) * Math.log(q / p);
  }
  return sum;
}
