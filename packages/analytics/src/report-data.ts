import type { StoredRecord } from '@predlog/schema';
import { baselineWindows } from './baseline-window.ts';
import type { CalibrationBin } from './classification-metrics.ts';
import type { AnalyticsConfig } from './config.ts';
import { compareProfiles, type DriftReport } from './drift.ts';
import type { BaselineSource, DriftAnalysis } from './drift-analysis.ts';
import { type EvaluationReport, evaluationReport, type MetricSet } from './evaluation.ts';
import {
  type CohortResult,
  type CohortSpec,
  type CohortUnion,
  evaluateCohorts,
} from './internal/cohort-evaluation.ts';
import { cohortFieldOf, fieldSources } from './internal/cohort-field.ts';
import { CohortValues, NONE_COHORT } from './internal/cohort-values.ts';
import { DecisionRules } from './internal/decision-rules.ts';
import { formatFigure } from './internal/html-text.ts';
import { numberField, samplingWeightOf, stringField, utcDayOf, utcHourOf } from './internal/stored-fields.ts';
import type { LabelSource } from './label-join.ts';
import {
  emptyReadStats,
  type LogSelection,
  listPartitions,
  type ReadStats,
  scanPredictions,
} from './log-selection.ts';
import { profileCollector, readBaselineFile } from './profile-reader.ts';
import type { QuantileSketch } from './quantile-sketch.ts';

/** The labelled figures of a period, a window or a cohort (null where the task has none). */
export interface PointMetrics {
  /** Labelled predictions and their weight. */
  labelled: number;
  labelledWeight: number;
  auc: number | null;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  ece: number | null;
  /** Weighted share of actual positives among the labelled predictions. */
  actualPositiveRate: number | null;
  mae: number | null;
  rmse: number | null;
  bias: number | null;
}

export interface DailyPoint {
  /** The UTC day (`2026-03-01`), or hour (`2026-03-01T13:00Z`) when `ReportData.period` is `hour`. */
  date: string;
  /** Every record of the period is a baseline record (first days of the logs): shown shaded. */
  baseline: boolean;
  records: number;
  weight: number;
  positiveRate: number | null;
  meanScore: number | null;
  /** The evaluation metric of the period (AUC or MAE); null without labels. */
  metric: number | null;
  /** Every labelled figure of the period; null without labels. */
  metrics: PointMetrics | null;
}

/** One value of a breakdown (a model version, a segment, …) with its trend. */
export interface CohortSeries {
  value: string;
  records: number;
  weight: number;
  /** Weighted share of positive decisions. */
  positiveRate: number | null;
  metrics: PointMetrics | null;
  /** Per period, in order: only the periods the value occurs in. */
  points: Array<{
    date: string;
    records: number;
    weight: number;
    positiveRate: number | null;
    metrics: PointMetrics | null;
  }>;
}

export interface CohortBreakdown {
  /** `version`, or a cohort field (`segment`, `channel`, `region`, …). */
  dimension: string;
  /** Heaviest first; `(none)` for records without the field, `(other)` past `maxCohortValues`. */
  values: CohortSeries[];
}

/** One side of the comparison at the top of the page. */
export interface WindowSummary {
  records: number;
  weight: number;
  positiveRate: number | null;
  metrics: PointMetrics | null;
  /** The reliability diagram: the ECE's bins holding scored, labelled predictions. */
  calibration: CalibrationBin[] | null;
}

export interface ScoreHistogram {
  labels: string[];
  /** Share of the weight per equal-width bin. */
  baseline: number[];
  current: number[];
}

export interface ReportData {
  title: string;
  generatedAt: string;
  model: string | null;
  baselineDescription: string;
  /** The baseline's window when it came from the logs (as `DriftAnalysis.baselineWindow`). */
  baselineWindow: DriftAnalysis['baselineWindow'];
  currentDescription: string;
  /** What a trend point covers: a UTC day, or an hour for a report spanning at most 2 days. */
  period: 'day' | 'hour';
  drift: DriftReport;
  scoreHistogram: ScoreHistogram | null;
  daily: DailyPoint[];
  /** Baseline (null for a baseline file, which holds no labels) against the current window. */
  windows: { baseline: WindowSummary | null; current: WindowSummary };
  /** By model version and by each cohort field some record has. */
  breakdowns: CohortBreakdown[];
  /** `AUC` (classification) or `MAE` (regression) when labels were joined. */
  metricName: string | null;
  evaluation: EvaluationReport | null;
  logs: ReadStats;
}

/**
 * Equal-width histogram of two score sketches on a shared range ([0, 1] for probabilities). Each
 * sketch bucket goes to the bin of its midpoint, so a bin edge is placed to within ±α relative.
 */
export function scoreHistogram(
  baseline: QuantileSketch,
  current: QuantileSketch,
  bins: number,
): ScoreHistogram | null {
  if (baseline.totalWeight === 0 && current.totalWeight === 0) return null;
  const sides = [baseline, current].filter((s) => s.totalWeight > 0);
  let lo = Math.min(...sides.map((s) => s.min));
  let hi = Math.max(...sides.map((s) => s.max));
  if (lo >= 0 && hi <= 1) {
    lo = 0;
    hi = 1;
  }
  if (!(hi > lo)) hi = lo + 1;
  const width = (hi - lo) / bins;
  const shares = (sketch: QuantileSketch): number[] => {
    const out = new Array<number>(bins).fill(0);
    if (sketch.totalWeight === 0) return out;
    for (const bucket of sketch.buckets()) {
      const value = sketch.bucketValue(bucket.key);
      const bin = Math.min(bins - 1, Math.max(0, Math.floor((value - lo) / width)));
      out[bin] = (out[bin] as number) + bucket.weight / sketch.totalWeight;
    }
    return out;
  };
  const labels = Array.from({ length: bins }, (_, i) => formatFigure(lo + i * width, 3));
  return { labels, baseline: shares(baseline), current: shares(current) };
}

export interface ReportOptions {
  readonly selection: LogSelection;
  readonly baseline: BaselineSource;
  /** Labels for the metric trends; without them the trends show the positive rate and mean score. */
  readonly labels?: LabelSource | undefined;
  readonly config: AnalyticsConfig;
}

/** Predictions (labelled or not) of a period or a cohort. */
class VolumeCounter {
  records = 0;
  baselineRecords = 0;
  weight = 0;
  decided = 0;
  positive = 0;
  scoreWeight = 0;
  scoreSum = 0;

  add(weight: number, decision: boolean | undefined, score: number | undefined, inBaseline: boolean): void {
    this.records += 1;
    if (inBaseline) this.baselineRecords += 1;
    this.weight += weight;
    if (decision !== undefined) {
      this.decided += weight;
      if (decision) this.positive += weight;
    }
    if (score !== undefined) {
      this.scoreWeight += weight;
      this.scoreSum += weight * score;
    }
  }

  /** What `total` counted beyond `parts` (the records without a cohort field, by difference). */
  static remainder(total: VolumeCounter, parts: Iterable<VolumeCounter | undefined>): VolumeCounter {
    const rest = new VolumeCounter();
    rest.records = total.records;
    rest.baselineRecords = total.baselineRecords;
    rest.weight = total.weight;
    rest.decided = total.decided;
    rest.positive = total.positive;
    rest.scoreWeight = total.scoreWeight;
    rest.scoreSum = total.scoreSum;
    for (const part of parts) {
      if (part === undefined) continue;
      rest.records -= part.records;
      rest.baselineRecords -= part.baselineRecords;
      rest.weight -= part.weight;
      rest.decided -= part.decided;
      rest.positive -= part.positive;
      rest.scoreWeight -= part.scoreWeight;
      rest.scoreSum -= part.scoreSum;
    }
    return rest;
  }

  merge(other: VolumeCounter): void {
    this.records += other.records;
    this.baselineRecords += other.baselineRecords;
    this.weight += other.weight;
    this.decided += other.decided;
    this.positive += other.positive;
    this.scoreWeight += other.scoreWeight;
    this.scoreSum += other.scoreSum;
  }

  get positiveRate(): number | null {
    return this.decided > 0 ? this.positive / this.decided : null;
  }

  get meanScore(): number | null {
    return this.scoreWeight > 0 ? this.scoreSum / this.scoreWeight : null;
  }
}

/** One value's volumes, as a whole and per period (with the period last added to, for speed). */
interface ValueVolumes {
  total: VolumeCounter;
  byPeriod: Map<string, VolumeCounter>;
  lastPeriod: string;
  last: VolumeCounter | undefined;
}

/** A breakdown's volumes: per value, as a whole and per period. */
interface BreakdownVolumes {
  dimension: string;
  /** The raw value of the field; `attributes` and `features` as read by `fieldSources`. */
  read: (
    record: StoredRecord,
    attributes: Record<string, unknown> | undefined,
    features: Record<string, unknown> | undefined,
  ) => string | undefined;
  values: CohortValues;
  /** Some record had the field (a field no record has is not shown). */
  seen: boolean;
  byValue: Map<string, ValueVolumes>;
}

function pointMetrics(metrics: MetricSet | undefined): PointMetrics | null {
  const c = metrics?.classification ?? null;
  const r = metrics?.regression ?? null;
  if (c === null && r === null) return null;
  return {
    labelled: c?.count ?? r?.count ?? 0,
    labelledWeight: c?.weight ?? r?.weight ?? 0,
    auc: c?.auc ?? null,
    precision: c?.precision ?? null,
    recall: c?.recall ?? null,
    f1: c?.f1 ?? null,
    ece: c?.ece ?? null,
    actualPositiveRate: c?.positiveRate ?? null,
    mae: r?.mae ?? null,
    rmse: r?.rmse ?? null,
    bias: r?.bias ?? null,
  };
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Internal dimension names of the evaluation, apart from any cohort field's name. */
const PERIOD = '\u0000period';
const WINDOW = '\u0000window';

/** Hours when the selection's partitions span at most two UTC days (`auto`). */
async function trendPeriod(
  selection: LogSelection,
  configured: 'auto' | 'day' | 'hour',
): Promise<'day' | 'hour'> {
  if (configured !== 'auto') return configured;
  const since = selection.since?.toISOString().slice(0, 10);
  const until =
    selection.until === undefined
      ? undefined
      : new Date(selection.until.getTime() - 1).toISOString().slice(0, 10);
  const { dates } = await listPartitions(selection.directory, selection.model);
  const inside = dates.filter(
    (d) => (since === undefined || d >= since) && (until === undefined || d <= until),
  );
  return inside.length > 0 && inside.length <= 2 ? 'hour' : 'day';
}

/**
 * Gathers everything the report shows. With a baseline of the first days of the logs, one streaming
 * pass reads baseline and current days together (each record goes to its window's profile, every
 * period gets a trend point); with a baseline file, one pass reads the current window. Labels are
 * joined in that same pass. Memory: the profiles, the join's bound, and per period and per
 * breakdown value a few counters (AUC histograms only per period, window and value).
 */
export async function buildReport(options: ReportOptions): Promise<ReportData> {
  const { config } = options;
  const logs = emptyReadStats();
  const baselineCollector = profileCollector(config);
  let baselineProfile = baselineCollector.profile;
  let baselineDescription: string;
  let baselineWindow: DriftAnalysis['baselineWindow'] = null;
  let selection = options.selection;
  /** Records before this ISO time are baseline records; '' when the baseline is a file. */
  let baselineEnd = '';
  /** Records at or after this ISO time are current ('' for all): days between the two are left out. */
  let currentStart = '';
  if (options.baseline.kind === 'file') {
    baselineProfile = (await readBaselineFile(options.baseline.file, config)).profile;
    baselineDescription = 'baseline file';
  } else {
    const windows = await baselineWindows(options.selection, options.baseline.days);
    if (windows === undefined) baselineDescription = 'no logs';
    else {
      const since = windows.baseline.since as Date;
      const until = windows.baseline.until as Date;
      baselineEnd = until.toISOString();
      baselineDescription = `${windows.text} (${windows.how})`;
      baselineWindow = {
        since: since.toISOString(),
        until: baselineEnd,
        text: windows.text,
        how: windows.how,
        auto: windows.auto,
      };
      currentStart = (windows.current.since ?? until).toISOString();
      selection = { ...windows.current, since };
    }
  }
  const period = await trendPeriod(selection, config.report.trendPeriod);
  const periodOf = period === 'hour' ? utcHourOf : utcDayOf;
  const isBaseline = (record: StoredRecord) => baselineEnd !== '' && record.timestamp < baselineEnd;

  const breakdowns: BreakdownVolumes[] = [
    { dimension: 'version', read: (record: StoredRecord) => stringField(record, 'model_version') },
    ...config.report.cohortFields
      .filter((name) => name !== 'version')
      .map((name) => ({
        dimension: name,
        read: (
          record: StoredRecord,
          attributes: Record<string, unknown> | undefined,
          features: Record<string, unknown> | undefined,
        ) => cohortFieldOf(record, name, attributes, features),
      })),
  ].map((b) => ({
    ...b,
    values: new CohortValues(config.report.maxCohortValues),
    seen: false,
    byValue: new Map(),
  }));
  // The join projects a record right after onPrediction saw it: its period, window and cohort
  // values are read once, into one object reused from record to record (both read it before the
  // next record comes).
  let lastRecord: StoredRecord | undefined;
  const lastValues: string[] = breakdowns.map(() => NONE_COHORT);
  let lastAt = '';
  let lastInBaseline = false;
  const factsOf = (record: StoredRecord): void => {
    if (record !== lastRecord) {
      lastRecord = record;
      lastAt = periodOf(record);
      lastInBaseline = isBaseline(record);
      const { attributes, features } = fieldSources(record);
      for (let i = 0; i < breakdowns.length; i++) {
        const b = breakdowns[i] as BreakdownVolumes;
        const raw = b.read(record, attributes, features);
        if (raw === undefined) lastValues[i] = NONE_COHORT;
        else {
          b.seen = true;
          lastValues[i] = b.values.valueOf(raw);
        }
      }
    }
  };
  const cohortValuesOf = (record: StoredRecord): string[] => {
    factsOf(record);
    return lastValues;
  };
  const periodOfRecord = (record: StoredRecord): string => {
    factsOf(record);
    return lastAt;
  };
  const windowOf = (record: StoredRecord): string => {
    factsOf(record);
    return lastInBaseline ? 'baseline' : 'current';
  };

  const collector = profileCollector(config);
  const rules = new DecisionRules(config.classification);
  const periods = new Map<string, VolumeCounter>();
  let lastPeriod = '';
  let lastCounter: VolumeCounter | undefined;
  const onPrediction = (record: StoredRecord, weight: number) => {
    factsOf(record);
    const inBaseline = lastInBaseline;
    const decision = rules.predictedPositive(record);
    if (inBaseline) baselineCollector.profile.addRecord(record, weight, decision);
    else if (record.timestamp >= currentStart) collector.profile.addRecord(record, weight, decision);
    else return;
    const at = lastAt;
    const score = numberField(record, 'score');
    // Records come in time order within a partition: mostly the period of the previous one.
    let counter = at === lastPeriod ? lastCounter : periods.get(at);
    if (counter === undefined) {
      counter = new VolumeCounter();
      periods.set(at, counter);
    }
    lastPeriod = at;
    lastCounter = counter;
    counter.add(weight, decision, score, inBaseline);
    for (let i = 0; i < breakdowns.length; i++) {
      const value = lastValues[i] as string;
      // Records without the field are counted by difference at the end (most fields are absent).
      if (value === NONE_COHORT) continue;
      const b = breakdowns[i] as BreakdownVolumes;
      let entry = b.byValue.get(value);
      if (entry === undefined) {
        entry = { total: new VolumeCounter(), byPeriod: new Map(), lastPeriod: '', last: undefined };
        b.byValue.set(value, entry);
      }
      entry.total.add(weight, decision, score, inBaseline);
      let inPeriod = at === entry.lastPeriod ? entry.last : entry.byPeriod.get(at);
      if (inPeriod === undefined) {
        inPeriod = new VolumeCounter();
        entry.byPeriod.set(at, inPeriod);
      }
      entry.lastPeriod = at;
      entry.last = inPeriod;
      inPeriod.add(weight, decision, score, inBaseline);
    }
  };

  let evaluation: EvaluationReport | null = null;
  const cohortMetrics = new Map<string, CohortResult>();
  const cohortKey = (dimension: string, value: string, at: string | null) =>
    `${dimension}\u0000${value}\u0000${at ?? ''}`;
  if (options.labels === undefined) {
    await scanPredictions(selection, (record) => onPrediction(record, samplingWeightOf(record)), logs);
  } else {
    // Windows made of whole periods are unions of the period cohorts (no work per pair); a split
    // inside a period (the halves of one day) is a cohort of its own.
    const periodMs = period === 'hour' ? 3_600_000 : 86_400_000;
    const aligned = [baselineEnd, currentStart].every((t) => t === '' || Date.parse(t) % periodMs === 0);
    const periodKey = (iso: string) => (period === 'hour' ? `${iso.slice(0, 13)}:00Z` : iso.slice(0, 10));
    const unions: CohortUnion[] = aligned
      ? [
          ...(baselineEnd === ''
            ? []
            : [
                {
                  dimension: WINDOW,
                  value: 'baseline',
                  of: PERIOD,
                  includes: (p: string) => p < periodKey(baselineEnd),
                },
              ]),
          {
            dimension: WINDOW,
            value: 'current',
            of: PERIOD,
            includes: (p: string) => currentStart === '' || p >= periodKey(currentStart),
          },
        ]
      : [];
    const specs: CohortSpec[] = [
      { dimension: PERIOD, valueOf: periodOfRecord, auc: true },
      ...(aligned ? [] : [{ dimension: WINDOW, valueOf: windowOf, auc: true }]),
      ...breakdowns.map((b, i) => ({
        dimension: b.dimension,
        valueOf: (record: StoredRecord) => cohortValuesOf(record)[i] as string,
        auc: true,
        byPeriod: true,
        // Records without the field (every record, for a field the logs do not have) are the rest.
        rest: NONE_COHORT,
      })),
    ];
    const result = await evaluateCohorts({
      selection,
      labels: options.labels,
      config,
      specs,
      periodOf: periodOfRecord,
      onPrediction,
      unions,
    });
    for (const cohort of result.cohorts)
      cohortMetrics.set(cohortKey(cohort.dimension, cohort.value, cohort.period), cohort);
    addReadStats(logs, result.join.logs);
    // The per-period figures are in `daily[].metrics`; days are the evaluation's date cohorts.
    const days =
      period === 'day'
        ? result.cohorts
            .filter((c) => c.dimension === PERIOD)
            .sort((a, b) => byText(a.value, b.value))
            .map((c) => ({
              dimension: 'date' as const,
              value: c.value,
              classification: c.classification,
              regression: c.regression,
            }))
        : [];
    evaluation = evaluationReport(result, selection, days);
  }
  const everything = new VolumeCounter();
  for (const counter of periods.values()) everything.merge(counter);
  for (const b of breakdowns) {
    if (!b.seen) continue;
    const entries = [...b.byValue.values()];
    const none = VolumeCounter.remainder(
      everything,
      entries.map((e) => e.total),
    );
    if (none.records === 0) continue;
    const byPeriod = new Map<string, VolumeCounter>();
    for (const [at, counter] of periods) {
      const rest = VolumeCounter.remainder(
        counter,
        entries.map((e) => e.byPeriod.get(at)),
      );
      if (rest.records > 0) byPeriod.set(at, rest);
    }
    b.byValue.set(NONE_COHORT, { total: none, byPeriod, lastPeriod: '', last: undefined });
  }
  const metricsOf = (dimension: string, value: string, at: string | null = null) =>
    pointMetrics(cohortMetrics.get(cohortKey(dimension, value, at)));
  const task = evaluation?.task ?? null;
  const metricName = task === 'regression' ? 'MAE' : task === 'classification' ? 'AUC' : null;

  const daily: DailyPoint[] = [...periods]
    .sort(([a], [b]) => byText(a, b))
    .map(([date, d]) => {
      const metrics = metricsOf(PERIOD, date);
      return {
        date,
        baseline: d.baselineRecords === d.records,
        records: d.records,
        weight: d.weight,
        positiveRate: d.positiveRate,
        meanScore: d.meanScore,
        metric: (task === 'regression' ? metrics?.mae : metrics?.auc) ?? null,
        metrics,
      };
    });
  const currentProfile = collector.profile;
  const drift = compareProfiles(baselineProfile, currentProfile, config.drift);
  const windowSummary = (side: 'baseline' | 'current'): WindowSummary => {
    const profile = side === 'baseline' ? baselineProfile : currentProfile;
    return {
      records: profile.records,
      weight: profile.weight,
      positiveRate: profile.decidedWeight > 0 ? profile.positiveWeight / profile.decidedWeight : null,
      metrics: metricsOf(WINDOW, side),
      calibration: cohortMetrics.get(cohortKey(WINDOW, side, null))?.calibration ?? null,
    };
  };
  return {
    title: config.report.title,
    generatedAt: new Date().toISOString(),
    model: options.selection.model ?? null,
    baselineDescription,
    baselineWindow,
    currentDescription: describeWindow(
      daily.filter((d) => !d.baseline),
      // A split inside a period (the halves of one day): the current window starts at the split.
      baselineWindow !== null &&
        (periods.get(daily.find((d) => !d.baseline)?.date ?? '')?.baselineRecords ?? 0) > 0
        ? `${currentStart.slice(0, 16)}Z`
        : undefined,
    ),
    period,
    drift,
    scoreHistogram: scoreHistogram(
      baselineProfile.score.sketch,
      currentProfile.score.sketch,
      config.report.histogramBins,
    ),
    daily,
    windows: {
      baseline: baselineProfile.records > 0 ? windowSummary('baseline') : null,
      current: windowSummary('current'),
    },
    breakdowns: breakdowns
      .filter((b) => b.seen)
      .map((b) => ({
        dimension: b.dimension,
        values: [...b.byValue]
          .sort(([a, x], [c, y]) => y.total.weight - x.total.weight || byText(a, c))
          .map(([value, entry]) => ({
            value,
            records: entry.total.records,
            weight: entry.total.weight,
            positiveRate: entry.total.positiveRate,
            metrics: metricsOf(b.dimension, value),
            points: [...entry.byPeriod]
              .sort(([x], [y]) => byText(x, y))
              .map(([date, counter]) => ({
                date,
                records: counter.records,
                weight: counter.weight,
                positiveRate: counter.positiveRate,
                metrics: metricsOf(b.dimension, value, date),
              })),
          })),
      })),
    metricName,
    evaluation,
    logs,
  };
}

function addReadStats(into: ReadStats, from: ReadStats): void {
  into.filesRead += from.filesRead;
  into.linesRead += from.linesRead;
  into.records += from.records;
  into.invalidLines += from.invalidLines;
  into.tornLines += from.tornLines;
  into.unreadableFiles += from.unreadableFiles;
}

function describeWindow(daily: readonly DailyPoint[], start?: string): string {
  const first = start ?? daily[0]?.date;
  const last = daily[daily.length - 1]?.date;
  if (first === undefined || last === undefined) return 'no predictions';
  return first === last ? first : `${first} to ${last}`;
}
