import {
  FEEDBACK_EVENT,
  type FeedbackRecord,
  PREDICTION_EVENT,
  type PredictionRecord,
  SCHEMA_VERSION,
} from './records.ts';

/**
 * Attribute keys of the predlog semantic conventions. Indexed, low-cost fields are log attributes;
 * bulky payloads go to the body (see BODY_FIELDS).
 */
export const ATTR = {
  schemaVersion: 'ml.schema.version',
  requestId: 'ml.request.id',
  predictionId: 'ml.prediction.id',
  modelName: 'ml.model.name',
  modelVersion: 'ml.model.version',
  modelFramework: 'ml.model.framework',
  modelRole: 'ml.model.role',
  /** When the model version was deployed (ISO 8601 or epoch ms): what makes a version new. */
  modelDeployedAt: 'ml.model.deployed_at',
  batchId: 'ml.batch.id',
  samplingForce: 'ml.sampling.force',
  predictionLabel: 'ml.prediction.label',
  predictionScore: 'ml.prediction.score',
  predictionThreshold: 'ml.prediction.threshold',
  predictionStatus: 'ml.prediction.status',
  inferenceDurationMs: 'ml.inference.duration_ms',
  servingNode: 'ml.serving.node',
  errorType: 'error.type',
  errorMessage: 'exception.message',
  entityId: 'ml.entity.id',
  sessionId: 'session.id',
  segment: 'ml.segment',
  channel: 'ml.channel',
  region: 'ml.region',
  featureFreshnessMaxAgeS: 'ml.feature.freshness_max_age_s',
  nullFeatureCount: 'ml.feature.null_count',
  samplingWeight: 'ml.sampling.weight',
  samplingReason: 'ml.sampling.reason',
  retentionClass: 'ml.retention.class',
  retentionPolicy: 'ml.retention.policy',
  redactionCount: 'ml.redaction.count',
  redactionRules: 'ml.redaction.rules',
  feedbackId: 'ml.feedback.id',
  feedbackLabel: 'ml.feedback.label',
  feedbackValue: 'ml.feedback.value',
  feedbackSource: 'ml.feedback.source',
  feedbackComplaint: 'ml.feedback.complaint',
} as const;

/** Resource attribute keys predlog reads and writes. */
export const RESOURCE_ATTR = {
  serviceName: 'service.name',
  hostName: 'host.name',
  k8sPodName: 'k8s.pod.name',
  deploymentEnvironment: 'deployment.environment.name',
} as const;

/** Scalar prediction fields and the attribute each maps to, in both directions. */
export const PREDICTION_ATTRIBUTE_FIELDS = [
  ['schema_version', ATTR.schemaVersion],
  ['request_id', ATTR.requestId],
  ['prediction_id', ATTR.predictionId],
  ['model_name', ATTR.modelName],
  ['model_version', ATTR.modelVersion],
  ['model_framework', ATTR.modelFramework],
  ['score', ATTR.predictionScore],
  ['threshold', ATTR.predictionThreshold],
  ['latency_ms', ATTR.inferenceDurationMs],
  ['serving_node', ATTR.servingNode],
  ['status', ATTR.predictionStatus],
  ['error_type', ATTR.errorType],
  ['error_message', ATTR.errorMessage],
  ['entity_id', ATTR.entityId],
  ['session_id', ATTR.sessionId],
  ['segment', ATTR.segment],
  ['channel', ATTR.channel],
  ['region', ATTR.region],
  ['feature_freshness_max_age_s', ATTR.featureFreshnessMaxAgeS],
  ['null_feature_count', ATTR.nullFeatureCount],
  ['model_role', ATTR.modelRole],
  ['batch_id', ATTR.batchId],
] as const satisfies ReadonlyArray<readonly [keyof PredictionRecord, string]>;

/** Bulky prediction fields carried in the body map. */
export const PREDICTION_BODY_FIELDS = [
  'input_features',
  'raw_input',
  'prediction',
  'probabilities',
  'explanation',
] as const satisfies ReadonlyArray<keyof PredictionRecord>;

export const FEEDBACK_ATTRIBUTE_FIELDS = [
  ['schema_version', ATTR.schemaVersion],
  ['feedback_id', ATTR.feedbackId],
  ['request_id', ATTR.requestId],
  ['entity_id', ATTR.entityId],
  ['model_name', ATTR.modelName],
  ['label', ATTR.feedbackLabel],
  ['value', ATTR.feedbackValue],
  ['complaint', ATTR.feedbackComplaint],
  ['source', ATTR.feedbackSource],
] as const satisfies ReadonlyArray<readonly [keyof FeedbackRecord, string]>;

/**
 * Attributes set by the pipeline (sampling, retention, redaction) and the flat field each becomes
 * in the stored form.
 */
export const ANNOTATION_FIELDS = [
  ['sampling_weight', ATTR.samplingWeight],
  ['sampling_reason', ATTR.samplingReason],
  ['retention_class', ATTR.retentionClass],
  ['retention_policy', ATTR.retentionPolicy],
  ['redaction_count', ATTR.redactionCount],
  ['redaction_rules', ATTR.redactionRules],
] as const;

/** Plain attribute map: OTel attribute values, possibly nested (AnyValue). */
export type AttributeMap = Record<string, unknown>;

/** What a log record carries, independent of the OTel SDK classes. */
export interface LogRecordParts {
  eventName: string;
  /** Milliseconds since the Unix epoch (fractional part allowed). */
  timeUnixMs: number;
  attributes: AttributeMap;
  body: Record<string, unknown>;
  traceId?: string;
  spanId?: string;
}

let cachedSecond = Number.NaN;
let cachedPrefix = '';

/**
 * Formats epoch milliseconds as the schema's timestamp (ISO 8601 UTC with milliseconds). Records
 * come in bursts within the same second, so the `YYYY-MM-DDTHH:MM:SS.` part is formatted once per
 * second and reused. Throws a RangeError for an invalid time, as `Date#toISOString` does.
 */
export function formatTimestamp(timeUnixMs: number): string {
  const whole = Math.floor(timeUnixMs);
  const second = Math.floor(whole / 1000);
  if (second !== cachedSecond) {
    const iso = new Date(second * 1000).toISOString();
    // Years outside 0000–9999 use the expanded form; do not cache those.
    if (iso.length !== 24) return new Date(whole).toISOString();
    cachedPrefix = iso.slice(0, 20);
    cachedSecond = second;
  }
  const millis = whole - second * 1000;
  return `${cachedPrefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

export function predictionToLogParts(record: PredictionRecord): LogRecordParts {
  const attributes: AttributeMap = {};
  for (const [field, key] of PREDICTION_ATTRIBUTE_FIELDS) {
    const value = record[field];
    if (value !== undefined) attributes[key] = value;
  }
  const prediction = record.prediction;
  if (typeof prediction === 'string' || typeof prediction === 'number' || typeof prediction === 'boolean') {
    attributes[ATTR.predictionLabel] = prediction;
  }
  const body: Record<string, unknown> = {};
  for (const field of PREDICTION_BODY_FIELDS) {
    const value = record[field];
    if (value !== undefined) body[field] = value;
  }
  const parts: LogRecordParts = {
    eventName: PREDICTION_EVENT,
    timeUnixMs: Date.parse(record.timestamp),
    attributes,
    body,
  };
  if (record.trace_id !== undefined) parts.traceId = record.trace_id;
  if (record.span_id !== undefined) parts.spanId = record.span_id;
  return parts;
}

/**
 * Rebuilds a PredictionRecord from log parts. Fields the parts do not carry stay absent; run the
 * result through `predictionRecordSchema` to check it is complete.
 */
export function predictionFromLogParts(parts: LogRecordParts): PredictionRecord {
  const out: Record<string, unknown> = { schema_version: SCHEMA_VERSION };
  for (const [field, key] of PREDICTION_ATTRIBUTE_FIELDS) {
    const value = parts.attributes[key];
    if (value !== undefined) out[field] = value;
  }
  out.timestamp = formatTimestamp(parts.timeUnixMs);
  for (const field of PREDICTION_BODY_FIELDS) {
    const value = parts.body[field];
    if (value !== undefined) out[field] = value;
  }
  if (out.prediction === undefined) out.prediction = parts.attributes[ATTR.predictionLabel] ?? null;
  if (parts.traceId !== undefined) out.trace_id = parts.traceId;
  if (parts.spanId !== undefined) out.span_id = parts.spanId;
  return out as PredictionRecord;
}

export function feedbackToLogParts(record: FeedbackRecord): LogRecordParts {
  const attributes: AttributeMap = {};
  for (const [field, key] of FEEDBACK_ATTRIBUTE_FIELDS) {
    const value = record[field];
    if (value !== undefined) attributes[key] = value;
  }
  return { eventName: FEEDBACK_EVENT, timeUnixMs: Date.parse(record.timestamp), attributes, body: {} };
}

export function feedbackFromLogParts(parts: LogRecordParts): FeedbackRecord {
  const out: Record<string, unknown> = { schema_version: SCHEMA_VERSION };
  for (const [field, key] of FEEDBACK_ATTRIBUTE_FIELDS) {
    const value = parts.attributes[key];
    if (value !== undefined) out[field] = value;
  }
  out.timestamp = formatTimestamp(parts.timeUnixMs);
  return out as FeedbackRecord;
}
