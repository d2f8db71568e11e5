import type { StoredRecord } from '@predlog/schema';

/**
 * Typed reads of the stored form's fields. A value of the wrong type reads as absent, so one odd
 * record (a foreign log line, a hand-edited file) never throws inside a statistics loop.
 */

/** `sampling_weight` when it is a positive finite number, else 1 (a record without it was kept at 100%). */
export function samplingWeightOf(record: StoredRecord): number {
  const weight = record.sampling_weight;
  return typeof weight === 'number' && weight > 0 && weight < Number.POSITIVE_INFINITY ? weight : 1;
}

export function numberField(record: StoredRecord, field: string): number | undefined {
  const value = record[field];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function stringField(record: StoredRecord, field: string): string | undefined {
  const value = record[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The record's UTC day `YYYY-MM-DD`, read from its ISO timestamp without parsing a Date. */
export function utcDayOf(record: StoredRecord): string {
  const ts = record.timestamp;
  // The stored form always writes ISO 8601 UTC; anything else is parsed the slow way.
  if (ts.length >= 20 && ts.charCodeAt(4) === 45 && ts.endsWith('Z')) return ts.slice(0, 10);
  const ms = Date.parse(ts);
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 10) : 'invalid';
}

/** The record's UTC hour `YYYY-MM-DDTHH:00Z`, read like `utcDayOf`. */
export function utcHourOf(record: StoredRecord): string {
  const ts = record.timestamp;
  if (ts.length >= 20 && ts.charCodeAt(4) === 45 && ts.charCodeAt(10) === 84 && ts.endsWith('Z')) {
    return `${ts.slice(0, 13)}:00Z`;
  }
  const ms = Date.parse(ts);
  return Number.isFinite(ms) ? `${new Date(ms).toISOString().slice(0, 13)}:00Z` : 'invalid';
}

export function timeOf(record: StoredRecord): number {
  return Date.parse(record.timestamp);
}

export function inputFeaturesOf(record: StoredRecord): Record<string, unknown> | undefined {
  const features = record.input_features;
  return features !== null && typeof features === 'object' && !Array.isArray(features)
    ? (features as Record<string, unknown>)
    : undefined;
}
