/**
 * Auto-scaled value axes for the report's charts: the range of the data, padded, widened to whole
 * "nice" steps (1, 2, 2.5 or 5 × 10ᵏ), so a positive rate moving from 5.7% to 7.4% fills the chart
 * (ticks 5.5% … 7.5%) instead of being a flat line at the bottom of a 0–1 axis.
 */

export interface AxisScale {
  min: number;
  max: number;
  /** Tick values from min to max, one step apart. */
  ticks: number[];
  /** Tick label text, in the axis' format. */
  labels: string[];
}

export interface AxisOptions {
  /** Values are shares: ticks read as percentages. */
  readonly percent?: boolean;
  /** Values cannot leave [0, 1] (rates, precision, AUC): the axis never extends past it. */
  readonly unitInterval?: boolean;
  /** Values below 0 are impossible (MAE, RMSE): the axis stops at 0. */
  readonly nonNegative?: boolean;
  /** Always include this value (0 for a histogram's bars). */
  readonly include?: number;
  /** About this many intervals between ticks. */
  readonly intervals?: number;
}

function niceStep(span: number, intervals: number): number {
  const raw = span / intervals;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * magnitude >= raw * (1 - 1e-9)) return m * magnitude;
  return 10 * magnitude;
}

/** Decimals that show every multiple of `step` exactly (2.5 × 10ᵏ needs one more). */
function decimalsFor(step: number): number {
  let decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  while (decimals < 12 && Math.abs(Number(step.toFixed(decimals)) - step) > step * 1e-6) decimals++;
  return decimals;
}

export function axisScale(values: readonly number[], options: AxisOptions = {}): AxisScale {
  const finite = values.filter((v) => Number.isFinite(v));
  const dataMin = finite.length === 0 ? 0 : Math.min(...finite);
  const dataMax = finite.length === 0 ? 1 : Math.max(...finite);
  // A little room above and below the data; a flat line gets ±10% of its value (±0.05 around 0).
  const pad = dataMax > dataMin ? (dataMax - dataMin) * 0.05 : Math.abs(dataMax) * 0.1 || 0.05;
  let lo = dataMin - pad;
  let hi = dataMax + pad;
  if (options.unitInterval === true) hi = Math.min(1, hi);
  if (options.unitInterval === true || options.nonNegative === true) lo = Math.max(0, lo);
  const include = options.include;
  // The included value is an edge of the axis when it lies outside the data (a histogram's 0).
  if (include !== undefined && include <= dataMin) lo = include;
  if (include !== undefined && include >= dataMax) hi = include;
  const step = niceStep(hi - lo, options.intervals ?? 4);
  const min = Math.floor(lo / step + 1e-9) * step;
  const max = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let k = 0; min + k * step <= max + step * 1e-9; k++)
    ticks.push(Number((min + k * step).toPrecision(12)));
  const percent = options.percent === true;
  const decimals = decimalsFor(percent ? step * 100 : step);
  const labels = ticks.map((t) => (percent ? `${(t * 100).toFixed(decimals)}%` : t.toFixed(decimals)));
  return { min: ticks[0] as number, max: ticks[ticks.length - 1] as number, ticks, labels };
}
