export {
  type Clock,
  type ComponentFactory,
  type ComponentKind,
  type ComponentServices,
  type Exporter,
  ExportError,
  type ExporterFactory,
  type PredictionView,
  type Processor,
  type ProcessorFactory,
  type Sampler,
  type SamplingDecision,
  systemClock,
} from './contracts.ts';
export { type DiagnosticEvent, type DiagnosticLevel, type Diagnostics, DiagnosticsChannel } from './diagnostics.ts';
export { type LogRecordLike, millisToHrTime, PredlogLogRecord, toLogRecordParts } from './log-record.ts';
export { BaseExporter, BaseProcessor } from './otel-adapters.ts';
