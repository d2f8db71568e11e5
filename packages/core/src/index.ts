export { type ComponentServicesOptions, createComponentServices } from './component-services.ts';
export {
  type ConfigFile,
  configFileSchema,
  type ExportQueueConfig,
  type ExportQueueConfigInput,
  exportQueueConfigSchema,
  type LoggerConfig,
  loggerConfigSchema,
  type PipelineConfig,
  pipelineConfigSchema,
  type SpillConfig,
  spillConfigSchema,
} from './config.ts';
export {
  ConfigError,
  type ConfigIssue,
  loadConfigFile,
  loadConfigSection,
  type PredlogConfig,
  parseConfigSection,
  parseConfigText,
  type ResolvedExporter,
  type ResolvedProcessor,
  resolveConfig,
} from './config-loader.ts';
export { consistentHash } from './consistent-hash.ts';
export {
  type Clock,
  type ComponentFactory,
  type ComponentKind,
  type ComponentServices,
  ExportError,
  type ExportErrorOptions,
  type Exporter,
  type ExporterFactory,
  type PredictionObserver,
  type PredictionView,
  type Processor,
  type ProcessorFactory,
  type RejectedRecord,
  type Sampler,
  type SamplingDecision,
  systemClock,
  type TimerHandle,
  type TimerOptions,
} from './contracts.ts';
export {
  type DiagnosticEvent,
  type DiagnosticLevel,
  type Diagnostics,
  DiagnosticsChannel,
} from './diagnostics.ts';
export {
  ExportQueue,
  type ExportQueueServices,
  type ExportQueueStats,
  type SinkCondition,
} from './export-queue.ts';
export {
  basicAuthSchema,
  bearerTokenSchema,
  checkHttpSettings,
  type HttpSettings,
  httpHeadersSchema,
  httpUrlSchema,
  loadTlsMaterial,
  MANAGED_HTTP_HEADERS,
  type TlsMaterial,
  type TlsSettings,
  tlsSettingsSchema,
} from './http-exporter-settings.ts';
export { SANITIZE_KINDS, type SanitizeKind } from './internal/value-capture.ts';
export { type LogRecordLike, millisToHrTime, PredlogLogRecord, toLogRecordParts } from './log-record.ts';
export { BaseExporter, BaseProcessor } from './otel-adapters.ts';
export type { FeedbackInput, ModelIdentity, PredictionInput } from './prediction-input.ts';
export {
  type CreatePredictionLoggerOptions,
  createPredictionLogger,
  type ExporterWithQueue,
  type PipelineOptions,
  PredictionLogger,
  type PredictionLoggerOptions,
  type PredictionTimer,
} from './prediction-logger.ts';
export { ComponentRegistry, componentType } from './registry.ts';
export {
  type EnvironmentResource,
  type EnvironmentVariables,
  resourceFromEnvironment,
  sdkDisabled,
} from './resource-environment.ts';
export type { DropReason, PipelineStats } from './self-metrics.ts';
export {
  listSpillSegments,
  readSpillSegment,
  type SpillSegmentContents,
  type SpillSegmentFile,
  spillFolderOwner,
} from './spill-reader.ts';
export { redactUrl } from './url-redaction.ts';
export type { ComponentModuleRef } from './worker/module-ref.ts';
