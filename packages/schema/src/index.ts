export {
  COMPACTION_METADATA_KEY,
  type CompactionMetadata,
  parseCompactionMetadata,
} from './compaction-metadata.ts';
export {
  type JsonSchema,
  type RecordJsonSchemaFile,
  recordJsonSchemaFiles,
  renderJsonSchema,
} from './json-schema.ts';
export {
  ANNOTATION_FIELDS,
  ATTR,
  type AttributeMap,
  FEEDBACK_ATTRIBUTE_FIELDS,
  feedbackFromLogParts,
  feedbackToLogParts,
  formatTimestamp,
  type LogRecordParts,
  PREDICTION_ATTRIBUTE_FIELDS,
  PREDICTION_BODY_FIELDS,
  predictionFromLogParts,
  predictionToLogParts,
  RESOURCE_ATTR,
} from './otel-mapping.ts';
export {
  type ExplanationEntry,
  explanationEntrySchema,
  FEEDBACK_EVENT,
  type FeatureValue,
  type FeedbackRecord,
  featureValueSchema,
  feedbackRecordSchema,
  PREDICTION_EVENT,
  type PredictionRecord,
  type PredictionValue,
  type PredlogEventName,
  predictionRecordSchema,
  predictionValueSchema,
  SCHEMA_VERSION,
} from './records.ts';
export { type SafeJson, stringifyRecord } from './safe-json.ts';
export {
  flatCopy,
  MAX_GROUP_BACKOFF,
  MAX_GROUP_CHARS,
  MAX_TOKEN_BACKOFF,
  safeCut,
  safeCutLength,
} from './safe-text-cut.ts';
export {
  checkSchemaEvolution,
  type EvolutionFinding,
  type EvolutionFindingKind,
  type EvolutionReport,
} from './schema-evolution.ts';
export { STORED_COLUMNS, type StoredColumn, type StoredColumnType } from './stored-columns.ts';
export { fromStoredRecord, type StoredRecord, toStoredRecord } from './stored-record.ts';
export { storedRowReader } from './stored-row.ts';
