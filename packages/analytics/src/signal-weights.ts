import { DEFAULT_SIGNAL_WEIGHTS, type SignalWeights } from './proxy-signal-config.ts';
import type { ScoredDay } from './proxy-signals.ts';
import { WeightedCorrelation } from './weighted-correlation.ts';

/** Fewer labelled days than this leave the documented defaults in place. */
export const MIN_CALIBRATION_DAYS = 5;

export interface CalibratedWeights {
  weights: SignalWeights;
  /** False when the defaults were kept (too few labelled days, or no signal correlated positively). */
  calibrated: boolean;
  /** Pearson r of each signal's daily score with the performance drop; null where undefined. */
  correlations: Record<string, number | null>;
  days: number;
}

/**
 * Weights for the composite from labelled history: each signal's weight is its Pearson correlation
 * (over the non-reference days) between its daily score and the day's performance drop (reference
 * metric − day's metric, positive when worse), negative ones set to 0, normalised to sum 1. The
 * business weight is the mean of the business metrics' positive correlations. With fewer than
 * `MIN_CALIBRATION_DAYS` days, or no positive correlation, the defaults stay.
 */
export function calibrateSignalWeights(
  days: readonly ScoredDay[],
  drops: ReadonlyMap<string, number>,
): CalibratedWeights {
  const correlations = new Map<string, WeightedCorrelation>();
  let used = 0;
  for (const day of days) {
    if (day.reference) continue;
    const drop = drops.get(day.date);
    if (drop === undefined || !Number.isFinite(drop)) continue;
    used += 1;
    for (const s of day.signals) {
      if (s.score === null) continue;
      let c = correlations.get(s.signal);
      if (c === undefined) {
        c = new WeightedCorrelation();
        correlations.set(s.signal, c);
      }
      c.add(s.score, drop);
    }
  }
  const r = Object.fromEntries(
    [...correlations].map(([signal, c]) => [signal, Number.isNaN(c.correlation) ? null : c.correlation]),
  );
  const positive = (signal: string) => Math.max(0, r[signal] ?? 0);
  const business = Object.keys(r).filter((s) => s.startsWith('business:'));
  const raw = {
    confidence: positive('confidence'),
    uniformity: positive('uniformity'),
    entropy: positive('entropy'),
    anomaly: positive('anomaly'),
    business: business.length > 0 ? business.reduce((a, s) => a + positive(s), 0) / business.length : 0,
  };
  const total = Object.values(raw).reduce((a, b) => a + b, 0);
  if (used < MIN_CALIBRATION_DAYS || !(total > 0)) {
    return { weights: { ...DEFAULT_SIGNAL_WEIGHTS }, calibrated: false, correlations: r, days: used };
  }
  const weights = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v / total])) as SignalWeights;
  return { weights, calibrated: true, correlations: r, days: used };
}
