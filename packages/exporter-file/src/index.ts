export {
  type CompactionConfig,
  type FileExporterConfig,
  type FileExporterConfigInput,
  fileExporterConfigSchema,
} from './config.ts';
export { FileExporter } from './exporter.ts';
export { fileExporterFactory } from './factory.ts';
export {
  type IntegrityIssue,
  type IntegrityIssueKind,
  type IntegrityReport,
  verifyIntegrity,
} from './integrity.ts';
export { isControlLine, isHeaderLine, isTrailerLine } from './internal/hash-chain.ts';
export { type LineReadState, readLines } from './internal/line-reader.ts';
export type { FileExporterStats } from './internal/self-metrics.ts';
export {
  type LogDatabase,
  type LogDatabaseOptions,
  openLogDatabase,
  type SqlColumn,
  type SqlResult,
  type SqlValue,
} from './log-database.ts';
export {
  type CompactedFile,
  type CompactionOptions,
  type CompactionReport,
  compactDirectory,
} from './parquet-compaction.ts';
export { type QueryCondition, type QueryOptions, type QueryStats, queryRecords } from './query.ts';
export { type RecoveryOptions, type RecoveryReport, recoverDirectory } from './recovery.ts';
