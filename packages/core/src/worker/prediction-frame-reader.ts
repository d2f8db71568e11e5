import { PREDICTION_SNAPSHOT, type PredictionSnapshot } from '../internal/record-capture.ts';
import {
  FORCE,
  HAS_BATCH_ID,
  HAS_CHANNEL,
  HAS_ENTITY_ID,
  HAS_ERROR,
  HAS_FEATURES,
  HAS_FRESHNESS,
  HAS_NULL_COUNT,
  HAS_REASON,
  HAS_REGION,
  HAS_ROLE,
  HAS_SEGMENT,
  HAS_SERVING_NODE,
  HAS_SESSION_ID,
  HAS_SPAN_ID,
  HAS_TRACE_ID,
} from './prediction-frame-writer.ts';
import { FrameDecodeError, type ValueDecoder } from './value-decoder.ts';

/**
 * The worker's read of a prediction frame (prediction-frame-writer.ts, same field order), after its
 * kind byte: the `PredictionSnapshot` in-thread capture would have made of the same input, for
 * `RecordCapture.predictionRecord()` to check and shape. `bytes` is the frame's size.
 */
export function readPredictionFrame(d: ValueDecoder, frameLength: number): PredictionSnapshot {
  const time = d.value();
  const requestId = d.value();
  const predictionId = d.value();
  const modelName = d.value();
  const modelVersion = d.value();
  const framework = d.value();
  const prediction = d.value();
  const score = d.value();
  const threshold = d.value();
  const latency = d.value();
  const present = d.uint32();
  const at = (bit: number): unknown => ((present & bit) === 0 ? undefined : d.value());
  const servingNode = at(HAS_SERVING_NODE);
  let errorType: string | undefined;
  let errorMessage: string | undefined;
  if (present & HAS_ERROR) {
    errorType = optionalString(d.value());
    errorMessage = optionalString(d.value());
  }
  const entityId = at(HAS_ENTITY_ID);
  const sessionId = at(HAS_SESSION_ID);
  const segment = at(HAS_SEGMENT);
  const channel = at(HAS_CHANNEL);
  const region = at(HAS_REGION);
  const freshness = at(HAS_FRESHNESS);
  const nullCountGiven = at(HAS_NULL_COUNT);
  const role = at(HAS_ROLE);
  const batchId = at(HAS_BATCH_ID);
  const reason = optionalString(at(HAS_REASON));
  const traceId = at(HAS_TRACE_ID);
  const spanId = at(HAS_SPAN_ID);
  const weight = d.number();
  const features = d.value();
  if (features === null || typeof features !== 'object' || Array.isArray(features)) {
    throw new FrameDecodeError('a prediction frame without its feature map');
  }
  const nullCount = d.uint32();
  const probabilities = d.value();
  const explanation = d.value();
  const raw = d.value();
  return {
    kind: PREDICTION_SNAPSHOT,
    time: time as PredictionSnapshot['time'],
    requestId,
    predictionId,
    modelName,
    modelVersion,
    framework,
    prediction,
    score,
    threshold,
    latency,
    servingNode,
    errorType,
    errorMessage,
    entityId,
    sessionId,
    segment,
    channel,
    region,
    freshness,
    nullCountGiven,
    featuresGiven: (present & HAS_FEATURES) !== 0,
    features: features as Record<string, unknown>,
    nullCount,
    raw,
    probabilities,
    explanation,
    force: (present & FORCE) !== 0,
    role,
    batchId,
    weight,
    reason,
    traceId,
    spanId,
    bytes: frameLength,
  };
}

function optionalString(v: unknown): string | undefined {
  if (v === undefined || typeof v === 'string') return v;
  throw new FrameDecodeError('a prediction frame field that should be a string');
}
