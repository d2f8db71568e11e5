import type { StoredRecord } from '@predlog/schema';
import type { ClassificationMetrics } from './classification-metrics.ts';
import type { AnalyticsConfig, CohortDimension } from './config.ts';
import { type CohortEvaluation, type CohortSpec, evaluateCohorts } from './internal/cohort-evaluation.ts';
import { CohortValues, NONE_COHORT, OTHER_COHORT } from './internal/cohort-values.ts';
import { stringField, utcDayOf } from './internal/stored-fields.ts';
import type { LabelJoinReport, LabelSource } from './label-join.ts';
import type { LabelValues } from './label-tally.ts';
import type { LogSelection } from './log-selection.ts';
import type { RegressionMetrics } from './regression-metrics.ts';

export const EVALUATION_FORMAT = 'predlog.evaluation';

export type EvaluationTask = 'classification' | 'regression';

/** The metrics of one task; the other task's field is null. */
export interface MetricSet {
  classification: ClassificationMetrics | null;
  regression: RegressionMetrics | null;
}

export interface CohortMetrics extends MetricSet {
  dimension: CohortDimension;
  /** The model version, segment or UTC prediction date; `(none)` when absent, `(other)` past the cap. */
  value: string;
}

export interface MetricComparison {
  metric: string;
  baseline: number | null;
  current: number | null;
  delta: number | null;
  /** Worse than the baseline by more than the tolerance. */
  worse: boolean;
}

export interface EvaluationReport {
  format: typeof EVALUATION_FORMAT;
  version: 1;
  task: EvaluationTask | null;
  selection: { model: string | null; since: string | null; until: string | null };
  join: LabelJoinReport;
  /** Joined pairs whose label or prediction could not be read as the task needs (no class, no number). */
  unusablePairs: number;
  /**
   * Classification: the label values met and how many read as positive (`positiveCount` 0 with
   * labelled pairs: no label matched `positiveLabels`, so AUC and recall are undefined). Null for
   * regression.
   */
  labels: LabelValues | null;
  overall: MetricSet;
  cohorts: CohortMetrics[];
  comparison: MetricComparison[] | null;
  /** Some metric is worse than the baseline beyond tolerance. */
  degraded: boolean;
}

export interface EvaluationOptions {
  readonly selection: LogSelection;
  readonly labels: LabelSource;
  readonly config: AnalyticsConfig;
  /** A previous report (`predlog evaluate --json`) to compare the overall metrics with. */
  readonly baseline?: EvaluationReport | undefined;
  /** Sees every prediction of the window, labelled or not. */
  readonly onPrediction?: (record: StoredRecord, weight: number) => void;
}

/** The configured cohort dimensions as cohort specs, each capped at `maxCohortsPerDimension`. */
function cohortSpecs(config: AnalyticsConfig): CohortSpec[] {
  const reader: Record<CohortDimension, (record: StoredRecord) => string> = {
    version: (record) => stringField(record, 'model_version') ?? NONE_COHORT,
    segment: (record) => stringField(record, 'segment') ?? NONE_COHORT,
    date: utcDayOf,
  };
  return config.evaluate.cohorts.map((dimension) => {
    const values = new CohortValues(config.evaluate.maxCohortsPerDimension);
    const read = reader[dimension];
    return { dimension, valueOf: (record) => values.valueOf(read(record)), auc: true };
  });
}

/** The report of an evaluation of `selection`, with these cohorts and no baseline comparison yet. */
export function evaluationReport(
  evaluation: CohortEvaluation,
  selection: LogSelection,
  cohorts: CohortMetrics[],
): EvaluationReport {
  return {
    format: EVALUATION_FORMAT,
    version: 1,
    task: evaluation.task,
    selection: {
      model: selection.model ?? null,
      since: selection.since?.toISOString() ?? null,
      until: selection.until?.toISOString() ?? null,
    },
    join: evaluation.join,
    unusablePairs: evaluation.unusablePairs,
    labels: evaluation.labels,
    overall: evaluation.overall,
    cohorts,
    comparison: null,
    degraded: false,
  };
}

/**
 * Joins labels to the window's predictions and computes weighted metrics overall and per cohort
 * (model version, segment, UTC prediction date): AUC-ROC, precision, recall, F1 and ECE for
 * classification; MAE, RMSE, MAPE and bias for regression. Memory: the join's bound, plus per
 * cohort a fixed set of counters and a score histogram of at most maxScoreKeys/8 cells.
 */
export async function evaluatePredictions(options: EvaluationOptions): Promise<EvaluationReport> {
  const { config, selection } = options;
  const evaluation = await evaluateCohorts({
    selection,
    labels: options.labels,
    config,
    specs: cohortSpecs(config),
    ...(options.onPrediction === undefined ? {} : { onPrediction: options.onPrediction }),
  });
  const cohortMetrics: CohortMetrics[] = [];
  for (const dimension of config.evaluate.cohorts) {
    const sorted = evaluation.cohorts
      .filter((c) => c.dimension === dimension)
      .sort((a, b) =>
        a.value === OTHER_COHORT ? 1 : b.value === OTHER_COHORT ? -1 : a.value.localeCompare(b.value),
      );
    for (const { value, classification, regression } of sorted) {
      cohortMetrics.push({ dimension, value, classification, regression });
    }
  }
  const report = evaluationReport(evaluation, selection, cohortMetrics);
  if (options.baseline !== undefined) {
    report.comparison = compareWithBaseline(report, options.baseline, config.evaluate);
    report.degraded = report.comparison.some((c) => c.worse);
  }
  return report;
}

type Direction = 'higher' | 'lower' | 'relative' | 'bias';

const CLASSIFICATION_METRICS: ReadonlyArray<[keyof ClassificationMetrics, Direction]> = [
  ['auc', 'higher'],
  ['precision', 'higher'],
  ['recall', 'higher'],
  ['f1', 'higher'],
  ['ece', 'lower'],
];

const REGRESSION_METRICS: ReadonlyArray<[keyof RegressionMetrics, Direction]> = [
  ['mae', 'relative'],
  ['rmse', 'relative'],
  ['mape', 'relative'],
  ['bias', 'bias'],
];

/**
 * The overall metrics against a baseline report's. Worse means: AUC, precision, recall, F1 lower by
 * more than `absoluteTolerance`; ECE higher by more than it; MAE, RMSE, MAPE higher by more than
 * `relativeTolerance` of the baseline; |bias| larger by more than `relativeTolerance` × baseline MAE.
 */
export function compareWithBaseline(
  current: Pick<EvaluationReport, 'overall'>,
  baseline: Pick<EvaluationReport, 'overall'>,
  tolerance: { absoluteTolerance: number; relativeTolerance: number },
): MetricComparison[] {
  const out: MetricComparison[] = [];
  const compare = (
    metric: string,
    now: number | null,
    then: number | null,
    direction: Direction,
    scale: number,
  ) => {
    const delta = now === null || then === null ? null : now - then;
    let worse = false;
    if (now !== null && then !== null) {
      if (direction === 'higher') worse = now < then - tolerance.absoluteTolerance;
      else if (direction === 'lower') worse = now > then + tolerance.absoluteTolerance;
      else if (direction === 'relative') worse = now > then * (1 + tolerance.relativeTolerance);
      else worse = Math.abs(now) > Math.abs(then) + tolerance.relativeTolerance * scale;
    }
    out.push({ metric, baseline: then, current: now, delta, worse });
  };
  const nowC = current.overall.classification;
  const thenC = baseline.overall.classification;
  if (nowC !== null && thenC !== null) {
    for (const [metric, direction] of CLASSIFICATION_METRICS) {
      compare(metric, nowC[metric] as number | null, thenC[metric] as number | null, direction, 0);
    }
  }
  const nowR = current.overall.regression;
  const thenR = baseline.overall.regression;
  if (nowR !== null && thenR !== null) {
    const scale = thenR.mae ?? Math.abs(thenR.bias ?? 0);
    for (const [metric, direction] of REGRESSION_METRICS) {
      compare(metric, nowR[metric] as number | null, thenR[metric] as number | null, direction, scale);
    }
  }
  return out;
}

/** Structural check of a parsed baseline report. */
export function isEvaluationReport(value: unknown): value is EvaluationReport {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  const overall = v.overall as Record<string, unknown> | null | undefined;
  return (
    v.format === EVALUATION_FORMAT &&
    overall !== null &&
    typeof overall === 'object' &&
    'classification' in overall &&
    'regression' in overall
  );
}
