import type { StoredRecord } from '@predlog/schema';
import { ClassificationAccumulator, type ClassificationMetrics } from './classification-metrics.ts';
import type { AnalyticsConfig, CohortDimension } from './config.ts';
import type { GroundTruth } from './ground-truth.ts';
import { DecisionRules } from './internal/decision-rules.ts';
import { numberField, stringField, utcDayOf } from './internal/stored-fields.ts';
import { joinLabels, type LabelJoinReport, type LabelSource } from './label-join.ts';
import { LabelTally, type LabelValues } from './label-tally.ts';
import type { LogSelection } from './log-selection.ts';
import { RegressionAccumulator, type RegressionMetrics } from './regression-metrics.ts';

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

/**
 * What evaluation keeps of a joined prediction, numbers only (a spilled join writes and parses
 * little): score, decision (1 positive, 0 negative, −1 none), numeric prediction, then the index of
 * its cohort bundle for each dimension (−1 for a dimension not reported).
 */
type EvaluationPoint = [
  score: number | null,
  decision: number,
  numericPrediction: number | null,
  version: number,
  segment: number,
  day: number,
];

const NONE = '(none)';
const OTHER = '(other)';

class MetricBundle {
  private readonly maxScoreKeys: number;
  private readonly config: AnalyticsConfig;
  classification: ClassificationAccumulator | undefined;
  regression: RegressionAccumulator | undefined;

  constructor(config: AnalyticsConfig, maxScoreKeys: number) {
    this.config = config;
    this.maxScoreKeys = maxScoreKeys;
  }

  addClassification(actual: boolean, predicted: boolean, score: number | null, weight: number): void {
    this.classification ??= new ClassificationAccumulator({
      eceBins: this.config.classification.eceBins,
      maxScoreKeys: this.maxScoreKeys,
    });
    this.classification.add({ actual, predicted, score: score ?? undefined, weight });
  }

  addRegression(predicted: number, actual: number, weight: number): void {
    this.regression ??= new RegressionAccumulator();
    this.regression.add(predicted, actual, weight);
  }

  result(): MetricSet {
    return {
      classification: this.classification?.result() ?? null,
      regression: this.regression?.result() ?? null,
    };
  }
}

export interface EvaluationOptions {
  readonly selection: LogSelection;
  readonly labels: LabelSource;
  readonly config: AnalyticsConfig;
  /** A previous report (`predlog evaluate --json`) to compare the overall metrics with. */
  readonly baseline?: EvaluationReport | undefined;
  /** Sees every prediction of the window, labelled or not (the report's profile and volumes). */
  readonly onPrediction?: (record: StoredRecord, weight: number) => void;
}

/**
 * Joins labels to the window's predictions and computes weighted metrics overall and per cohort
 * (model version, segment, UTC prediction date): AUC-ROC, precision, recall, F1 and ECE for
 * classification; MAE, RMSE, MAPE and bias for regression. Memory: the join's bound, plus per
 * cohort a fixed set of counters and a score histogram of at most maxScoreKeys/8 cells.
 */
export async function evaluatePredictions(options: EvaluationOptions): Promise<EvaluationReport> {
  const { config, selection } = options;
  const rules = new DecisionRules(config.classification);
  const overall = new MetricBundle(config, config.classification.maxScoreKeys);
  const cohortKeys = Math.max(64, Math.floor(config.classification.maxScoreKeys / 8));
  let task: EvaluationTask | null = config.evaluate.task === 'auto' ? null : config.evaluate.task;
  let unusable = 0;
  const labelTally = new LabelTally();

  /** Every cohort bundle, indexed by the numbers an EvaluationPoint carries. */
  const bundles: Array<{ dimension: CohortDimension; value: string; bundle: MetricBundle }> = [];
  const cohortIndex = new Map<CohortDimension, Map<string, number>>(
    config.evaluate.cohorts.map((dimension) => [dimension, new Map()]),
  );
  const cohortOf = (dimension: CohortDimension, raw: string): number => {
    const values = cohortIndex.get(dimension);
    if (values === undefined) return -1;
    let index = values.get(raw);
    if (index !== undefined) return index;
    const key = values.size < config.evaluate.maxCohortsPerDimension ? raw : OTHER;
    index = values.get(key);
    if (index === undefined) {
      index = bundles.length;
      bundles.push({ dimension, value: key, bundle: new MetricBundle(config, cohortKeys) });
      values.set(key, index);
    }
    if (key !== raw && values.size < config.evaluate.maxCohortsPerDimension * 2) values.set(raw, index);
    return index;
  };

  const project = (record: StoredRecord): EvaluationPoint => {
    const prediction = record.prediction;
    const decision = rules.predictedPositive(record);
    return [
      numberField(record, 'score') ?? null,
      decision === undefined ? -1 : decision ? 1 : 0,
      typeof prediction === 'number' && Number.isFinite(prediction) ? prediction : null,
      cohortOf('version', stringField(record, 'model_version') ?? NONE),
      cohortOf('segment', stringField(record, 'segment') ?? NONE),
      cohortOf('date', utcDayOf(record)),
    ];
  };

  const cohortBundles = (point: EvaluationPoint): MetricBundle[] => {
    const out: MetricBundle[] = [];
    for (let i = 3; i < 6; i++) {
      const index = point[i] as number;
      if (index >= 0) out.push((bundles[index] as { bundle: MetricBundle }).bundle);
    }
    return out;
  };

  const onJoined = (point: EvaluationPoint, truth: GroundTruth, weight: number): void => {
    // auto: regression for numeric predictions without a score, classification otherwise.
    task ??= point[2] !== null && point[0] === null ? 'regression' : 'classification';
    if (task === 'classification') {
      const label = truth.label ?? truth.value;
      const actual = rules.isPositive(label);
      if (actual === undefined || point[1] === -1) {
        unusable += 1;
        return;
      }
      labelTally.add(label, actual, weight);
      const predicted = point[1] === 1;
      overall.addClassification(actual, predicted, point[0], weight);
      for (const bundle of cohortBundles(point))
        bundle.addClassification(actual, predicted, point[0], weight);
      return;
    }
    const actual = truth.value ?? (typeof truth.label === 'number' ? truth.label : Number(truth.label));
    const predicted = point[2] ?? point[0];
    if (predicted === null || !Number.isFinite(actual) || typeof truth.label === 'boolean') {
      unusable += 1;
      return;
    }
    overall.addRegression(predicted, actual, weight);
    for (const bundle of cohortBundles(point)) bundle.addRegression(predicted, actual, weight);
  };

  const join = await joinLabels<EvaluationPoint>({
    selection,
    labels: options.labels,
    join: config.join,
    project,
    onJoined,
    ...(options.onPrediction === undefined ? {} : { onPrediction: options.onPrediction }),
  });

  const cohortMetrics: CohortMetrics[] = [];
  for (const dimension of config.evaluate.cohorts) {
    const sorted = bundles
      .filter((b) => b.dimension === dimension)
      .sort((a, b) => (a.value === OTHER ? 1 : b.value === OTHER ? -1 : a.value.localeCompare(b.value)));
    for (const { value, bundle } of sorted) {
      const metrics = bundle.result();
      // A cohort met only by predictions that found no label has nothing to report.
      if (metrics.classification === null && metrics.regression === null) continue;
      cohortMetrics.push({ dimension, value, ...metrics });
    }
  }
  const overallMetrics = overall.result();
  const report: EvaluationReport = {
    format: EVALUATION_FORMAT,
    version: 1,
    task,
    selection: {
      model: selection.model ?? null,
      since: selection.since?.toISOString() ?? null,
      until: selection.until?.toISOString() ?? null,
    },
    join,
    unusablePairs: unusable,
    labels: task === 'classification' ? labelTally.result() : null,
    overall: overallMetrics,
    cohorts: cohortMetrics,
    comparison: null,
    degraded: false,
  };
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
