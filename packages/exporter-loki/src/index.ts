export { type LokiExporterConfig, type LokiExporterConfigInput, lokiExporterConfigSchema } from './config.ts';
export { LokiExporter } from './exporter.ts';
export { lokiExporterFactory } from './factory.ts';
export { DEFAULT_LABELS, LABEL_FIELDS, type LabelField } from './internal/label-fields.ts';
export type { LokiExporterStats } from './internal/self-metrics.ts';
