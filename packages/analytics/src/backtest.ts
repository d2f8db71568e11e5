import { z } from 'zod';
import type { BusinessSeries } from './business-series.ts';
import type { AnalyticsConfig } from './config.ts';
import type { DistributionProfile } from './distribution-profile.ts';
import type { LabelSource } from './label-join.ts';
import { labelledDayMetrics } from './labelled-days.ts';
import type { LogSelection } from './log-selection.ts';
import {
  CLASSIFICATION_LOOP_METRICS,
  type LoopMetric,
  metricOf,
  REGRESSION_LOOP_METRICS,
} from './performance-loop.ts';
import type { ProxySignalConfig } from './proxy-signal-config.ts';
import { DaySignalCollector, type ScoredDay, type SignalName, scoreSignalDays } from './proxy-signals.ts';
import { type CalibratedWeights, calibrateSignalWeights } from './signal-weights.ts';

export const backtestConfigSchema = z.strictObject({
  /** The labelled metric whose drop is the degradation event; unset: `auc` (classification), `mae` (regression). */
  metric: z.enum([...CLASSIFICATION_LOOP_METRICS, ...REGRESSION_LOOP_METRICS]).optional(),
  /** A day is degraded when its metric is worse than the reference days' mean by more than this (absolute). */
  dropTolerance: z.number().positive('must be positive').default(0.05),
  /** The event is the first of this many consecutive degraded days. */
  confirmDays: z.number().int().min(1).default(2),
  /** Alerts up to this many days before the event count as leading it; earlier days are the clean period. */
  maxLeadDays: z.number().int().min(1).default(7),
});

export type BacktestConfig = z.output<typeof backtestConfigSchema>;
export type BacktestConfigInput = z.input<typeof backtestConfigSchema>;

export interface SignalBacktest {
  signal: SignalName | 'composite' | 'composite (calibrated)';
  /** First day the signal scored above `warnScore` within `maxLeadDays` of the event (either side). */
  firstAlert: string | null;
  /** Days from that alert to the event's visibility in labels: positive leads, negative lags; null when it never alerted near it. */
  leadDays: number | null;
  /** Days from that alert to the event's prediction day (the lead over a model with instant labels). */
  leadPredictionDays: number | null;
  /** Clean days it alerted on, of all clean days. */
  falseAlerts: number;
  cleanDays: number;
  falsePositiveRate: number | null;
}

export interface BacktestReport {
  metric: LoopMetric;
  /** Reference days (the signals' and the metric's) and the metric's mean over them. */
  referenceDays: string[];
  referenceValue: number | null;
  /** Prediction day of the event: the first of `confirmDays` consecutive degraded days; null: none in the labels. */
  event: string | null;
  /**
   * When the event became visible in the labels: the day by which half the labels of its last
   * confirming day had arrived (label timestamps; without them, that prediction day).
   */
  visible: string | null;
  degradedDays: string[];
  /** Days after the reference and more than `maxLeadDays` before the event, not degraded. */
  cleanDays: string[];
  signals: SignalBacktest[];
  calibration: CalibratedWeights;
  /** The daily metric beside the daily composite. */
  days: Array<{ date: string; metric: number | null; composite: number | null; calibrated: number | null }>;
}

const DAY_MS = 86_400_000;
const dayNumber = (day: string): number => Date.parse(`${day}T00:00:00Z`) / DAY_MS;

/**
 * Backtests the proxy signals on labelled history, in one pass over the logs (the label join sees
 * every prediction for the signals): finds the degradation event in the labels, then reports for
 * each signal and for the composite (default and calibrated weights) the lead time before the
 * event and the false positive rate over the clean period.
 */
export async function backtestSignals(options: {
  readonly selection: LogSelection;
  readonly labels: LabelSource;
  readonly config: AnalyticsConfig;
  readonly signals: ProxySignalConfig;
  readonly backtest: BacktestConfig;
  readonly baseline?: DistributionProfile | undefined;
  readonly business?: BusinessSeries | undefined;
}): Promise<BacktestReport> {
  const { signals: signalConfig, backtest } = options;
  const collector = new DaySignalCollector(signalConfig, options.baseline);
  const labelled = await labelledDayMetrics({
    selection: options.selection,
    labels: options.labels,
    config: options.config,
    rollingDays: 1,
    onPrediction: (record, weight) => collector.add(record, weight),
  });
  const daySignals = collector.days(options.business);
  const scored = scoreSignalDays(daySignals, signalConfig);
  const metric: LoopMetric = backtest.metric ?? (labelled.task === 'regression' ? 'mae' : 'auc');
  const higherIsBetter = ['auc', 'precision', 'recall', 'f1'].includes(metric);
  const metricByDay = new Map(labelled.days.map((d) => [d.date, metricOf(d, metric).value]));
  const referenceDays = scored.referenceDays;
  const refValues = referenceDays
    .map((d) => metricByDay.get(d))
    .filter((v): v is number => typeof v === 'number');
  const referenceValue =
    refValues.length > 0 ? refValues.reduce((a, b) => a + b, 0) / refValues.length : null;

  const drops = new Map<string, number>();
  const degraded: string[] = [];
  if (referenceValue !== null) {
    for (const [date, value] of metricByDay) {
      if (value === null || referenceDays.includes(date)) continue;
      const drop = higherIsBetter ? referenceValue - value : value - referenceValue;
      drops.set(date, drop);
      if (drop > backtest.dropTolerance) degraded.push(date);
    }
  }
  degraded.sort();
  const degradedSet = new Set(degraded);
  let event: string | null = null;
  let visible: string | null = null;
  for (const start of degraded) {
    let run = 1;
    while (run < backtest.confirmDays && degradedSet.has(dayAfter(start, run))) run += 1;
    if (run >= backtest.confirmDays) {
      event = start;
      const confirming = dayAfter(start, backtest.confirmDays - 1);
      const arrived = labelled.days.find((d) => d.date === confirming)?.labelsArrived ?? null;
      visible = arrived !== null && arrived > confirming ? arrived : confirming;
      break;
    }
  }

  const calibration = calibrateSignalWeights(scored.days, drops);
  const recalibrated = scoreSignalDays(daySignals, signalConfig, calibration.weights);
  const afterReference = scored.days.filter((d) => !d.reference);
  const clean = afterReference
    .filter(
      (d) =>
        !degradedSet.has(d.date) &&
        (event === null || dayNumber(event) - dayNumber(d.date) > backtest.maxLeadDays),
    )
    .map((d) => d.date);
  const cleanSet = new Set(clean);

  const evaluate = (
    signal: SignalBacktest['signal'],
    days: readonly ScoredDay[],
    scoreOf: (d: ScoredDay) => number | null,
  ): SignalBacktest => {
    const alerting = days
      .filter((d) => !d.reference && (scoreOf(d) ?? 0) > signalConfig.warnScore)
      .map((d) => d.date);
    const near =
      event === null
        ? undefined
        : alerting.find((d) => Math.abs(dayNumber(event as string) - dayNumber(d)) <= backtest.maxLeadDays);
    const falseAlerts = alerting.filter((d) => cleanSet.has(d)).length;
    return {
      signal,
      firstAlert: near ?? null,
      leadDays: near === undefined || visible === null ? null : dayNumber(visible) - dayNumber(near),
      leadPredictionDays: near === undefined || event === null ? null : dayNumber(event) - dayNumber(near),
      falseAlerts,
      cleanDays: clean.length,
      falsePositiveRate: clean.length > 0 ? falseAlerts / clean.length : null,
    };
  };
  const names = scored.days[0]?.signals.map((s) => s.signal) ?? [];
  const results: SignalBacktest[] = names.map((name) =>
    evaluate(name, scored.days, (d) => d.signals.find((s) => s.signal === name)?.score ?? null),
  );
  results.push(evaluate('composite', scored.days, (d) => d.composite));
  results.push(evaluate('composite (calibrated)', recalibrated.days, (d) => d.composite));

  return {
    metric,
    referenceDays,
    referenceValue,
    event,
    visible,
    degradedDays: degraded,
    cleanDays: clean,
    signals: results,
    calibration,
    days: scored.days.map((d, i) => ({
      date: d.date,
      metric: metricByDay.get(d.date) ?? null,
      composite: d.composite,
      calibrated: recalibrated.days[i]?.composite ?? null,
    })),
  };
}

function dayAfter(day: string, days: number): string {
  return new Date((dayNumber(day) + days) * DAY_MS).toISOString().slice(0, 10);
}
