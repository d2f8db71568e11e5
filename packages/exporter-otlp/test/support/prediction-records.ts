import type { AnyValue, HrTime } from '@opentelemetry/api';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import { millisToHrTime, PredlogLogRecord } from '@predlog/core';
import { type PredictionRecord, predictionToLogParts } from '@predlog/schema';

export const resource = resourceFromAttributes({
  'service.name': 'fraud-service',
  'host.name': 'node-1',
  'deployment.environment.name': 'prod',
});

export function prediction(overrides: Partial<PredictionRecord> = {}): PredictionRecord {
  return {
    schema_version: 1,
    request_id: 'req-1',
    prediction_id: 'pred-1',
    timestamp: '2026-01-31T12:00:00.000Z',
    model_name: 'fraud',
    model_version: '1.0.0',
    input_features: { amount: 12.5, country: 'FR', card_present: true, merchant: null },
    prediction: 'legit',
    score: 0.12,
    latency_ms: 3.5,
    serving_node: 'node-1',
    ...overrides,
  };
}

export interface RecordOptions {
  extraAttributes?: Record<string, unknown>;
  /** Overrides the time from `timestamp` (for nanosecond precision). */
  hrTime?: HrTime;
  resource?: Resource;
  traceId?: string;
  spanId?: string;
}

/** A predlog log record built the way core builds one after the async boundary. */
export function predictionLogRecord(
  overrides: Partial<PredictionRecord> = {},
  options: RecordOptions = {},
): PredlogLogRecord {
  const parts = predictionToLogParts(prediction(overrides));
  const record = new PredlogLogRecord({
    hrTime: options.hrTime ?? millisToHrTime(parts.timeUnixMs),
    resource: options.resource ?? resource,
    instrumentationScope: { name: '@predlog/core' },
    attributes: { ...parts.attributes, ...options.extraAttributes } as PredlogLogRecord['attributes'],
    body: parts.body as AnyValue,
    eventName: parts.eventName,
    jsonSafe: true,
    ...(options.traceId === undefined
      ? {}
      : {
          spanContext: {
            traceId: options.traceId,
            spanId: options.spanId ?? '00f067aa0ba902b7',
            traceFlags: 1,
          },
        }),
  });
  return record;
}

/** `count` predictions one millisecond apart, with distinct ids. */
export function predictionBatch(
  count: number,
  overrides: Partial<PredictionRecord> = {},
  startIso = '2026-01-31T12:00:00.000Z',
): PredlogLogRecord[] {
  const start = Date.parse(startIso);
  return Array.from({ length: count }, (_, i) =>
    predictionLogRecord({
      request_id: `req-${i}`,
      prediction_id: `pred-${i}`,
      timestamp: new Date(start + i).toISOString(),
      ...overrides,
    }),
  );
}
