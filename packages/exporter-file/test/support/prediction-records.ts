import { resourceFromAttributes } from '@opentelemetry/resources';
import type { PredlogLogRecord } from '@predlog/core';
import type { PredictionRecord } from '@predlog/schema';
import {
  type BatchOptions,
  predictionBatch as batch,
  predictionLogRecord as record,
} from '@predlog/test-kit';

/**
 * The file exporter's records: not marked JSON-safe, so every line takes the exporter's checked
 * encoding (the path records from a foreign OTel app take), from a service with no host attributes.
 */
const FILE_RECORDS: BatchOptions = {
  resource: resourceFromAttributes({ 'service.name': 'fraud-service' }),
  jsonSafe: false,
};

export function predictionLogRecord(
  overrides: Partial<PredictionRecord> = {},
  extraAttributes: Record<string, unknown> = {},
): PredlogLogRecord {
  return record(overrides, { ...FILE_RECORDS, extraAttributes });
}

/** `count` predictions of one model, one millisecond apart, with distinct ids. */
export function predictionBatch(
  count: number,
  overrides: Partial<PredictionRecord> = {},
  startIso?: string,
): PredlogLogRecord[] {
  return batch(count, overrides, { ...FILE_RECORDS, startIso });
}
