import { seededRandom } from '@predlog/test-kit';
export interface SyntheticStream {
  requestIds: string[];
  scores: Float64Array;
}

/**
 * A strongly skewed classifier: 97% of scores are 0.45·u³ (most near 0), 2.97% sit in [0.9, 1),
 * and 0.03% are spread over [0.45, 0.9): nine buckets with a few dozen records each in a million.
 */
export function skewedStream(n: number, seed: number): SyntheticStream {
  const random = seededRandom(seed);
  const scores = new Float64Array(n);
  const requestIds = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const pick = random();
    const u = random();
    scores[i] = pick < 0.97 ? 0.45 * u * u * u : pick < 0.9997 ? 0.9 + 0.1 * u : 0.45 + 0.45 * u;
    requestIds[i] = `req-${seed}-${i}`;
  }
  return { requestIds, scores };
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
