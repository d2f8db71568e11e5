import type { StoredRecord } from '@predlog/schema';
import type { CalibrationBin } from '../classification-metrics.ts';
import type { AnalyticsConfig } from '../config.ts';
import type { EvaluationTask, MetricSet } from '../evaluation.ts';
import type { GroundTruth } from '../ground-truth.ts';
import { joinLabels, type LabelJoinReport, type LabelSource } from '../label-join.ts';
import { LabelTally, type LabelValues } from '../label-tally.ts';
import type { LogSelection } from '../log-selection.ts';
import { DecisionRules } from './decision-rules.ts';
import { MetricBundle } from './metric-bundle.ts';
import { numberField } from './stored-fields.ts';

/** One way of slicing the labelled predictions into cohorts. */
export interface CohortSpec {
  readonly dimension: string;
  /** The record's cohort in this dimension, already capped (see `CohortValues`). */
  readonly valueOf: (record: StoredRecord) => string;
  /** Keep the AUC of each cohort (a score histogram of maxScoreKeys/8 cells each). */
  readonly auc: boolean;
  /** Also split each cohort by trend period (`periodOf`), without AUC: the lines of a trend chart. */
  readonly byPeriod?: boolean;
  /**
   * A value whose cohort is not accumulated but computed at the end as the rest (all pairs minus
   * the other values'), without AUC: records lacking a field, usually all of them, cost nothing.
   */
  readonly rest?: string;
}

export interface CohortResult extends MetricSet {
  dimension: string;
  value: string;
  /** The trend period of a `byPeriod` split; null for the cohort as a whole. */
  period: string | null;
  calibration: CalibrationBin[] | null;
}

export interface CohortEvaluationOptions {
  readonly selection: LogSelection;
  readonly labels: LabelSource;
  readonly config: AnalyticsConfig;
  readonly specs: readonly CohortSpec[];
  /** The trend period of a record (a UTC day or hour); needed when a spec is `byPeriod`. */
  readonly periodOf?: (record: StoredRecord) => string;
  /** Sees every prediction of the window, labelled or not. */
  readonly onPrediction?: (record: StoredRecord, weight: number) => void;
  /**
   * Cohorts made at the end as the union of some whole cohorts of another spec (`of`), AUC
   * included: windows made of whole days cost nothing per pair.
   */
  readonly unions?: ReadonlyArray<CohortUnion>;
}

export interface CohortUnion {
  readonly dimension: string;
  readonly value: string;
  /** The spec whose cohorts are merged, and which of its values. */
  readonly of: string;
  readonly includes: (value: string) => boolean;
}

export interface CohortEvaluation {
  task: EvaluationTask | null;
  join: LabelJoinReport;
  unusablePairs: number;
  labels: LabelValues | null;
  overall: MetricSet;
  calibration: CalibrationBin[] | null;
  /** Cohorts that got a labelled pair, in the order of the specs, then of first appearance. */
  cohorts: CohortResult[];
}

/**
 * What is kept of a joined prediction, numbers only (a spilled join writes and parses little):
 * score, decision (1 positive, 0 negative, −1 none), numeric prediction, then the index of each
 * cohort bundle it belongs to.
 */
type EvaluationPoint = number[];
const SCORE = 0;
const DECISION = 1;
const NUMERIC = 2;
const FIRST_COHORT = 3;
/** A null score or numeric prediction: numbers only, so NaN stands in (JSON writes it as null). */
const absent = (value: number | null): number => value ?? Number.NaN;
const present = (value: number | null | undefined): number | null =>
  value === null || value === undefined || Number.isNaN(value) ? null : value;

/**
 * Joins labels to the window's predictions and computes weighted metrics overall and per cohort:
 * AUC-ROC, precision, recall, F1 and ECE for classification; MAE, RMSE, MAPE and bias for
 * regression. Memory: the join's bound, plus per cohort a fixed set of counters and, where the spec
 * keeps the AUC, a score histogram of at most maxScoreKeys/8 cells.
 */
export async function evaluateCohorts(options: CohortEvaluationOptions): Promise<CohortEvaluation> {
  const { config, specs } = options;
  const rules = new DecisionRules(config.classification);
  const eceBins = config.classification.eceBins;
  const overall = new MetricBundle(eceBins, config.classification.maxScoreKeys);
  const cohortKeys = Math.max(64, Math.floor(config.classification.maxScoreKeys / 8));
  let task: EvaluationTask | null = config.evaluate.task === 'auto' ? null : config.evaluate.task;
  let unusable = 0;
  const labelTally = new LabelTally();
  const periodOf = options.periodOf;
  if (periodOf === undefined && specs.some((spec) => spec.byPeriod === true)) {
    throw new RangeError('a byPeriod cohort needs periodOf');
  }

  const bundles: Array<{ dimension: string; value: string; period: string | null; bundle: MetricBundle }> =
    [];
  const add = (dimension: string, value: string, period: string | null, auc: boolean): number => {
    bundles.push({ dimension, value, period, bundle: new MetricBundle(eceBins, auc ? cohortKeys : 0) });
    return bundles.length - 1;
  };
  // Per spec: value → bundle index, and value → period → bundle index (no key strings per record).
  const wholeIndex = specs.map(() => new Map<string, number>());
  const periodIndex = specs.map(() => new Map<string, Map<string, number>>());
  // Per-period totals of every pair, for a `rest` cohort per period (internal, not reported).
  const periodTotals = specs.some((spec) => spec.rest !== undefined && spec.byPeriod === true)
    ? new Map<string, number>()
    : undefined;
  let lastTotalPeriod: string | undefined;
  let lastTotal = 0;
  const pointLength =
    FIRST_COHORT +
    (periodTotals === undefined ? 0 : 1) +
    specs.length +
    specs.filter((spec) => spec.byPeriod === true).length;
  const lastOf = specs.map(() => ({
    value: undefined as string | undefined,
    whole: 0,
    period: undefined as string | undefined,
    inPeriod: 0,
  }));

  const project = (record: StoredRecord): EvaluationPoint => {
    const prediction = record.prediction;
    const decision = rules.predictedPositive(record);
    // Sized once: an array grown by push is copied as it grows, for every joined prediction.
    const point: EvaluationPoint = new Array<number>(pointLength);
    point[SCORE] = absent(numberField(record, 'score') ?? null);
    point[DECISION] = decision === undefined ? -1 : decision ? 1 : 0;
    point[NUMERIC] = typeof prediction === 'number' && Number.isFinite(prediction) ? prediction : Number.NaN;
    let next = FIRST_COHORT;
    const period = periodOf === undefined ? '' : periodOf(record);
    if (periodTotals !== undefined) {
      if (period !== lastTotalPeriod) {
        let at = periodTotals.get(period);
        if (at === undefined) {
          at = add('', '', period, false);
          periodTotals.set(period, at);
        }
        lastTotalPeriod = period;
        lastTotal = at;
      }
      point[next++] = lastTotal;
    }
    for (let s = 0; s < specs.length; s++) {
      const spec = specs[s] as CohortSpec;
      const value = spec.valueOf(record);
      if (value === spec.rest) {
        point[next++] = -1;
        if (spec.byPeriod === true) point[next++] = -1;
        continue;
      }
      const last = lastOf[s] as (typeof lastOf)[number];
      // Neighbouring records mostly share a version, a window, a day: try the previous record's.
      if (value !== last.value) {
        const whole = wholeIndex[s] as Map<string, number>;
        let at = whole.get(value);
        if (at === undefined) {
          at = add(spec.dimension, value, null, spec.auc);
          whole.set(value, at);
        }
        last.value = value;
        last.whole = at;
        last.period = undefined;
      }
      point[next++] = last.whole;
      if (spec.byPeriod !== true) continue;
      if (period !== last.period) {
        const periods = periodIndex[s] as Map<string, Map<string, number>>;
        let byPeriod = periods.get(value);
        if (byPeriod === undefined) {
          byPeriod = new Map();
          periods.set(value, byPeriod);
        }
        let inPeriod = byPeriod.get(period);
        if (inPeriod === undefined) {
          inPeriod = add(spec.dimension, value, period, false);
          byPeriod.set(period, inPeriod);
        }
        last.period = period;
        last.inPeriod = inPeriod;
      }
      point[next++] = last.inPeriod;
    }
    return point;
  };

  const onJoined = (point: EvaluationPoint, truth: GroundTruth, weight: number): void => {
    const score = present(point[SCORE]);
    const numeric = present(point[NUMERIC]);
    // auto: regression for numeric predictions without a score, classification otherwise.
    task ??= numeric !== null && score === null ? 'regression' : 'classification';
    if (task === 'classification') {
      const label = truth.label ?? truth.value;
      const actual = rules.isPositive(label);
      if (actual === undefined || point[DECISION] === -1) {
        unusable += 1;
        return;
      }
      labelTally.add(label, actual, weight);
      const predicted = point[DECISION] === 1;
      overall.addClassification(actual, predicted, score, weight);
      for (let i = FIRST_COHORT; i < point.length; i++) {
        const at = point[i] as number;
        if (at >= 0)
          (bundles[at] as { bundle: MetricBundle }).bundle.addClassification(
            actual,
            predicted,
            score,
            weight,
          );
      }
      return;
    }
    const actual = truth.value ?? (typeof truth.label === 'number' ? truth.label : Number(truth.label));
    const predicted = numeric ?? score;
    if (predicted === null || !Number.isFinite(actual) || typeof truth.label === 'boolean') {
      unusable += 1;
      return;
    }
    overall.addRegression(predicted, actual, weight);
    for (let i = FIRST_COHORT; i < point.length; i++) {
      (bundles[point[i] as number] as { bundle: MetricBundle }).bundle.addRegression(
        predicted,
        actual,
        weight,
      );
    }
  };

  const join = await joinLabels<EvaluationPoint>({
    selection: options.selection,
    labels: options.labels,
    join: config.join,
    project,
    onJoined,
    ...(options.onPrediction === undefined ? {} : { onPrediction: options.onPrediction }),
  });

  const found: Array<{ dimension: string; value: string; period: string | null; bundle: MetricBundle }> =
    bundles.filter((b) => b.dimension !== '' || b.value !== '');
  // The `rest` cohorts: everything minus the spec's other values, as a whole and per period.
  for (const spec of specs) {
    if (spec.rest === undefined) continue;
    const mine = bundles.filter((b) => b.dimension === spec.dimension && b.value !== spec.rest);
    const whole = MetricBundle.remainder(
      overall,
      mine.filter((b) => b.period === null).map((b) => b.bundle),
    );
    if (whole !== undefined)
      found.push({ dimension: spec.dimension, value: spec.rest, period: null, bundle: whole });
    if (spec.byPeriod !== true || periodTotals === undefined) continue;
    for (const [period, at] of periodTotals) {
      const inPeriod = MetricBundle.remainder(
        (bundles[at] as { bundle: MetricBundle }).bundle,
        mine.filter((b) => b.period === period).map((b) => b.bundle),
      );
      if (inPeriod !== undefined) {
        found.push({ dimension: spec.dimension, value: spec.rest, period, bundle: inPeriod });
      }
    }
  }
  for (const union of options.unions ?? []) {
    const parts = bundles
      .filter((b) => b.dimension === union.of && b.period === null && union.includes(b.value))
      .map((b) => b.bundle);
    const merged = MetricBundle.union(parts, eceBins, cohortKeys);
    if (merged !== undefined)
      found.push({ dimension: union.dimension, value: union.value, period: null, bundle: merged });
  }
  const cohorts: CohortResult[] = [];
  for (const { dimension, value, period, bundle } of found) {
    const metrics = bundle.result();
    // A cohort met only by predictions that found no label has nothing to report.
    if (metrics.classification === null && metrics.regression === null) continue;
    cohorts.push({ dimension, value, period, ...metrics, calibration: bundle.calibration() });
  }
  return {
    task,
    join,
    unusablePairs: unusable,
    labels: task === 'classification' ? labelTally.result() : null,
    overall: overall.result(),
    calibration: overall.calibration(),
    cohorts,
  };
}
