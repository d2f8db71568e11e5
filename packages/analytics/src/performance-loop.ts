import { z } from 'zod';
import type { ClassificationMetrics } from './classification-metrics.ts';
import type { AnalyticsConfig } from './config.ts';
import {
  compareWithBaseline,
  type EvaluationReport,
  type EvaluationTask,
  type MetricComparison,
} from './evaluation.ts';
import type { LabelJoinReport, LabelSource } from './label-join.ts';
import { type LabelledPeriod, labelledDayMetrics } from './labelled-days.ts';
import type { LogSelection } from './log-selection.ts';
import type { RegressionMetrics } from './regression-metrics.ts';
import { type TrainingFreshness, trainingFreshness } from './training-freshness.ts';
import { type LinearTrend, weightedLinearTrend } from './trend-statistic.ts';

export const PERFORMANCE_FORMAT = 'predlog.performance';

export const CLASSIFICATION_LOOP_METRICS = ['auc', 'precision', 'recall', 'f1', 'ece'] as const;
export const REGRESSION_LOOP_METRICS = ['mae', 'rmse', 'mape', 'bias'] as const;
export type LoopMetric =
  | (typeof CLASSIFICATION_LOOP_METRICS)[number]
  | (typeof REGRESSION_LOOP_METRICS)[number];

/** Metrics where higher is better; for the others (ECE, errors, |bias|) lower is. */
const HIGHER_IS_BETTER: ReadonlySet<LoopMetric> = new Set(['auc', 'precision', 'recall', 'f1']);

export const performanceConfigSchema = z
  .strictObject({
    /** Days in each rolling window (the window ending on a day includes it). */
    windowDays: z.number().int('must be a whole number').min(1, 'must be at least 1').default(30),
    /** The metric trended and triggered on; unset: `auc` for classification, `mae` for regression. */
    metric: z.enum([...CLASSIFICATION_LOOP_METRICS, ...REGRESSION_LOOP_METRICS]).optional(),
    /** Trigger when the rolling metric is below this ... */
    below: z.number().optional(),
    /** ... or above this (error metrics), */
    above: z.number().optional(),
    /** ... on this many consecutive days. */
    forDays: z.number().int('must be a whole number').min(1, 'must be at least 1').default(3),
    /** Significance level of the trend's t-test. */
    trendAlpha: z.number().gt(0).lt(1).default(0.05),
    /** Freshness: share of the training set from this many days before the last logged day. */
    freshnessDays: z.number().int().min(1).default(90),
  })
  .refine((c) => c.below === undefined || c.above === undefined, {
    path: ['above'],
    message: 'give below or above, not both',
  });

export type PerformanceConfig = z.output<typeof performanceConfigSchema>;
export type PerformanceConfigInput = z.input<typeof performanceConfigSchema>;

export interface MetricPoint {
  date: string;
  value: number | null;
  /** Labelled predictions and their weight behind the value. */
  count: number;
  weight: number;
}

export type PerformanceTrend = 'stable' | 'improving' | 'degrading';

export interface RetrainingTrigger {
  metric: LoopMetric;
  direction: 'below' | 'above';
  threshold: number;
  forDays: number;
  /** Consecutive calendar days, up to the last labelled one, whose rolling metric breaches the threshold. */
  consecutiveDays: number;
  triggered: boolean;
  /** First day of that run; null when the last day does not breach. */
  since: string | null;
}

export interface PerformanceReport {
  format: typeof PERFORMANCE_FORMAT;
  version: 1;
  task: EvaluationTask | null;
  metric: LoopMetric;
  windowDays: number;
  /** The metric per prediction day (what the trend is fitted to: days are independent samples). */
  days: MetricPoint[];
  /** The metric of the window ending on each day. */
  rolling: MetricPoint[];
  /** Every metric of the window ending on the last labelled day. */
  latest: LabelledPeriod | null;
  trend: {
    direction: PerformanceTrend | null;
    /** Weighted least squares of the daily metric on the day, weights the labelled counts. */
    statistic: LinearTrend | null;
    alpha: number;
  };
  /** The latest window against a training/validation baseline (`predlog evaluate --json` of it). */
  baseline: MetricComparison[] | null;
  degraded: boolean;
  trigger: RetrainingTrigger | null;
  labelMatch: { rate: number | null; minimum: number; belowMinimum: boolean; coverage: number | null };
  freshness: TrainingFreshness | null;
  join: LabelJoinReport;
  unusablePairs: number;
}

export interface PerformanceLoopOptions {
  readonly selection: LogSelection;
  readonly labels: LabelSource;
  readonly config: AnalyticsConfig;
  readonly performance: PerformanceConfig;
  readonly baseline?: EvaluationReport | undefined;
  /** A training set (NDJSON or CSV with timestamps) whose freshness to report. */
  readonly trainingSet?: string | undefined;
}

export function metricOf(
  period: LabelledPeriod,
  metric: LoopMetric,
): { value: number | null; count: number; weight: number } {
  const c = period.classification;
  const r = period.regression;
  if (c !== null && (CLASSIFICATION_LOOP_METRICS as readonly string[]).includes(metric)) {
    return {
      value: c[metric as keyof ClassificationMetrics] as number | null,
      count: c.count,
      weight: c.weight,
    };
  }
  if (r !== null && (REGRESSION_LOOP_METRICS as readonly string[]).includes(metric)) {
    const value = r[metric as keyof RegressionMetrics] as number | null;
    return {
      value: metric === 'bias' && value !== null ? Math.abs(value) : value,
      count: r.count,
      weight: r.weight,
    };
  }
  return { value: null, count: c?.count ?? r?.count ?? 0, weight: c?.weight ?? r?.weight ?? 0 };
}

const DAY_MS = 86_400_000;
const dayNumber = (day: string): number => Date.parse(`${day}T00:00:00Z`) / DAY_MS;

/**
 * The performance loop over labelled predictions: the metric per day and over rolling
 * `windowDays` windows, its trend (weighted least-squares slope of the daily values with its
 * t-statistic: improving or degrading when p < `trendAlpha`, else stable), the latest window
 * against a training baseline, the retraining trigger (the rolling metric past its threshold on
 * `forDays` consecutive days, so one noisy day does not retrain) and the label match rate against
 * `join.minMatchRate`. Bias is trended and triggered on as |bias|.
 */
export async function performanceLoop(options: PerformanceLoopOptions): Promise<PerformanceReport> {
  const { performance, config } = options;
  const labelled = await labelledDayMetrics({
    selection: options.selection,
    labels: options.labels,
    config,
    rollingDays: performance.windowDays,
  });
  const metric: LoopMetric = performance.metric ?? (labelled.task === 'regression' ? 'mae' : 'auc');
  const point = (period: LabelledPeriod): MetricPoint => ({ date: period.date, ...metricOf(period, metric) });
  const days = labelled.days.map(point);
  const rolling = labelled.rolling.map(point);
  const latest = labelled.rolling.at(-1) ?? null;

  const lastDay = days.at(-1)?.date;
  const trendDays =
    lastDay === undefined
      ? []
      : days.filter((d) => dayNumber(lastDay) - dayNumber(d.date) < performance.windowDays);
  const statistic = weightedLinearTrend(
    trendDays
      .filter((d) => d.value !== null)
      .map((d) => ({ x: dayNumber(d.date), y: d.value as number, weight: d.count })),
  );
  let direction: PerformanceTrend | null = null;
  if (statistic !== null) {
    const better = HIGHER_IS_BETTER.has(metric) ? statistic.slope > 0 : statistic.slope < 0;
    direction = statistic.pValue < performance.trendAlpha ? (better ? 'improving' : 'degrading') : 'stable';
  }

  const baseline =
    options.baseline === undefined || latest === null
      ? null
      : compareWithBaseline({ overall: latest }, options.baseline, config.evaluate);

  let trigger: RetrainingTrigger | null = null;
  const threshold = performance.below ?? performance.above;
  if (threshold !== undefined) {
    const breaching =
      performance.below !== undefined ? (v: number) => v < threshold : (v: number) => v > threshold;
    let run = 0;
    let since: string | null = null;
    for (let i = rolling.length - 1; i >= 0; i--) {
      const p = rolling[i] as MetricPoint;
      const next = rolling[i + 1];
      if (next !== undefined && dayNumber(next.date) - dayNumber(p.date) !== 1) break;
      if (p.value === null || !breaching(p.value)) break;
      run += 1;
      since = p.date;
    }
    trigger = {
      metric,
      direction: performance.below !== undefined ? 'below' : 'above',
      threshold,
      forDays: performance.forDays,
      consecutiveDays: run,
      triggered: run >= performance.forDays,
      since,
    };
  }

  const freshness =
    options.trainingSet === undefined
      ? null
      : await trainingFreshness(
          options.trainingSet,
          new Date(lastDay === undefined ? Date.now() : (dayNumber(lastDay) + 1) * DAY_MS),
          performance.freshnessDays,
        );

  return {
    format: PERFORMANCE_FORMAT,
    version: 1,
    task: labelled.task,
    metric,
    windowDays: performance.windowDays,
    days,
    rolling,
    latest,
    trend: { direction, statistic, alpha: performance.trendAlpha },
    baseline,
    degraded: baseline?.some((c) => c.worse) ?? false,
    trigger,
    labelMatch: {
      rate: labelled.join.matchRate,
      minimum: labelled.join.minMatchRate,
      belowMinimum: labelled.join.belowMinimum,
      coverage: labelled.join.coverage,
    },
    freshness,
    join: labelled.join,
    unusablePairs: labelled.unusablePairs,
  };
}
