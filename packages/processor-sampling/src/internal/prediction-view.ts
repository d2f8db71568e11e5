import type { PredictionView } from '@predlog/core';
import { ATTR } from '@predlog/schema';

/** The attribute a caller (or an upstream service) sets to keep a record whatever the rate. */
export const FORCE_ATTRIBUTE = 'ml.sampling.force';

/** A view the OTel path fills in place for each record, so reading one allocates nothing. */
export interface MutablePredictionView {
  requestId: string | undefined;
  modelName: string | undefined;
  modelVersion: string | undefined;
  modelDeployedAt: number | string | undefined;
  score: number | undefined;
  threshold: number | undefined;
  latencyMs: number | undefined;
  isError: boolean;
  features: Readonly<Record<string, unknown>> | undefined;
  force: boolean;
}

export function emptyPredictionView(): MutablePredictionView {
  return {
    requestId: undefined,
    modelName: undefined,
    modelVersion: undefined,
    modelDeployedAt: undefined,
    score: undefined,
    threshold: undefined,
    latencyMs: undefined,
    isError: false,
    features: undefined,
    force: false,
  };
}

/**
 * Reads what the sampler needs from an OTel log record's attributes and body (`input_features`):
 * the same fields the PredictionLogger hands its head sampler. Values of the wrong type count as
 * absent.
 */
export function readPredictionView(
  attributes: Readonly<Record<string, unknown>>,
  body: unknown,
  into: MutablePredictionView = emptyPredictionView(),
): PredictionView {
  const requestId = attributes[ATTR.requestId];
  const modelName = attributes[ATTR.modelName];
  const modelVersion = attributes[ATTR.modelVersion];
  const deployedAt = attributes[ATTR.modelDeployedAt];
  const score = attributes[ATTR.predictionScore];
  const threshold = attributes[ATTR.predictionThreshold];
  const latency = attributes[ATTR.inferenceDurationMs];
  into.requestId = typeof requestId === 'string' ? requestId : undefined;
  into.modelName = typeof modelName === 'string' ? modelName : undefined;
  into.modelVersion = typeof modelVersion === 'string' ? modelVersion : undefined;
  // An ISO 8601 string or epoch milliseconds; as with the other attributes, another type is absent.
  into.modelDeployedAt =
    typeof deployedAt === 'string' || typeof deployedAt === 'number' ? deployedAt : undefined;
  into.score = typeof score === 'number' ? score : undefined;
  into.threshold = typeof threshold === 'number' ? threshold : undefined;
  into.latencyMs = typeof latency === 'number' ? latency : undefined;
  into.isError = attributes[ATTR.predictionStatus] === 'error';
  into.force = attributes[FORCE_ATTRIBUTE] === true;
  let features: Readonly<Record<string, unknown>> | undefined;
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const value = (body as Record<string, unknown>).input_features;
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      features = value as Record<string, unknown>;
  }
  into.features = features;
  return into;
}
