import { studentTTwoSided } from './internal/student-t.ts';

export interface TrendPoint {
  /** Position in time (a day index). */
  readonly x: number;
  readonly y: number;
  /** Precision weight: a daily metric's variance falls as 1/n, so its labelled count. */
  readonly weight: number;
}

export interface LinearTrend {
  points: number;
  /** Weighted least-squares slope of y on x (change per day). */
  slope: number;
  intercept: number;
  standardError: number;
  /** slope / standardError, on points − 2 degrees of freedom. */
  t: number;
  degreesOfFreedom: number;
  /** Two-sided P(|T| ≥ |t|) under "no trend". */
  pValue: number;
}

/**
 * Weighted least-squares line through the points: b = Σw(x − x̄)(y − ȳ) / Σw(x − x̄)², means
 * weighted; σ̂² = Σw(y − a − bx)² / (n − 2) with the weights scaled to mean 1 (so only their ratios
 * matter); SE(b) = √(σ̂² / Σw(x − x̄)²); t = b / SE(b), two-sided p from Student's t on n − 2 df.
 * Undefined (null) below three points or when every x is the same.
 */
export function weightedLinearTrend(points: readonly TrendPoint[]): LinearTrend | null {
  const usable = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && p.weight > 0);
  const n = usable.length;
  if (n < 3) return null;
  const meanWeight = usable.reduce((a, p) => a + p.weight, 0) / n;
  let sw = 0;
  let sx = 0;
  let sy = 0;
  for (const p of usable) {
    const w = p.weight / meanWeight;
    sw += w;
    sx += w * p.x;
    sy += w * p.y;
  }
  const mx = sx / sw;
  const my = sy / sw;
  let sxx = 0;
  let sxy = 0;
  for (const p of usable) {
    const w = p.weight / meanWeight;
    sxx += w * (p.x - mx) ** 2;
    sxy += w * (p.x - mx) * (p.y - my);
  }
  if (!(sxx > 0)) return null;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let residual = 0;
  for (const p of usable) residual += (p.weight / meanWeight) * (p.y - intercept - slope * p.x) ** 2;
  const df = n - 2;
  const standardError = Math.sqrt(residual / df / sxx);
  const t =
    standardError > 0 ? slope / standardError : slope === 0 ? 0 : Math.sign(slope) * Number.POSITIVE_INFINITY;
  return {
    points: n,
    slope,
    intercept,
    standardError,
    t,
    degreesOfFreedom: df,
    pValue: studentTTwoSided(t, df),
  };
}
