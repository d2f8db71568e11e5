import { randomBytes, randomUUID } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import { ATTR, FEEDBACK_EVENT, PREDICTION_EVENT, SCHEMA_VERSION, safeCut } from '@predlog/schema';
import type { FeedbackInput, ModelIdentity, PredictionInput } from '../prediction-input.ts';
import { K_TOO_LARGE, type SanitizeKind, ValueCapture, type ValueCaptureLimits } from './value-capture.ts';

/**
 * A record captured on the caller's thread: attributes and body already in their OTel shape, the
 * time as epoch milliseconds. No serialisation, no SDK object; the background side wraps it into a
 * `PredlogLogRecord`.
 */
export interface CapturedRecord {
  kind: typeof CAPTURED_RECORD;
  eventName: string;
  timeUnixMs: number;
  attributes: Record<string, unknown>;
  body: Record<string, unknown> | undefined;
  traceId: string | undefined;
  spanId: string | undefined;
  approxBytes: number;
}

export const CAPTURED_RECORD = 1;
export const PREDICTION_SNAPSHOT = 0;

/** What `record()` keeps on the caller's thread: copies of mutable inputs, references to primitives. */
export interface PredictionSnapshot {
  kind: typeof PREDICTION_SNAPSHOT;
  time: unknown;
  requestId: unknown;
  predictionId: unknown;
  modelName: unknown;
  modelVersion: unknown;
  framework: unknown;
  prediction: unknown;
  score: unknown;
  threshold: unknown;
  latency: unknown;
  servingNode: unknown;
  errorType: string | undefined;
  errorMessage: string | undefined;
  entityId: unknown;
  sessionId: unknown;
  segment: unknown;
  channel: unknown;
  region: unknown;
  freshness: unknown;
  nullCountGiven: unknown;
  featuresGiven: boolean;
  features: Record<string, unknown>;
  nullCount: number;
  raw: unknown;
  probabilities: unknown;
  explanation: unknown;
  force: boolean;
  role: unknown;
  batchId: unknown;
  weight: number;
  reason: string | undefined;
  traceId: unknown;
  spanId: unknown;
  bytes: number;
}

export interface CaptureOptions extends ValueCaptureLimits {
  captureTraceContext: boolean;
  model: ModelIdentity | undefined;
  servingNode: string;
}

const RAW_INPUT_DROPPED = '[raw_input dropped: record over maxRecordBytes]';
const hexTraceId = /^[0-9a-f]{32}$/;
const hexSpanId = /^[0-9a-f]{16}$/;
/** Ids (request, prediction) longer than this are cut. */
const MAX_ID_LENGTH = 256;
/**
 * A trace id, span id or timestamp string longer than this cannot be valid: it is not kept (the
 * snapshot holds `null`, which the background check reports and leaves out, as it would the value).
 */
const MAX_SHORT_FIELD = 64;
/**
 * What a prediction's fixed-size fields (time, score, threshold, latency and the other numbers,
 * trace and span ids of at most MAX_SHORT_FIELD characters, flags) add to its captured size: one
 * constant, so that counting them costs nothing per field. Strings and values are counted as cut.
 */
const SNAPSHOT_FIXED_BYTES = 256;

/** The one-off diagnostic of a sanitisation kind (its code and kind, never the value). */
export function warnSanitized(warnOnce: (code: string, message: string) => void, kind: SanitizeKind): void {
  warnOnce(
    `sanitized.${kind}`,
    `a record held a value JSON cannot carry as-is (${kind}); see the core README for the outcome`,
  );
}

/** Caller-facing capture of predictions and feedback. One instance per logger; not re-entrant-safe by design (sync). */
export class RecordCapture {
  readonly values: ValueCapture;
  private readonly options: CaptureOptions;
  private readonly warnOnce: (code: string, message: string) => void;
  private readonly idPrefix = `${randomBytes(8).toString('hex')}-`;
  private sequence = 0;

  constructor(options: CaptureOptions, warnOnce: (code: string, message: string) => void) {
    this.options = options;
    this.warnOnce = warnOnce;
    this.values = new ValueCapture(options, (kind: SanitizeKind) => warnSanitized(warnOnce, kind));
  }

  /**
   * The caller's-thread half of a prediction: copies what the caller could still mutate (features,
   * raw input, nested values, the model object) and keeps references to what it cannot
   * (primitives). Checks and attribute building wait for `predictionRecord()` in the background.
   */
  predictionSnapshot(
    input: PredictionInput,
    latencyOverrideMs: number | undefined,
    weight: number,
    reason: string | undefined,
  ): PredictionSnapshot {
    const values = this.values;
    values.bytes = SNAPSHOT_FIXED_BYTES;
    const model = input.model;
    let modelName: unknown;
    let modelVersion: unknown;
    let framework: unknown;
    if (model === undefined || model === null) {
      const fallback = this.options.model;
      modelName = fallback?.name;
      modelVersion = fallback?.version;
      framework = fallback?.framework;
    } else if (typeof model === 'object') {
      modelName = this.text(model.name);
      modelVersion = this.text(model.version);
      framework = this.text(model.framework);
    } else {
      modelName = this.text(model);
      modelVersion = this.options.model?.version;
    }
    const prediction = input.prediction;
    const error = input.error;
    let errorType: string | undefined;
    let errorMessage: string | undefined;
    if (error !== undefined && error !== null && error !== false) {
      if (error instanceof Error) {
        const name = error.name;
        const message = error.message;
        errorType = typeof name === 'string' && name !== '' ? values.string(name) : 'Error';
        errorMessage = typeof message === 'string' && message !== '' ? values.string(message) : undefined;
      } else errorType = typeof error === 'string' ? values.string(error) : 'error';
    }
    const features = values.captureFeatures(input.features);
    const nullCount = values.nullCount;
    let traceId: unknown = input.traceId;
    let spanId: unknown = input.spanId;
    if (traceId === undefined && spanId === undefined && this.options.captureTraceContext) {
      const span = trace.getActiveSpan();
      if (span !== undefined) {
        const context = span.spanContext();
        traceId = context.traceId;
        spanId = context.spanId;
      }
    }
    const timestamp = input.timestamp;
    // Every value is cut to its limits and counted here, on the caller's thread, so what crosses
    // the boundary is bounded and its size known; the background half only checks and shapes.
    // Strings are cut inline below (a call per field cost ~60 ns a record in the demo shape, most
    // fields being absent); a string where a number belongs is invalid and not kept (null).
    // The prediction and the small bodies first, raw input last: when a record passes
    // maxRecordBytes, it is raw_input that gives way (and is then replaced by a marker).
    const capturedPrediction =
      prediction === undefined
        ? null
        : typeof prediction === 'string'
          ? values.string(prediction)
          : values.capture(prediction);
    const probabilities = input.probabilities === undefined ? undefined : values.capture(input.probabilities);
    const explanation = input.explanation === undefined ? undefined : values.capture(input.explanation);
    const snapshot: PredictionSnapshot = {
      kind: PREDICTION_SNAPSHOT,
      time:
        timestamp === undefined
          ? Date.now()
          : timestamp instanceof Date
            ? timestamp.getTime()
            : typeof timestamp === 'string' && timestamp.length > MAX_SHORT_FIELD
              ? null
              : timestamp,
      requestId: this.id(input.requestId),
      predictionId: input.predictionId === undefined ? this.nextPredictionId() : this.id(input.predictionId),
      modelName,
      modelVersion,
      framework,
      prediction: capturedPrediction,
      score: typeof input.score === 'string' ? null : input.score,
      threshold: typeof input.threshold === 'string' ? null : input.threshold,
      latency: latencyOverrideMs ?? (typeof input.latencyMs === 'string' ? null : input.latencyMs),
      servingNode:
        typeof input.servingNode === 'string' ? values.string(input.servingNode) : input.servingNode,
      errorType,
      errorMessage,
      entityId: typeof input.entityId === 'string' ? values.string(input.entityId) : input.entityId,
      sessionId: typeof input.sessionId === 'string' ? values.string(input.sessionId) : input.sessionId,
      segment: typeof input.segment === 'string' ? values.string(input.segment) : input.segment,
      channel: typeof input.channel === 'string' ? values.string(input.channel) : input.channel,
      region: typeof input.region === 'string' ? values.string(input.region) : input.region,
      freshness: typeof input.featureFreshnessMaxAgeS === 'string' ? null : input.featureFreshnessMaxAgeS,
      nullCountGiven: typeof input.nullFeatureCount === 'string' ? null : input.nullFeatureCount,
      featuresGiven: input.features !== undefined,
      features,
      nullCount,
      raw: input.rawInput === undefined ? undefined : values.capture(input.rawInput),
      probabilities,
      explanation,
      force: input.force === true,
      role: typeof input.role === 'string' ? values.string(input.role) : input.role,
      batchId: typeof input.batchId === 'string' ? values.string(input.batchId) : input.batchId,
      weight,
      reason,
      traceId: typeof traceId === 'string' && traceId.length > MAX_SHORT_FIELD ? null : traceId,
      spanId: typeof spanId === 'string' && spanId.length > MAX_SHORT_FIELD ? null : spanId,
      bytes: 0,
    };
    snapshot.bytes = values.bytes;
    return snapshot;
  }

  /** A string field cut (safely) to `maxStringLength` and counted; anything else as it is, for the checks. */
  private text(value: unknown): unknown {
    return typeof value === 'string' ? this.values.string(value) : value;
  }

  /**
   * A request or prediction id: a string over 256 characters is cut (safely; one that cuts to
   * nothing is left for the background check to replace); numbers pass for the background check.
   */
  private id(value: unknown): unknown {
    if (typeof value !== 'string') return value;
    const kept = value.length > MAX_ID_LENGTH ? safeCut(value, MAX_ID_LENGTH) : value;
    this.values.bytes += kept.length + 2;
    return kept;
  }

  /** The background half: checks every field, applies defaults and builds attributes and body. */
  predictionRecord(s: PredictionSnapshot): CapturedRecord {
    const values = this.values;
    values.bytes = s.bytes;
    const attributes: Record<string, unknown> = {};
    attributes[ATTR.schemaVersion] = SCHEMA_VERSION;
    attributes[ATTR.requestId] = this.checkedId(s.requestId, 'request_id');
    attributes[ATTR.predictionId] = this.checkedId(s.predictionId, 'prediction_id');
    attributes[ATTR.modelName] = this.requiredString(s.modelName, 'model_name', 'unknown');
    attributes[ATTR.modelVersion] = this.requiredString(s.modelVersion, 'model_version', 'unknown');
    if (s.framework !== undefined)
      attributes[ATTR.modelFramework] = this.optionalString(s.framework, 'model_framework');
    const prediction = s.prediction;
    if (typeof prediction === 'string' || typeof prediction === 'number' || typeof prediction === 'boolean') {
      attributes[ATTR.predictionLabel] = prediction;
    }
    this.number(attributes, ATTR.predictionScore, s.score, 'score');
    this.number(attributes, ATTR.predictionThreshold, s.threshold, 'threshold');
    const latency = s.latency;
    if (typeof latency === 'number' && latency >= 0 && latency - latency === 0) {
      attributes[ATTR.inferenceDurationMs] = latency;
    } else {
      if (latency !== undefined)
        this.warnOnce('invalid_field.latency_ms', 'latencyMs must be a finite number >= 0; recorded as 0');
      else
        this.warnOnce(
          'missing_field.latency_ms',
          'a prediction without latencyMs was recorded with 0 (use startTimer())',
        );
      attributes[ATTR.inferenceDurationMs] = 0;
    }
    attributes[ATTR.servingNode] =
      s.servingNode === undefined
        ? this.options.servingNode
        : this.requiredString(s.servingNode, 'serving_node', this.options.servingNode);
    if (s.errorType !== undefined) {
      attributes[ATTR.predictionStatus] = 'error';
      attributes[ATTR.errorType] = s.errorType;
      if (s.errorMessage !== undefined) attributes[ATTR.errorMessage] = s.errorMessage;
    } else {
      attributes[ATTR.predictionStatus] = 'ok';
    }
    if (s.entityId !== undefined) attributes[ATTR.entityId] = this.optionalString(s.entityId, 'entity_id');
    if (s.sessionId !== undefined)
      attributes[ATTR.sessionId] = this.optionalString(s.sessionId, 'session_id');
    if (s.segment !== undefined) attributes[ATTR.segment] = this.optionalString(s.segment, 'segment');
    if (s.channel !== undefined) attributes[ATTR.channel] = this.optionalString(s.channel, 'channel');
    if (s.region !== undefined) attributes[ATTR.region] = this.optionalString(s.region, 'region');
    this.number(attributes, ATTR.featureFreshnessMaxAgeS, s.freshness, 'feature_freshness_max_age_s');
    if (s.nullCountGiven !== undefined)
      this.number(attributes, ATTR.nullFeatureCount, s.nullCountGiven, 'null_feature_count');
    else attributes[ATTR.nullFeatureCount] = s.nullCount;
    if (!s.featuresGiven)
      this.warnOnce('missing_field.features', 'a prediction without features was recorded');
    if (s.reason !== undefined) {
      attributes[ATTR.samplingWeight] = s.weight;
      attributes[ATTR.samplingReason] = s.reason;
    }
    if (s.force) attributes[ATTR.samplingForce] = true;
    if (s.role !== undefined) attributes[ATTR.modelRole] = this.optionalString(s.role, 'model_role');
    if (s.batchId !== undefined) attributes[ATTR.batchId] = this.optionalString(s.batchId, 'batch_id');

    const body: Record<string, unknown> = { input_features: s.features };
    if (s.raw !== undefined) body.raw_input = s.raw;
    body.prediction = prediction;
    if (s.probabilities !== undefined) body.probabilities = s.probabilities;
    if (s.explanation !== undefined) body.explanation = s.explanation;
    if (values.bytes > this.options.maxRecordBytes && body.raw_input !== undefined) {
      values.note(K_TOO_LARGE);
      body.raw_input = RAW_INPUT_DROPPED;
    }
    const [traceId, spanId] = this.traceContext(s.traceId, s.spanId);
    return {
      kind: CAPTURED_RECORD,
      eventName: PREDICTION_EVENT,
      timeUnixMs: this.time(s.time),
      attributes,
      body,
      traceId,
      spanId,
      approxBytes: values.bytes,
    };
  }

  /** Unique per logger instance: a random 64-bit prefix and a counter, much cheaper than a UUID per call. */
  private nextPredictionId(): string {
    return this.idPrefix + (this.sequence++).toString(36);
  }

  feedback(input: FeedbackInput): CapturedRecord | undefined {
    const values = this.values;
    values.bytes = 64;
    const attributes: Record<string, unknown> = {};
    attributes[ATTR.schemaVersion] = SCHEMA_VERSION;
    if (input.feedbackId !== undefined)
      attributes[ATTR.feedbackId] = this.optionalString(this.text(input.feedbackId), 'feedback_id');
    if (input.requestId !== undefined)
      attributes[ATTR.requestId] = this.optionalString(this.text(input.requestId), 'request_id');
    if (input.entityId !== undefined)
      attributes[ATTR.entityId] = this.optionalString(
        typeof input.entityId === 'string' ? values.string(input.entityId) : input.entityId,
        'entity_id',
      );
    if (attributes[ATTR.requestId] === undefined && attributes[ATTR.entityId] === undefined) {
      this.warnOnce('invalid_feedback.no_key', 'feedback needs requestId or entityId to join on; dropped');
      return undefined;
    }
    const modelName = input.modelName ?? this.options.model?.name;
    if (modelName !== undefined)
      attributes[ATTR.modelName] = this.optionalString(this.text(modelName), 'model_name');
    const label = input.label;
    if (typeof label === 'string') attributes[ATTR.feedbackLabel] = values.string(label);
    else if (typeof label === 'boolean' || (typeof label === 'number' && label - label === 0)) {
      attributes[ATTR.feedbackLabel] = label;
    }
    this.number(attributes, ATTR.feedbackValue, input.value, 'value');
    if (typeof input.complaint === 'boolean') attributes[ATTR.feedbackComplaint] = input.complaint;
    if (
      attributes[ATTR.feedbackLabel] === undefined &&
      attributes[ATTR.feedbackValue] === undefined &&
      attributes[ATTR.feedbackComplaint] === undefined
    ) {
      this.warnOnce(
        'invalid_feedback.no_value',
        'feedback needs a label, a value or a complaint flag; dropped',
      );
      return undefined;
    }
    attributes[ATTR.feedbackSource] = this.requiredString(this.text(input.source), 'source', 'unknown');
    return {
      kind: CAPTURED_RECORD,
      eventName: FEEDBACK_EVENT,
      timeUnixMs: this.time(input.timestamp),
      attributes,
      body: undefined,
      traceId: undefined,
      spanId: undefined,
      approxBytes: values.bytes,
    };
  }

  /** An id as cut by `id()`: a non-empty string, a number, or a generated UUID (with a diagnostic). */
  private checkedId(value: unknown, field: string): string {
    if (typeof value === 'string' && value.length > 0) return value;
    if (typeof value === 'number' || typeof value === 'bigint') return String(value);
    if (value !== undefined)
      this.warnOnce(`invalid_field.${field}`, `${field} must be a non-empty string; a new id was generated`);
    return randomUUID();
  }

  // The two checks below get values already cut and counted (`text()`, `values.string()`).
  private requiredString(value: unknown, field: string, fallback: string): string {
    if (typeof value === 'string' && value.length > 0) return value;
    if (typeof value === 'number') return String(value);
    this.warnOnce(`invalid_field.${field}`, `${field} must be a non-empty string; recorded as "${fallback}"`);
    return fallback;
  }

  private optionalString(value: unknown, field: string): string | undefined {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    this.warnOnce(`invalid_field.${field}`, `${field} must be a string; left out`);
    return undefined;
  }

  private number(attributes: Record<string, unknown>, key: string, value: unknown, field: string): void {
    if (value === undefined) return;
    if (typeof value === 'number' && value - value === 0) {
      attributes[key] = value;
      return;
    }
    this.warnOnce(`invalid_field.${field}`, `${field} must be a finite number; left out`);
  }

  private time(value: unknown): number {
    if (value === undefined) return Date.now();
    const ms =
      typeof value === 'number'
        ? value
        : typeof value === 'string'
          ? Date.parse(value)
          : value instanceof Date
            ? value.getTime()
            : Number.NaN;
    if (ms - ms === 0) return ms;
    this.warnOnce(
      'invalid_field.timestamp',
      'timestamp must be a Date, epoch milliseconds or an ISO string; the current time was used',
    );
    return Date.now();
  }

  private traceContext(traceId: unknown, spanId: unknown): [string | undefined, string | undefined] {
    if (traceId === undefined && spanId === undefined) return [undefined, undefined];
    const t = typeof traceId === 'string' && hexTraceId.test(traceId) ? traceId : undefined;
    const s = typeof spanId === 'string' && hexSpanId.test(spanId) ? spanId : undefined;
    if (t === undefined || (spanId !== undefined && s === undefined)) {
      this.warnOnce(
        'invalid_field.trace_context',
        'traceId must be 32 and spanId 16 lowercase hex characters; left out',
      );
    }
    return [t, t === undefined ? undefined : s];
  }
}
