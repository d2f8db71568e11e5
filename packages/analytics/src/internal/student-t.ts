import { logGamma } from './chi-square-distribution.ts';

/**
 * Student's t distribution through the regularised incomplete beta function (Numerical Recipes,
 * 2nd ed., §6.4: `betai`, `betacf`): P(|T| ≥ |t|) = I_{ν/(ν+t²)}(ν/2, ½) for ν degrees of freedom.
 */

const ITERATIONS = 300;
const EPS = 3e-14;
const TINY = 1e-300;

/** The continued fraction of I_x(a, b) (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return h;
}

/** I_x(a, b), the regularised incomplete beta function, for 0 ≤ x ≤ 1. */
export function regularisedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2)
    ? (front * betaFraction(a, b, x)) / a
    : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** Two-sided p-value P(|T| ≥ |t|) of Student's t with `df` degrees of freedom; NaN for df < 1. */
export function studentTTwoSided(t: number, df: number): number {
  if (!(df >= 1) || Number.isNaN(t)) return Number.NaN;
  if (!Number.isFinite(t)) return 0;
  return regularisedBeta(df / (df + t * t), df / 2, 0.5);
}
