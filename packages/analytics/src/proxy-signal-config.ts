import { z } from 'zod';

const unit = 'must be a number from 0 to 1';
const weight = z.number().min(0, 'must not be negative');

/**
 * Default weights of the proxy signals in the composite degradation score, used where no labelled
 * history calibrates them (`calibrateSignalWeights`). The feature anomaly rate leads: inputs the
 * model never saw are the most direct cause of a later drop; confidence and entropy follow it.
 */
export const DEFAULT_SIGNAL_WEIGHTS = {
  confidence: 0.2,
  uniformity: 0.15,
  entropy: 0.2,
  anomaly: 0.3,
  business: 0.15,
} as const;

export const proxySignalConfigSchema = z
  .strictObject({
    /** The first this many UTC days are the reference each day's signals are scored against. */
    referenceDays: z.number().int('must be a whole number').min(2, 'must be at least 2').default(7),
    /** A baseline value below this quantile of the feature's baseline distribution is out of range. */
    anomalyLowerQuantile: z.number().min(0, unit).max(0.5, 'must be at most 0.5').default(0.005),
    /** A value above this quantile is out of range. */
    anomalyUpperQuantile: z.number().min(0.5, 'must be at least 0.5').max(1, unit).default(0.995),
    /** Equal-width bins of [0, 1] whose normalised entropy is the score distribution's uniformity. */
    uniformityBins: z.number().int().min(2).max(100).default(10),
    /** A signal this many reference standard deviations off in the bad direction scores 100. */
    fullScoreZ: z.number().positive('must be positive').default(5),
    /** Floor of a [0, 1] signal's reference standard deviation (a flat reference is not infinitely precise). */
    minStd: z.number().positive('must be positive').default(0.005),
    /** Floor of a business metric's reference standard deviation, as a share of its reference mean. */
    minRelativeStd: z.number().positive('must be positive').default(0.01),
    weights: z
      .strictObject({
        confidence: weight.default(DEFAULT_SIGNAL_WEIGHTS.confidence),
        uniformity: weight.default(DEFAULT_SIGNAL_WEIGHTS.uniformity),
        entropy: weight.default(DEFAULT_SIGNAL_WEIGHTS.entropy),
        anomaly: weight.default(DEFAULT_SIGNAL_WEIGHTS.anomaly),
        business: weight.default(DEFAULT_SIGNAL_WEIGHTS.business),
      })
      .default({ ...DEFAULT_SIGNAL_WEIGHTS }),
    /** A composite above this warns (Slack). */
    warnScore: z.number().min(0).max(100).default(60),
    /** A composite above this pages. */
    pageScore: z.number().min(0).max(100).default(80),
    /** Day-over-day change of the composite (points) below which the trend is stable. */
    trendTolerance: z.number().min(0).default(5),
  })
  .refine((c) => c.pageScore >= c.warnScore, { path: ['pageScore'], message: 'must not be below warnScore' })
  .refine((c) => c.anomalyLowerQuantile < c.anomalyUpperQuantile, {
    path: ['anomalyUpperQuantile'],
    message: 'must be above anomalyLowerQuantile',
  });

export type ProxySignalConfig = z.output<typeof proxySignalConfigSchema>;
export type ProxySignalConfigInput = z.input<typeof proxySignalConfigSchema>;
export type SignalWeights = ProxySignalConfig['weights'];
