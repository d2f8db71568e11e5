import {
  ANNOTATION_FIELDS,
  ATTR,
  type AttributeMap,
  FEEDBACK_ATTRIBUTE_FIELDS,
  formatTimestamp,
  type LogRecordParts,
  PREDICTION_ATTRIBUTE_FIELDS,
  PREDICTION_BODY_FIELDS,
  RESOURCE_ATTR,
} from './otel-mapping.ts';
import { FEEDBACK_EVENT, PREDICTION_EVENT } from './records.ts';

/**
 * The flat JSON form of a logged record, one per NDJSON line and Loki line: the record's own
 * snake_case fields, the pipeline's annotations (sampling_weight, retention_class, ...), and any
 * other attribute under `attributes`. It is what `predlog query` filters on.
 */
export interface StoredRecord {
  event: string;
  timestamp: string;
  service_name?: string;
  trace_id?: string;
  span_id?: string;
  attributes?: Record<string, unknown>;
  /** Body entries whose name would clash with a field above (possible in foreign OTel logs). */
  body?: Record<string, unknown>;
  [field: string]: unknown;
}

/** Top-level names of the stored form that never hold a body entry. */
const RESERVED_FIELDS: ReadonlySet<string> = new Set([
  'event',
  'timestamp',
  'service_name',
  'trace_id',
  'span_id',
  'attributes',
  'body',
]);

type FieldTable = ReadonlyArray<readonly [string, string]>;

function buildKeyMap(...tables: FieldTable[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const table of tables) for (const [field, key] of table) map.set(key, field);
  return map;
}

const predictionKeyToField = buildKeyMap(PREDICTION_ATTRIBUTE_FIELDS, ANNOTATION_FIELDS);
const feedbackKeyToField = buildKeyMap(FEEDBACK_ATTRIBUTE_FIELDS, ANNOTATION_FIELDS);
const genericKeyToField = buildKeyMap(ANNOTATION_FIELDS);
const predictionFieldToKey = new Map([...predictionKeyToField].map(([k, f]) => [f, k]));
const feedbackFieldToKey = new Map([...feedbackKeyToField].map(([k, f]) => [f, k]));
const genericFieldToKey = new Map([...genericKeyToField].map(([k, f]) => [f, k]));

function keyMapFor(event: string): Map<string, string> {
  if (event === PREDICTION_EVENT) return predictionKeyToField;
  if (event === FEEDBACK_EVENT) return feedbackKeyToField;
  return genericKeyToField;
}

function fieldToKeyFor(event: string): Map<string, string> {
  if (event === PREDICTION_EVENT) return predictionFieldToKey;
  if (event === FEEDBACK_EVENT) return feedbackFieldToKey;
  return genericFieldToKey;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const predictionAttributeKeys: ReadonlySet<string> = new Set([
  ...predictionKeyToField.keys(),
  ATTR.predictionLabel,
]);
const predictionBodyFields: ReadonlySet<string> = new Set(PREDICTION_BODY_FIELDS);

/**
 * The stored form of a prediction, built as one object literal: a single hidden class makes both
 * the construction and the exporters' JSON.stringify of it markedly faster than adding fields one by
 * one (see bench/file-e2e). Same result as the generic path, field for field.
 */
function predictionToStored(parts: LogRecordParts, serviceName: unknown): StoredRecord {
  const a = parts.attributes;
  const b = parts.body;
  const stored: StoredRecord = {
    event: PREDICTION_EVENT,
    timestamp: formatTimestamp(parts.timeUnixMs),
    service_name: typeof serviceName === 'string' ? serviceName : undefined,
    schema_version: a[ATTR.schemaVersion],
    request_id: a[ATTR.requestId],
    prediction_id: a[ATTR.predictionId],
    model_name: a[ATTR.modelName],
    model_version: a[ATTR.modelVersion],
    model_framework: a[ATTR.modelFramework],
    score: a[ATTR.predictionScore],
    threshold: a[ATTR.predictionThreshold],
    latency_ms: a[ATTR.inferenceDurationMs],
    serving_node: a[ATTR.servingNode],
    status: a[ATTR.predictionStatus],
    error_type: a[ATTR.errorType],
    error_message: a[ATTR.errorMessage],
    entity_id: a[ATTR.entityId],
    session_id: a[ATTR.sessionId],
    segment: a[ATTR.segment],
    channel: a[ATTR.channel],
    region: a[ATTR.region],
    feature_freshness_max_age_s: a[ATTR.featureFreshnessMaxAgeS],
    null_feature_count: a[ATTR.nullFeatureCount],
    sampling_weight: a[ATTR.samplingWeight],
    sampling_reason: a[ATTR.samplingReason],
    retention_class: a[ATTR.retentionClass],
    retention_policy: a[ATTR.retentionPolicy],
    redaction_count: a[ATTR.redactionCount],
    redaction_rules: a[ATTR.redactionRules],
    model_role: a[ATTR.modelRole],
    batch_id: a[ATTR.batchId],
    input_features: b.input_features,
    raw_input: b.raw_input,
    prediction: b.prediction,
    probabilities: b.probabilities,
    explanation: b.explanation,
    trace_id: parts.traceId,
    span_id: parts.spanId,
    attributes: undefined,
    body: undefined,
  };
  let extra: Record<string, unknown> | undefined;
  for (const key in a) {
    if (predictionAttributeKeys.has(key)) continue;
    const value = a[key];
    if (value === undefined) continue;
    if (extra === undefined) extra = {};
    extra[key] = value;
  }
  const label = a[ATTR.predictionLabel];
  if (label !== undefined && label !== b.prediction) {
    if (extra === undefined) extra = {};
    extra[ATTR.predictionLabel] = label;
  }
  if (extra !== undefined) stored.attributes = extra;
  let clashing: Record<string, unknown> | undefined;
  for (const field in b) {
    if (predictionBodyFields.has(field)) continue;
    const value = b[field];
    if (value === undefined) continue;
    if (RESERVED_FIELDS.has(field) || predictionFieldToKey.has(field)) {
      if (clashing === undefined) clashing = {};
      clashing[field] = value;
    } else stored[field] = value;
  }
  if (clashing !== undefined) stored.body = clashing;
  return stored;
}

/** Flattens log parts (and the resource's service name) into the stored form. */
export function toStoredRecord(parts: LogRecordParts, resourceAttributes?: AttributeMap): StoredRecord {
  if (parts.eventName === PREDICTION_EVENT) {
    return predictionToStored(parts, resourceAttributes?.[RESOURCE_ATTR.serviceName]);
  }
  const stored: StoredRecord = { event: parts.eventName, timestamp: formatTimestamp(parts.timeUnixMs) };
  const serviceName = resourceAttributes?.[RESOURCE_ATTR.serviceName];
  if (typeof serviceName === 'string') stored.service_name = serviceName;
  const keyToField = keyMapFor(parts.eventName);
  const fieldToKey = fieldToKeyFor(parts.eventName);
  let extra: Record<string, unknown> | undefined;
  for (const key in parts.attributes) {
    const value = parts.attributes[key];
    if (value === undefined) continue;
    const field = keyToField.get(key);
    if (field !== undefined) stored[field] = value;
    // The label is derived from body.prediction on the way back, so it is dropped only when it can be
    // derived; a label that differs (say, body.prediction was redacted) is kept.
    else if (
      !(
        key === ATTR.predictionLabel &&
        parts.eventName === PREDICTION_EVENT &&
        parts.body.prediction === value
      )
    ) {
      if (extra === undefined) extra = {};
      extra[key] = value;
    }
  }
  let clashing: Record<string, unknown> | undefined;
  for (const field in parts.body) {
    const value = parts.body[field];
    if (value === undefined) continue;
    // A foreign log's body may use any name; one that would overwrite the timestamp or read back as an
    // attribute goes under `body` instead, so the stored form stays lossless.
    if (RESERVED_FIELDS.has(field) || fieldToKey.has(field)) {
      if (clashing === undefined) clashing = {};
      clashing[field] = value;
    } else stored[field] = value;
  }
  if (parts.traceId !== undefined) stored.trace_id = parts.traceId;
  if (parts.spanId !== undefined) stored.span_id = parts.spanId;
  if (extra !== undefined) stored.attributes = extra;
  if (clashing !== undefined) stored.body = clashing;
  return stored;
}

/** The inverse of `toStoredRecord`, used to replay stored records into an exporter. */
export function fromStoredRecord(stored: StoredRecord): LogRecordParts {
  const event = stored.event;
  const fieldToKey = fieldToKeyFor(event);
  const attributes: AttributeMap = {};
  const body: Record<string, unknown> = {};
  for (const field in stored) {
    if (RESERVED_FIELDS.has(field)) continue;
    const value = stored[field];
    const key = fieldToKey.get(field);
    if (key !== undefined) attributes[key] = value;
    else body[field] = value;
  }
  if (event === PREDICTION_EVENT) {
    const prediction = body.prediction;
    if (typeof prediction === 'string' || typeof prediction === 'number' || typeof prediction === 'boolean') {
      attributes[ATTR.predictionLabel] = prediction;
    }
  }
  if (isPlainObject(stored.attributes)) Object.assign(attributes, stored.attributes);
  if (isPlainObject(stored.body)) Object.assign(body, stored.body);
  const parts: LogRecordParts = {
    eventName: event,
    timeUnixMs: Date.parse(stored.timestamp),
    attributes,
    body,
  };
  if (typeof stored.trace_id === 'string') parts.traceId = stored.trace_id;
  if (typeof stored.span_id === 'string') parts.spanId = stored.span_id;
  return parts;
}
