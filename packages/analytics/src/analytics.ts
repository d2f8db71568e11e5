import type { StoredRecord } from '@predlog/schema';
import type { AnalyticsConfig } from './config.ts';
import { computeDailyStats, type DailyStats } from './daily-stats.ts';
import { analyseDrift, type BaselineSource, type DriftAnalysis } from './drift-analysis.ts';
import { type EvaluationReport, evaluatePredictions } from './evaluation.ts';
import type { GroundTruth } from './ground-truth.ts';
import { renderHtmlReport } from './html-report.ts';
import { joinLabels, type LabelJoinReport, type LabelSource } from './label-join.ts';
import type { LogSelection, ReadStats } from './log-selection.ts';
import { buildReport, type ReportData } from './report-data.ts';
import { type ShadowReport, shadowReport } from './shadow-report.ts';

/**
 * The analyses over a file exporter's logs, bound to one parsed configuration. Every method
 * streams: memory is bounded by the configuration (join keys in memory, sketch buckets, cohorts),
 * not by the amount of logs.
 */
export class Analytics {
  readonly config: AnalyticsConfig;

  constructor(config: AnalyticsConfig) {
    this.config = config;
  }

  /** Joins labels to predictions; each pair goes to `onJoined` with the whole stored prediction. */
  join(
    selection: LogSelection,
    labels: LabelSource,
    onJoined: (prediction: StoredRecord, truth: GroundTruth, weight: number) => void | Promise<void>,
  ): Promise<LabelJoinReport> {
    return joinLabels<StoredRecord>({
      selection,
      labels,
      join: this.config.join,
      project: (record) => record,
      onJoined,
      bulkyPayload: true,
    });
  }

  /** Counts the join only (match rate, coverage): nothing of a prediction is kept. */
  joinCounts(selection: LogSelection, labels: LabelSource): Promise<LabelJoinReport> {
    return joinLabels<0>({
      selection,
      labels,
      join: this.config.join,
      project: () => 0,
      onJoined: () => undefined,
    });
  }

  evaluate(
    selection: LogSelection,
    labels: LabelSource,
    baseline?: EvaluationReport,
  ): Promise<EvaluationReport> {
    return evaluatePredictions({ selection, labels, config: this.config, baseline });
  }

  drift(selection: LogSelection, baseline: BaselineSource): Promise<DriftAnalysis> {
    return analyseDrift({ selection, baseline, config: this.config });
  }

  dailyStats(
    selection: LogSelection,
    onDay: (day: DailyStats) => void | Promise<void>,
  ): Promise<{ days: number; records: number; logs: ReadStats }> {
    return computeDailyStats({ selection, config: this.config }, onDay);
  }

  shadow(selection: LogSelection, challengerModel?: string): Promise<ShadowReport> {
    return shadowReport({ selection, challengerModel, config: this.config });
  }

  async report(
    selection: LogSelection,
    baseline: BaselineSource,
    labels?: LabelSource,
  ): Promise<{ data: ReportData; html: string }> {
    const data = await buildReport({ selection, baseline, labels, config: this.config });
    return { data, html: renderHtmlReport(data, { maxSeries: this.config.report.maxSeries }) };
  }
}
