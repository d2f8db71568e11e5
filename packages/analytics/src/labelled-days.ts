import type { StoredRecord } from '@predlog/schema';
import { ClassificationAccumulator, type ClassificationMetrics } from './classification-metrics.ts';
import type { AnalyticsConfig } from './config.ts';
import type { EvaluationTask } from './evaluation.ts';
import type { GroundTruth } from './ground-truth.ts';
import { DecisionRules } from './internal/decision-rules.ts';
import { numberField, utcDayOf } from './internal/stored-fields.ts';
import { joinLabels, type LabelJoinReport, type LabelSource } from './label-join.ts';
import type { LogSelection } from './log-selection.ts';
import { RegressionAccumulator, type RegressionMetrics } from './regression-metrics.ts';

/** Metrics of the labelled predictions of one UTC prediction day, or of a window of days ending on it. */
export interface LabelledPeriod {
  /** The day, or the window's last day. */
  date: string;
  classification: ClassificationMetrics | null;
  regression: RegressionMetrics | null;
  /**
   * Days: the UTC day by which half the day's labelled weight had arrived (label `timestamp`s;
   * null when its labels carry no time). Rolling windows: null.
   */
  labelsArrived: string | null;
}

export interface LabelledDays {
  task: EvaluationTask | null;
  /** One entry per prediction day with a labelled pair, in date order. */
  days: LabelledPeriod[];
  /** For each of those days, the metrics of the `rollingDays` days ending on it (the day included). */
  rolling: LabelledPeriod[];
  rollingDays: number;
  join: LabelJoinReport;
  /** Pairs whose label or prediction could not be read as the task needs. */
  unusablePairs: number;
}

/** What a joined prediction is reduced to (JSON: the join may spill it to disk). */
interface Projected {
  d: string;
  s: number | null;
  p: boolean | null;
  y: number | null;
}

const DAY_MS = 86_400_000;

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

class PeriodMetrics {
  readonly classification: ClassificationAccumulator;
  readonly regression = new RegressionAccumulator();
  classified = 0;
  regressed = 0;
  /** Label arrival day → labelled weight. */
  readonly arrivals = new Map<string, number>();

  constructor(config: AnalyticsConfig) {
    this.classification = new ClassificationAccumulator({
      eceBins: config.classification.eceBins,
      // As for evaluation cohorts: an eighth of the overall budget per period.
      maxScoreKeys: Math.max(64, Math.floor(config.classification.maxScoreKeys / 8)),
    });
  }

  addArrival(timeMs: number, weight: number): void {
    if (!Number.isFinite(timeMs)) return;
    const day = new Date(timeMs).toISOString().slice(0, 10);
    this.arrivals.set(day, (this.arrivals.get(day) ?? 0) + weight);
  }

  /** The weighted median arrival day. */
  medianArrival(): string | null {
    let total = 0;
    for (const w of this.arrivals.values()) total += w;
    if (!(total > 0)) return null;
    let seen = 0;
    for (const day of [...this.arrivals.keys()].sort()) {
      seen += this.arrivals.get(day) as number;
      if (seen >= total / 2) return day;
    }
    return null;
  }

  result(date: string, task: EvaluationTask | null, withArrival: boolean): LabelledPeriod {
    return {
      date,
      classification: task === 'classification' ? this.classification.result() : null,
      regression: task === 'regression' ? this.regression.result() : null,
      labelsArrived: withArrival ? this.medianArrival() : null,
    };
  }
}

/**
 * Labelled metrics per UTC prediction day and over a rolling window of days, in one label join:
 * each pair goes to its day and to the `rollingDays` windows that hold that day. The task follows
 * `evaluate.task` (`auto`: regression for numeric predictions without a score, as `evaluate`).
 * Memory: the join's bound plus two accumulators per day.
 */
export async function labelledDayMetrics(options: {
  readonly selection: LogSelection;
  readonly labels: LabelSource;
  readonly config: AnalyticsConfig;
  readonly rollingDays: number;
  readonly onPrediction?: (record: StoredRecord, weight: number) => void;
}): Promise<LabelledDays> {
  const { config, rollingDays } = options;
  const rules = new DecisionRules(config.classification);
  const days = new Map<string, PeriodMetrics>();
  const windows = new Map<string, PeriodMetrics>();
  const forced = config.evaluate.task === 'auto' ? undefined : config.evaluate.task;
  let unusable = 0;
  const periodOf = (map: Map<string, PeriodMetrics>, day: string): PeriodMetrics => {
    let period = map.get(day);
    if (period === undefined) {
      period = new PeriodMetrics(config);
      map.set(day, period);
    }
    return period;
  };
  const onJoined = (projected: Projected, truth: GroundTruth, weight: number): void => {
    const regression =
      forced === 'regression' || (forced === undefined && projected.s === null && projected.y !== null);
    const day = periodOf(days, projected.d);
    const targets = [day];
    for (let k = 0; k < rollingDays; k++) targets.push(periodOf(windows, addDays(projected.d, k)));
    if (regression) {
      const actual = truth.value ?? (typeof truth.label === 'number' ? truth.label : Number(truth.label));
      if (projected.y === null || !Number.isFinite(actual)) {
        unusable += 1;
        return;
      }
      for (const t of targets) {
        t.regression.add(projected.y, actual, weight);
        t.regressed += 1;
      }
      day.addArrival(truth.timeMs, weight);
      return;
    }
    const actual = rules.isPositive(truth.label ?? truth.value);
    if (actual === undefined || projected.p === null) {
      unusable += 1;
      return;
    }
    for (const t of targets) {
      t.classification.addPair(actual, projected.p, projected.s ?? undefined, weight);
      t.classified += 1;
    }
    day.addArrival(truth.timeMs, weight);
  };
  const join = await joinLabels<Projected>({
    selection: options.selection,
    labels: options.labels,
    join: config.join,
    project: (record) => {
      const score = numberField(record, 'score');
      const prediction = record.prediction;
      return {
        d: utcDayOf(record),
        s: score ?? null,
        p: rules.predictedPositive(record) ?? null,
        y: typeof prediction === 'number' && Number.isFinite(prediction) ? prediction : null,
      };
    },
    onJoined,
    ...(options.onPrediction === undefined ? {} : { onPrediction: options.onPrediction }),
  });
  let classified = 0;
  let regressed = 0;
  for (const period of days.values()) {
    classified += period.classified;
    regressed += period.regressed;
  }
  const task: EvaluationTask | null =
    forced ??
    (classified === 0 && regressed === 0 ? null : regressed > classified ? 'regression' : 'classification');
  const dates = [...days.keys()].filter((d) => d !== 'invalid').sort();
  return {
    task,
    days: dates.map((d) => (days.get(d) as PeriodMetrics).result(d, task, true)),
    rolling: dates.map((d) => (windows.get(d) as PeriodMetrics).result(d, task, false)),
    rollingDays,
    join,
    unusablePairs: unusable,
  };
}
