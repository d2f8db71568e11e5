import { randomBytes } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import { safeCut } from '@predlog/schema';
import type { CaptureOptions } from '../internal/record-capture.ts';
import { SANITIZE_KINDS, type SanitizeKind } from '../internal/value-capture.ts';
import type { PredictionInput } from '../prediction-input.ts';
import type { ByteRingWriter } from './byte-ring-writer.ts';
import { type FrameContent, writeFrame } from './frame-commit.ts';
import { FRAME_PREDICTION } from './frame-kinds.ts';
import { ValueEncoder } from './value-encoder.ts';
import { T_FALSE, T_NULL, T_RAW_DROPPED, T_TRUE, T_UNDEFINED } from './value-tags.ts';

/** Ids (request, prediction) longer than this are cut, as in-thread capture cuts them. */
const MAX_ID_LENGTH = 256;
/** A trace id, span id or timestamp string longer than this cannot be valid: it is written as null. */
const MAX_SHORT_FIELD = 64;
const K_TOO_LARGE = SANITIZE_KINDS.indexOf('record_too_large');
const EMPTY_INPUT: PredictionInput = {};

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

  /** `onFirst` is called the first time each sanitisation kind happens (for a one-off diagnostic). */
  constructor(ring: ByteRingWriter, options: CaptureOptions, onFirst?: (kind: SanitizeKind) => void) {
    this.ring = ring;
    this.options = options;
    this.encoder = new ValueEncoder(options, ring, onFirst);
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
    e.scalar(input.servingNode);
    const error = input.error;
    if (error === undefined || error === null || error === false) {
      e.tag(T_UNDEFINED);
      e.tag(T_UNDEFINED);
    } else if (error instanceof Error) {
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
    e.scalar(input.entityId);
    e.scalar(input.sessionId);
    e.scalar(input.segment);
    e.scalar(input.channel);
    e.scalar(input.region);
    this.number(e, input.featureFreshnessMaxAgeS);
    this.number(e, input.nullFeatureCount);
    e.tag(input.features !== undefined ? T_TRUE : T_FALSE);
    e.features(input.features);
    e.uint32(e.nullCount);
    e.tag(input.force === true ? T_TRUE : T_FALSE);
    e.scalar(input.role);
    e.scalar(input.batchId);
    e.float64(this.weight);
    this.exact(e, reason);
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
    this.short(e, traceId);
    this.short(e, spanId);
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
