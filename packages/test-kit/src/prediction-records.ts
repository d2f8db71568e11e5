import type { AnyValue, HrTime } from '@opentelemetry/api';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import { millisToHrTime, PredlogLogRecord, toLogRecordParts } from '@predlog/core';
import { type PredictionRecord, predictionToLogParts, toStoredRecord } from '@predlog/schema';

/** The resource of a serving app on one node, as exporters see it by default. */
export const predictionResource: Resource = resourceFromAttributes({
  'service.name': 'fraud-service',
  'host.name': 'node-1',
  'deployment.environment.name': 'prod',
});

/** A valid prediction record of the fraud model; `overrides` replace whole fields. */
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
  /** `predictionResource` unless given. */
  resource?: Resource;
  traceId?: string;
  /** Used with `traceId`; a fixed span id unless given. */
  spanId?: string;
  /**
   * Whether the record carries core's promise that its values are plain JSON (true, as
   * PredictionLogger captures them). False stands for a record from a foreign OTel app, which
   * exporters must encode defensively.
   */
  jsonSafe?: boolean;
}

/** A predlog log record built the way core builds one after the async boundary. */
export function predictionLogRecord(
  overrides: Partial<PredictionRecord> = {},
  options: RecordOptions = {},
): PredlogLogRecord {
  const parts = predictionToLogParts(prediction(overrides));
  return new PredlogLogRecord({
    hrTime: options.hrTime ?? millisToHrTime(parts.timeUnixMs),
    resource: options.resource ?? predictionResource,
    instrumentationScope: { name: '@predlog/core' },
    attributes: { ...parts.attributes, ...options.extraAttributes } as PredlogLogRecord['attributes'],
    body: parts.body as AnyValue,
    eventName: parts.eventName,
    jsonSafe: options.jsonSafe ?? true,
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
}

export interface BatchOptions {
  /** Time of the first record; the rest follow one millisecond apart. */
  startIso?: string;
  resource?: Resource;
  jsonSafe?: boolean;
}

/** `count` predictions one millisecond apart, with distinct request and prediction ids. */
export function predictionBatch(
  count: number,
  overrides: Partial<PredictionRecord> = {},
  options: BatchOptions = {},
): PredlogLogRecord[] {
  const start = Date.parse(options.startIso ?? '2026-01-31T12:00:00.000Z');
  const recordOptions: RecordOptions = { resource: options.resource, jsonSafe: options.jsonSafe };
  return Array.from({ length: count }, (_, i) =>
    predictionLogRecord(
      {
        request_id: `req-${i}`,
        prediction_id: `pred-${i}`,
        timestamp: new Date(start + i).toISOString(),
        ...overrides,
      },
      recordOptions,
    ),
  );
}

/** The line an exporter must write for a record: the stored form, serialised once. */
export function expectedLine(record: PredlogLogRecord): string {
  return JSON.stringify(toStoredRecord(toLogRecordParts(record), record.resource.attributes));
}
