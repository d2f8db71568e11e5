import type { AnyValue } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { millisToHrTime, PredlogLogRecord, toLogRecordParts } from '@predlog/core';
import {
  type PredictionRecord,
  predictionToLogParts,
  type StoredRecord,
  toStoredRecord,
} from '@predlog/schema';

const resource = resourceFromAttributes({ 'service.name': 'fraud-service' });

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

/** A predlog log record built the way core builds one after the async boundary. */
export function predictionLogRecord(
  overrides: Partial<PredictionRecord> = {},
  extraAttributes: Record<string, unknown> = {},
): PredlogLogRecord {
  const parts = predictionToLogParts(prediction(overrides));
  return new PredlogLogRecord({
    hrTime: millisToHrTime(parts.timeUnixMs),
    resource,
    instrumentationScope: { name: '@predlog/core' },
    attributes: { ...parts.attributes, ...extraAttributes } as PredlogLogRecord['attributes'],
    body: parts.body as AnyValue,
    eventName: parts.eventName,
  });
}

/** `count` predictions of one model, one millisecond apart, with distinct ids. */
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

/** The line the exporter must write for a record: the stored form, serialised once. */
export function expectedLine(record: PredlogLogRecord): string {
  return JSON.stringify(toStoredRecord(toLogRecordParts(record), record.resource.attributes));
}

export function parseLines(text: string): StoredRecord[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as StoredRecord);
}
