export {
  OTLP_PROTOCOLS,
  type OtlpExporterConfig,
  type OtlpExporterConfigInput,
  type OtlpProtocol,
  otlpExporterConfigSchema,
} from './config.ts';
export { OtlpExporter } from './exporter.ts';
export { otlpExporterFactory } from './factory.ts';
export type { OtlpExporterStats } from './internal/self-metrics.ts';
export { EVENT_NAME_ATTRIBUTE } from './internal/wire-record.ts';
export {
  type Environment,
  OtlpEnvironmentError,
  parseOtlpHeaders,
  type ResolvedOtlpSettings,
  resolveOtlpSettings,
} from './otlp-environment.ts';
