export {
  logsUrl,
  type OtlpExporterConfig,
  type OtlpExporterConfigInput,
  otlpExporterConfigSchema,
} from './config.ts';
export { OtlpExporter } from './exporter.ts';
export { otlpExporterFactory } from './factory.ts';
export type { OtlpExporterStats } from './internal/self-metrics.ts';
