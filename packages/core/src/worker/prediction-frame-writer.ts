import { randomBytes } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import { safeCut } from '@predlog/schema';
import type { CaptureOptions } from '../internal/record-capture.ts';
import { SANITIZE_KINDS, type SanitizeKind } from '../internal/value-capture.ts';
import type { PredictionInput } from '../prediction-input.ts';
import type { ByteRingWriter } from './byte-ring-writer.ts';
import { type FrameContent, writeFrame } from './frame-commit.ts';
import { FRAME_PREDICTION } from './frame-kinds.ts';
import type { ShapeRegistry } from './shape-table.ts';
import { ValueEncoder } from './value-encoder.ts';
import { T_NULL, T_RAW_DROPPED, T_UNDEFINED } from './value-tags.ts';

/** Ids (request, prediction) longer than this are cut, as in-thread capture cuts them. */
const MAX_ID_LENGTH = 256;
/** A trace id, span id or timestamp string longer than this cannot be valid: it is written as null. */
const MAX_SHORT_FIELD = 64;
const K_TOO_LARGE = SANITIZE_KINDS.indexOf('record_too_large');
const EMPTY_INPUT: PredictionInput = {};

// The presence bits of a prediction frame's optional fields, in the order they are written.
export const HAS_SERVING_NODE = 1 << 0;
export const HAS_ERROR = 1 << 1;
export const HAS_ENTITY_ID = 1 << 2;
export const HAS_SESSION_ID = 1 << 3;
export const HAS_SEGMENT = 1 << 4;
export const HAS_CHANNEL = 1 << 5;
export const HAS_REGION = 1 << 6;
export const HAS_FRESHNESS = 1 << 7;
export const HAS_NULL_COUNT = 1 << 8;
export const HAS_ROLE = 1 << 9;
export const HAS_BATCH_ID = 1 << 10;
export const HAS_REASON = 1 << 11;
export const HAS_TRACE_ID = 1 << 12;
export const HAS_SPAN_ID = 1 << 13;
/** Flags, not fields: `features` was given, `force` is true. */
export const HAS_FEATURES = 1 << 14;
export const FORCE = 1 << 15;

/**
 * The serving thread's half of `record()` in worker mode: captures one prediction straight into a
 * ring frame, in one walk, with the outcomes of in-thread capture (`RecordCapture.predictionSnapshot`):
 * every string cut and counted, ids cut to 256 chars, a string where a number belongs and any object
 * where a scalar belongs written as null (the worker's check reports and leaves it out, as it would
 * the value), features, prediction and the small bodies walked under the record budget, raw input
 * last and replaced by a marker when the frame passed `maxRecordBytes`. prediction-frame-reader.ts
 * reads it back as the same `PredictionSnapshot`.
 *
 * The field order below is the frame format; the reader follows it.
 */
export class PredictionFrameWriter implements FrameContent {
  readonly encoder: ValueEncoder;
  /** The id of the prediction written last (generated when the input had none), when a string. */
  lastPredictionId: string | undefined;
  private readonly ring: ByteRingWriter;
  private readonly options: CaptureOptions;
  private readonly idPrefix = `${randomBytes(8).toString('hex')}-`;
  private sequence = 0;
  /** The call being written (fields, so that writing a record allocates no closure). */
  private input: PredictionInput = EMPTY_INPUT;
  private latencyOverrideMs: number | undefined;
  private weight = 1;
  private reason: string | undefined;

  /**
   * `onFirst` is called the first time each sanitisation kind happens (for a one-off diagnostic);
   * `shapes` lets repeated object shapes (the feature map) travel as an id.
   */
  constructor(
    ring: ByteRingWriter,
    options: CaptureOptions,
    onFirst?: (kind: SanitizeKind) => void,
    shapes?: ShapeRegistry,
  ) {
    this.ring = ring;
    this.options = options;
    this.encoder = new ValueEncoder(options, ring, onFirst, shapes);
  }

  /**
   * Writes one prediction; false when the ring had no room (by frames or bytes), nothing then
   * written. Rethrows what the caller's input threw outside a value walk (a getter on the input
   * object itself), after giving up the frame.
   */
  write(
    input: PredictionInput,
    latencyOverrideMs: number | undefined,
    weight: number,
    reason: string | undefined,
  ): boolean {
    this.input = input;
    this.latencyOverrideMs = latencyOverrideMs;
    this.weight = weight;
    this.reason = reason;
    const written = writeFrame(this.ring, this.encoder, this);
    // Not kept past the call: the caller's objects are the caller's.
    this.input = EMPTY_INPUT;
    return written;
  }

  /** The frame's fields, in the order prediction-frame-reader.ts reads them (called by writeFrame). */
  fill(e: ValueEncoder): void {
    const input = this.input;
    const latencyOverrideMs = this.latencyOverrideMs;
    const reason = this.reason;
    e.tag(FRAME_PREDICTION);
    const timestamp = input.timestamp;
    if (timestamp === undefined) e.float64(Date.now());
    else if (timestamp instanceof Date) e.float64(timestamp.getTime());
    else this.short(e, timestamp);
    this.id(e, input.requestId);
    if (input.predictionId === undefined) {
      const id = this.idPrefix + (this.sequence++).toString(36);
      this.lastPredictionId = id;
      e.exactString(id);
    } else {
      this.lastPredictionId = this.id(e, input.predictionId);
    }
    const model = input.model;
    if (model === undefined || model === null) {
      const fallback = this.options.model;
      this.exact(e, fallback?.name);
      this.exact(e, fallback?.version);
      this.exact(e, fallback?.framework);
    } else if (typeof model === 'object') {
      e.scalar(model.name);
      e.scalar(model.version);
      e.scalar(model.framework);
    } else {
      e.scalar(model);
      this.exact(e, this.options.model?.version);
      e.tag(T_UNDEFINED);
    }
    const prediction = input.prediction;
    if (prediction === undefined) e.tag(T_NULL);
    else e.field(prediction);
    this.number(e, input.score);
    this.number(e, input.threshold);
    if (latencyOverrideMs !== undefined) e.float64(latencyOverrideMs);
    else this.number(e, input.latencyMs);
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
    // The fields most predictions leave out take a bit each, not a byte and a call each.
    const error = input.error;
    const hasError = error !== undefined && error !== null && error !== false;
    let present = 0;
    if (input.servingNode !== undefined) present |= HAS_SERVING_NODE;
    if (hasError) present |= HAS_ERROR;
    if (input.entityId !== undefined) present |= HAS_ENTITY_ID;
    if (input.sessionId !== undefined) present |= HAS_SESSION_ID;
    if (input.segment !== undefined) present |= HAS_SEGMENT;
    if (input.channel !== undefined) present |= HAS_CHANNEL;
    if (input.region !== undefined) present |= HAS_REGION;
    if (input.featureFreshnessMaxAgeS !== undefined) present |= HAS_FRESHNESS;
    if (input.nullFeatureCount !== undefined) present |= HAS_NULL_COUNT;
    if (input.role !== undefined) present |= HAS_ROLE;
    if (input.batchId !== undefined) present |= HAS_BATCH_ID;
    if (reason !== undefined) present |= HAS_REASON;
    if (traceId !== undefined) present |= HAS_TRACE_ID;
    if (spanId !== undefined) present |= HAS_SPAN_ID;
    if (input.features !== undefined) present |= HAS_FEATURES;
    if (input.force === true) present |= FORCE;
    e.uint32(present);
    if (present !== (present & (HAS_FEATURES | FORCE)))
      this.optional(e, input, present, error, reason, traceId, spanId);
    e.float64(this.weight);
    e.features(input.features);
    e.uint32(e.nullCount);
    const probabilities = input.probabilities;
    if (probabilities === undefined) e.tag(T_UNDEFINED);
    else e.field(probabilities);
    const explanation = input.explanation;
    if (explanation === undefined) e.tag(T_UNDEFINED);
    else e.field(explanation);
    // Raw input last: when the record passes maxRecordBytes, it is raw_input that gives way.
    const raw = input.rawInput;
    if (raw === undefined) e.tag(T_UNDEFINED);
    else {
      const mark = e.mark();
      e.field(raw);
      if (e.length > this.options.maxRecordBytes) {
        e.rewind(mark);
        e.note(K_TOO_LARGE);
        e.tag(T_RAW_DROPPED);
      }
    }
  }

  /** The fields marked in `present`, in bit order (prediction-frame-reader.ts reads them so). */
  private optional(
    e: ValueEncoder,
    input: PredictionInput,
    present: number,
    error: unknown,
    reason: string | undefined,
    traceId: unknown,
    spanId: unknown,
  ): void {
    if (present & HAS_SERVING_NODE) e.scalar(input.servingNode);
    if (present & HAS_ERROR) {
      if (error instanceof Error) {
        const name = error.name;
        const message = error.message;
        if (typeof name === 'string' && name !== '') e.scalar(name);
        else e.exactString('Error');
        if (typeof message === 'string' && message !== '') e.scalar(message);
        else e.tag(T_UNDEFINED);
      } else {
        if (typeof error === 'string') e.scalar(error);
        else e.exactString('error');
        e.tag(T_UNDEFINED);
      }
    }
    if (present & HAS_ENTITY_ID) e.scalar(input.entityId);
    if (present & HAS_SESSION_ID) e.scalar(input.sessionId);
    if (present & HAS_SEGMENT) e.scalar(input.segment);
    if (present & HAS_CHANNEL) e.scalar(input.channel);
    if (present & HAS_REGION) e.scalar(input.region);
    if (present & HAS_FRESHNESS) this.number(e, input.featureFreshnessMaxAgeS);
    if (present & HAS_NULL_COUNT) this.number(e, input.nullFeatureCount);
    if (present & HAS_ROLE) e.scalar(input.role);
    if (present & HAS_BATCH_ID) e.scalar(input.batchId);
    if (present & HAS_REASON) this.exact(e, reason);
    if (present & HAS_TRACE_ID) this.short(e, traceId);
    if (present & HAS_SPAN_ID) this.short(e, spanId);
  }

  /** A request or prediction id: a string cut (safely) to 256 chars; anything else for the reader's check. */
  private id(e: ValueEncoder, value: unknown): string | undefined {
    if (typeof value !== 'string') {
      e.scalar(value);
      return undefined;
    }
    const kept = value.length > MAX_ID_LENGTH ? safeCut(value, MAX_ID_LENGTH) : value;
    e.exactString(kept);
    return kept;
  }

  /** A number field: a string there is invalid and not copied (null); the reader checks the rest. */
  private number(e: ValueEncoder, value: unknown): void {
    if (typeof value === 'string') e.tag(T_NULL);
    else e.scalar(value);
  }

  /** A trace id, span id or timestamp: a string longer than any valid one is not kept (null). */
  private short(e: ValueEncoder, value: unknown): void {
    if (typeof value === 'string') {
      if (value.length > MAX_SHORT_FIELD) e.tag(T_NULL);
      else e.exactString(value);
    } else e.scalar(value);
  }

  /** The logger's own settings (default model, the sampler's reason): kept whole. */
  private exact(e: ValueEncoder, value: string | undefined): void {
    if (value === undefined) e.tag(T_UNDEFINED);
    else e.exactString(value);
  }
}
