export { Analytics } from './analytics.ts';
export {
  type BacktestConfig,
  type BacktestConfigInput,
  type BacktestReport,
  backtestConfigSchema,
  backtestSignals,
  type SignalBacktest,
} from './backtest.ts';
export { type BaselineWindows, baselineWindows, windowText } from './baseline-window.ts';
export { type BusinessSeries, readBusinessSeries } from './business-series.ts';
export {
  type CalibrationBin,
  ClassificationAccumulator,
  type ClassificationMetrics,
  type ClassificationObservation,
} from './classification-metrics.ts';
export {
  type AnalyticsConfig,
  type AnalyticsConfigInput,
  analyticsConfigSchema,
  type CohortDimension,
} from './config.ts';
export {
  computeDailyStats,
  type DailyStats,
  DailyStatsFile,
  type DailyStatsOptions,
  summariseDay,
  type ValueSummary,
} from './daily-stats.ts';
export {
  DistributionProfile,
  type DistributionProfileJson,
  FeatureProfile,
  type FeatureProfileJson,
  isDistributionProfileJson,
  OTHER_CATEGORY,
  PROFILE_FORMAT,
} from './distribution-profile.ts';
export {
  compareDistributions,
  compareProfiles,
  type DistributionDrift,
  type DriftKind,
  type DriftReport,
  MISSING_BIN,
  type PositiveRateDrift,
  type PsiBin,
  type SampleSizes,
} from './drift.ts';
export {
  analyseDrift,
  type BaselineSource,
  type DriftAnalysis,
  type DriftOptions,
} from './drift-analysis.ts';
export {
  type ChiSquareResult,
  chiSquareHomogeneity,
  type DriftBand,
  effectiveSampleSize,
  type KolmogorovSmirnovResult,
  kolmogorovSmirnovFromSketches,
  kolmogorovSmirnovPValue,
  kolmogorovSurvival,
  populationStabilityIndex,
  psiBand,
  type TwoProportionTest,
  twoProportionZTest,
} from './drift-statistics.ts';
export {
  type CohortMetrics,
  compareWithBaseline,
  EVALUATION_FORMAT,
  type EvaluationOptions,
  type EvaluationReport,
  type EvaluationTask,
  evaluatePredictions,
  isEvaluationReport,
  type MetricComparison,
  type MetricSet,
} from './evaluation.ts';
export { createAnalytics } from './factory.ts';
export {
  type FeatureRange,
  type FeatureRanges,
  featureRangesFromProfile,
  hasFeatureAnomaly,
} from './feature-ranges.ts';
export {
  type GroundTruth,
  groundTruthFrom,
  type LabelReadStats,
  scanGroundTruthFile,
} from './ground-truth.ts';
export { renderHtmlReport } from './html-report.ts';
export { InputFileError } from './input-file-error.ts';
export { joinLabels, type LabelJoinOptions, type LabelJoinReport, type LabelSource } from './label-join.ts';
export type { LabelCount, LabelValues } from './label-tally.ts';
export { type LabelledDays, type LabelledPeriod, labelledDayMetrics } from './labelled-days.ts';
export {
  type LogSelection,
  listPartitions,
  type PartitionListing,
  type ReadStats,
  scanFeedback,
  scanPredictions,
} from './log-selection.ts';
export {
  CLASSIFICATION_LOOP_METRICS,
  type LoopMetric,
  type MetricPoint,
  metricOf,
  PERFORMANCE_FORMAT,
  type PerformanceConfig,
  type PerformanceConfigInput,
  type PerformanceLoopOptions,
  type PerformanceReport,
  type PerformanceTrend,
  performanceConfigSchema,
  performanceLoop,
  REGRESSION_LOOP_METRICS,
  type RetrainingTrigger,
} from './performance-loop.ts';
export { type PredictionUncertainty, predictionUncertainty } from './prediction-entropy.ts';
export { DAILY_STATS_FORMAT, profilePredictions, readBaselineFile } from './profile-reader.ts';
export {
  DEFAULT_SIGNAL_WEIGHTS,
  type ProxySignalConfig,
  type ProxySignalConfigInput,
  proxySignalConfigSchema,
  type SignalWeights,
} from './proxy-signal-config.ts';
export { type ProxySignalSection, proxySignalSection } from './proxy-signal-section.ts';
export {
  computeProxySignals,
  DaySignalCollector,
  type DaySignals,
  type DegradationLevel,
  type DegradationTrend,
  type ProxySignalOptions,
  type ProxySignalReport,
  type RecommendedAction,
  type ScoredDay,
  type SignalName,
  type SignalScore,
  scoreSignalDays,
} from './proxy-signals.ts';
export {
  MIN_INDEXABLE_VALUE,
  QuantileSketch,
  type QuantileSketchJson,
  type SketchBucket,
} from './quantile-sketch.ts';
export { RegressionAccumulator, type RegressionMetrics } from './regression-metrics.ts';
export {
  buildReport,
  type CohortBreakdown,
  type CohortSeries,
  type DailyPoint,
  type PointMetrics,
  type ReportData,
  type ReportOptions,
  type ScoreHistogram,
  scoreHistogram,
  type WindowSummary,
} from './report-data.ts';
export { type LatencySummary, type ShadowOptions, type ShadowReport, shadowReport } from './shadow-report.ts';
export { type CalibratedWeights, calibrateSignalWeights, MIN_CALIBRATION_DAYS } from './signal-weights.ts';
export { type TrainingFreshness, trainingFreshness } from './training-freshness.ts';
export { type LinearTrend, type TrendPoint, weightedLinearTrend } from './trend-statistic.ts';
export { WeightedCorrelation } from './weighted-correlation.ts';
export { WeightedMoments, type WeightedMomentsJson } from './weighted-moments.ts';
