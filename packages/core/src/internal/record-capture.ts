import { randomBytes, randomUUID } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import { ATTR, FEEDBACK_EVENT, PREDICTION_EVENT, SCHEMA_VERSION } from '@predlog/schema';
import type { FeedbackInput, ModelIdentity, PredictionInput } from '../prediction-input.ts';
import { type CaptureLimits, K_TOO_LARGE, type SanitizeKind, ValueCapture } from './value-capture.ts';

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
  time: Date | number | string;
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

export interface CaptureOptions extends CaptureLimits {
  maxRecordBytes: number;
  captureTraceContext: boolean;
  model: ModelIdentity | undefined;
  servingNode: string;
}

const RAW_INPUT_DROPPED = '[raw_input dropped: record over maxRecordBytes]';
const hexTraceId = /^[0-9a-f]{32}$/;
const hexSpanId = /^[0-9a-f]{16}$/;

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
    this.values = new ValueCapture(options, (kind: SanitizeKind) =>
      warnOnce(
        `sanitized.${kind}`,
        `a record held a value JSON cannot carry as-is (${kind}); see the core README for the outcome`,
      ),
    );
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
    values.bytes = 64;
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
      modelName = model.name;
      modelVersion = model.version;
      framework = model.framework;
    } else {
      modelName = model;
      modelVersion = this.options.model?.version;
    }
    const prediction = input.prediction;
    const error = input.error;
    let errorType: string | undefined;
    let errorMessage: string | undefined;
    if (error !== undefined && error !== null && error !== false) {
      if (error instanceof Error) {
        errorType = error.name || 'Error';
        errorMessage = typeof error.message === 'string' && error.message !== '' ? error.message : undefined;
      } else errorType = typeof error === 'string' ? error : 'error';
    }
    const features = values.captureFeatures(input.features);
    const nullCount = values.nullCount;
    const raw = input.rawInput;
    const probabilities = input.probabilities;
    const explanation = input.explanation;
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
    const snapshot: PredictionSnapshot = {
      kind: PREDICTION_SNAPSHOT,
      time:
        input.timestamp === undefined
          ? Date.now()
          : input.timestamp instanceof Date
            ? input.timestamp.getTime()
            : input.timestamp,
      requestId: input.requestId,
      predictionId: input.predictionId === undefined ? this.nextPredictionId() : input.predictionId,
      modelName,
      modelVersion,
      framework,
      prediction:
        prediction !== null && typeof prediction === 'object' ? values.capture(prediction) : prediction,
      score: input.score,
      threshold: input.threshold,
      latency: latencyOverrideMs ?? input.latencyMs,
      servingNode: input.servingNode,
      errorType,
      errorMessage,
      entityId: input.entityId,
      sessionId: input.sessionId,
      segment: input.segment,
      channel: input.channel,
      region: input.region,
      freshness: input.featureFreshnessMaxAgeS,
      nullCountGiven: input.nullFeatureCount,
      featuresGiven: input.features !== undefined,
      features,
      nullCount,
      raw: raw !== null && typeof raw === 'object' ? values.capture(raw) : raw,
      probabilities: probabilities === undefined ? undefined : values.capture(probabilities),
      explanation: explanation === undefined ? undefined : values.capture(explanation),
      force: input.force === true,
      role: input.role,
      batchId: input.batchId,
      weight,
      reason,
      traceId,
      spanId,
      bytes: 0,
    };
    snapshot.bytes = values.bytes;
    return snapshot;
  }

  /** The background half: checks every field, applies defaults and builds attributes and body. */
  predictionRecord(s: PredictionSnapshot): CapturedRecord {
    const values = this.values;
    values.bytes = s.bytes;
    const attributes: Record<string, unknown> = {};
    attributes[ATTR.schemaVersion] = SCHEMA_VERSION;
    attributes[ATTR.requestId] = this.id(s.requestId, 'request_id');
    attributes[ATTR.predictionId] = this.id(s.predictionId, 'prediction_id');
    attributes[ATTR.modelName] = this.requiredString(s.modelName, 'model_name', 'unknown');
    attributes[ATTR.modelVersion] = this.requiredString(s.modelVersion, 'model_version', 'unknown');
    if (s.framework !== undefined)
      attributes[ATTR.modelFramework] = this.optionalString(s.framework, 'model_framework');
    let prediction = s.prediction;
    if (prediction === undefined) prediction = null;
    else if (typeof prediction !== 'object') prediction = values.capture(prediction);
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
      attributes[ATTR.errorType] = values.string(s.errorType);
      if (s.errorMessage !== undefined) attributes[ATTR.errorMessage] = values.string(s.errorMessage);
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
    let raw = s.raw;
    if (raw !== undefined && (raw === null || typeof raw !== 'object')) raw = values.capture(raw);
    if (raw !== undefined) body.raw_input = raw;
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
      attributes[ATTR.feedbackId] = this.optionalString(input.feedbackId, 'feedback_id');
    if (input.requestId !== undefined)
      attributes[ATTR.requestId] = this.optionalString(input.requestId, 'request_id');
    if (input.entityId !== undefined)
      attributes[ATTR.entityId] = this.optionalString(input.entityId, 'entity_id');
    if (attributes[ATTR.requestId] === undefined && attributes[ATTR.entityId] === undefined) {
      this.warnOnce('invalid_feedback.no_key', 'feedback needs requestId or entityId to join on; dropped');
      return undefined;
    }
    const modelName = input.modelName ?? this.options.model?.name;
    if (modelName !== undefined) attributes[ATTR.modelName] = this.optionalString(modelName, 'model_name');
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
    attributes[ATTR.feedbackSource] = this.requiredString(input.source, 'source', 'unknown');
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

  private id(value: unknown, field: string): string {
    if (typeof value === 'string' && value.length > 0)
      return value.length > 256 ? value.slice(0, 256) : value;
    if (typeof value === 'number' || typeof value === 'bigint') return String(value);
    if (value !== undefined)
      this.warnOnce(`invalid_field.${field}`, `${field} must be a non-empty string; a new id was generated`);
    return randomUUID();
  }

  private requiredString(value: unknown, field: string, fallback: string): string {
    if (typeof value === 'string' && value.length > 0) return this.values.string(value);
    if (typeof value === 'number') return String(value);
    this.warnOnce(`invalid_field.${field}`, `${field} must be a non-empty string; recorded as "${fallback}"`);
    return fallback;
  }

  private optionalString(value: unknown, field: string): string | undefined {
    if (typeof value === 'string') return this.values.string(value);
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
