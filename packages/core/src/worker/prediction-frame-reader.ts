import { PREDICTION_SNAPSHOT, type PredictionSnapshot } from '../internal/record-capture.ts';
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
  const servingNode = d.value();
  const errorType = optionalString(d.value());
  const errorMessage = optionalString(d.value());
  const entityId = d.value();
  const sessionId = d.value();
  const segment = d.value();
  const channel = d.value();
  const region = d.value();
  const freshness = d.value();
  const nullCountGiven = d.value();
  const featuresGiven = d.value() === true;
  const features = d.value();
  if (features === null || typeof features !== 'object' || Array.isArray(features)) {
    throw new FrameDecodeError('a prediction frame without its feature map');
  }
  const nullCount = d.uint32();
  const force = d.value() === true;
  const role = d.value();
  const batchId = d.value();
  const weight = d.number();
  const reason = optionalString(d.value());
  const traceId = d.value();
  const spanId = d.value();
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
    featuresGiven,
    features: features as Record<string, unknown>,
    nullCount,
    raw,
    probabilities,
    explanation,
    force,
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
