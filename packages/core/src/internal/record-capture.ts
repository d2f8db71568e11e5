import { randomUUID } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import { ATTR, FEEDBACK_EVENT, PREDICTION_EVENT, SCHEMA_VERSION } from '@predlog/schema';
import type { FeedbackInput, ModelIdentity, PredictionInput } from '../prediction-input.ts';
import { K_TOO_LARGE, type SanitizeKind, ValueCapture, type CaptureLimits } from './value-capture.ts';

/**
 * A record captured on the caller's thread: attributes and body already in their OTel shape, the
 * time as epoch milliseconds. No serialisation, no SDK object; the background side wraps it into a
 * `PredlogLogRecord`.
 */
export interface CapturedRecord {
  eventName: string;
  timeUnixMs: number;
  attributes: Record<string, unknown>;
  body: Record<string, unknown> | undefined;
  traceId: string | undefined;
  spanId: string | undefined;
  approxBytes: number;
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

  constructor(options: CaptureOptions, warnOnce: (code: string, message: string) => void) {
    this.options = options;
    this.warnOnce = warnOnce;
    this.values = new ValueCapture(options, (kind: SanitizeKind) =>
      warnOnce(`sanitized.${kind}`, `a record held a value JSON cannot carry as-is (${kind}); see the core README for the outcome`),
    );
  }

  prediction(input: PredictionInput, latencyOverrideMs: number | undefined): CapturedRecord {
    const values = this.values;
    values.bytes = 64;
    const attributes: Record<string, unknown> = {};
    attributes[ATTR.schemaVersion] = SCHEMA_VERSION;

    const requestId = this.id(input.requestId, 'request_id');
    attributes[ATTR.requestId] = requestId;
    attributes[ATTR.predictionId] = this.id(input.predictionId, 'prediction_id');

    const model = input.model;
    let name: unknown;
    let version: unknown;
    let framework: unknown;
    if (typeof model === 'string' || typeof model === 'number') {
      name = String(model);
      version = this.options.model?.version;
    } else if (model !== null && typeof model === 'object') {
      name = model.name;
      version = model.version;
      framework = model.framework;
    } else {
      name = this.options.model?.name;
      version = this.options.model?.version;
      framework = this.options.model?.framework;
    }
    attributes[ATTR.modelName] = this.requiredString(name, 'model_name', 'unknown');
    attributes[ATTR.modelVersion] = this.requiredString(version, 'model_version', 'unknown');
    if (framework !== undefined) attributes[ATTR.modelFramework] = this.optionalString(framework, 'model_framework');

    const prediction = input.prediction === undefined ? null : values.capture(input.prediction);
    if (typeof prediction === 'string' || typeof prediction === 'number' || typeof prediction === 'boolean') {
      attributes[ATTR.predictionLabel] = prediction;
    }
    this.number(attributes, ATTR.predictionScore, input.score, 'score');
    this.number(attributes, ATTR.predictionThreshold, input.threshold, 'threshold');
    const latency = latencyOverrideMs ?? input.latencyMs;
    if (typeof latency === 'number' && latency >= 0 && latency - latency === 0) {
      attributes[ATTR.inferenceDurationMs] = latency;
    } else {
      if (latency !== undefined) this.warnOnce('invalid_field.latency_ms', 'latencyMs must be a finite number >= 0; recorded as 0');
      else this.warnOnce('missing_field.latency_ms', 'a prediction without latencyMs was recorded with 0 (use startTimer())');
      attributes[ATTR.inferenceDurationMs] = 0;
    }
    attributes[ATTR.servingNode] =
      input.servingNode === undefined ? this.options.servingNode : this.requiredString(input.servingNode, 'serving_node', this.options.servingNode);

    const error = input.error;
    if (error !== undefined && error !== null && error !== false) {
      attributes[ATTR.predictionStatus] = 'error';
      if (error instanceof Error) {
        attributes[ATTR.errorType] = error.name || 'Error';
        if (error.message) attributes[ATTR.errorMessage] = values.string(error.message);
      } else {
        attributes[ATTR.errorType] = typeof error === 'string' ? values.string(error) : 'error';
      }
    } else {
      attributes[ATTR.predictionStatus] = 'ok';
    }
    if (input.entityId !== undefined) attributes[ATTR.entityId] = this.optionalString(input.entityId, 'entity_id');
    if (input.sessionId !== undefined) attributes[ATTR.sessionId] = this.optionalString(input.sessionId, 'session_id');
    if (input.segment !== undefined) attributes[ATTR.segment] = this.optionalString(input.segment, 'segment');
    if (input.channel !== undefined) attributes[ATTR.channel] = this.optionalString(input.channel, 'channel');
    if (input.region !== undefined) attributes[ATTR.region] = this.optionalString(input.region, 'region');
    this.number(attributes, ATTR.featureFreshnessMaxAgeS, input.featureFreshnessMaxAgeS, 'feature_freshness_max_age_s');

    const body: Record<string, unknown> = {};
    body.input_features = values.captureFeatures(input.features);
    if (input.features === undefined) this.warnOnce('missing_field.features', 'a prediction without features was recorded');
    if (input.nullFeatureCount !== undefined) {
      this.number(attributes, ATTR.nullFeatureCount, input.nullFeatureCount, 'null_feature_count');
    } else {
      attributes[ATTR.nullFeatureCount] = values.nullCount;
    }
    if (input.rawInput !== undefined) body.raw_input = values.capture(input.rawInput);
    body.prediction = prediction;
    if (input.probabilities !== undefined) body.probabilities = values.capture(input.probabilities);
    if (input.explanation !== undefined) body.explanation = values.capture(input.explanation);

    if (values.bytes > this.options.maxRecordBytes && body.raw_input !== undefined) {
      values.note(K_TOO_LARGE);
      body.raw_input = RAW_INPUT_DROPPED;
    }
    if (input.force === true) attributes['ml.sampling.force'] = true;

    const [traceId, spanId] = this.traceContext(input.traceId, input.spanId);
    return {
      eventName: PREDICTION_EVENT,
      timeUnixMs: this.time(input.timestamp),
      attributes,
      body,
      traceId,
      spanId,
      approxBytes: values.bytes,
    };
  }

  feedback(input: FeedbackInput): CapturedRecord | undefined {
    const values = this.values;
    values.bytes = 64;
    const attributes: Record<string, unknown> = {};
    attributes[ATTR.schemaVersion] = SCHEMA_VERSION;
    if (input.feedbackId !== undefined) attributes[ATTR.feedbackId] = this.optionalString(input.feedbackId, 'feedback_id');
    if (input.requestId !== undefined) attributes[ATTR.requestId] = this.optionalString(input.requestId, 'request_id');
    if (input.entityId !== undefined) attributes[ATTR.entityId] = this.optionalString(input.entityId, 'entity_id');
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
      this.warnOnce('invalid_feedback.no_value', 'feedback needs a label, a value or a complaint flag; dropped');
      return undefined;
    }
    attributes[ATTR.feedbackSource] = this.requiredString(input.source, 'source', 'unknown');
    return {
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
    if (typeof value === 'string' && value.length > 0) return value.length > 256 ? value.slice(0, 256) : value;
    if (typeof value === 'number' || typeof value === 'bigint') return String(value);
    if (value !== undefined) this.warnOnce(`invalid_field.${field}`, `${field} must be a non-empty string; a new id was generated`);
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

  private time(value: Date | number | string | undefined): number {
    if (value === undefined) return Date.now();
    const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : value instanceof Date ? value.getTime() : Number.NaN;
    if (ms - ms === 0) return ms;
    this.warnOnce('invalid_field.timestamp', 'timestamp must be a Date, epoch milliseconds or an ISO string; the current time was used');
    return Date.now();
  }

  private traceContext(traceId: unknown, spanId: unknown): [string | undefined, string | undefined] {
    if (traceId !== undefined || spanId !== undefined) {
      const t = typeof traceId === 'string' && hexTraceId.test(traceId) ? traceId : undefined;
      const s = typeof spanId === 'string' && hexSpanId.test(spanId) ? spanId : undefined;
      if (t === undefined || (spanId !== undefined && s === undefined)) {
        this.warnOnce('invalid_field.trace_context', 'traceId must be 32 and spanId 16 lowercase hex characters; left out');
      }
      return [t, t === undefined ? undefined : s];
    }
    if (!this.options.captureTraceContext) return [undefined, undefined];
    const span = trace.getActiveSpan();
    if (span === undefined) return [undefined, undefined];
    const context = span.spanContext();
    return [context.traceId, context.spanId];
  }
}
