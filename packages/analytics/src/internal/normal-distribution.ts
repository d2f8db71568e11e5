/**
 * erfc(x) by the Chebyshev fit of Numerical Recipes (2nd ed., §6.2, `erfcc`): fractional error below
 * 1.2e-7 everywhere, which is far finer than any p-value we print.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  let poly = 0.17087277;
  for (const c of ERFC_COEFFICIENTS) poly = c + t * poly;
  const ans = t * Math.exp(-z * z + poly);
  return x >= 0 ? ans : 2 - ans;
}

/** The polynomial of `erfcc` in t, highest power first after 0.17087277 (Horner order). */
const ERFC_COEFFICIENTS = [
  -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368,
  -1.26551223,
] as const;

/** Φ(z), the standard normal CDF. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}
