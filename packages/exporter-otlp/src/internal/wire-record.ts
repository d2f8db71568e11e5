import type { LogRecordLike } from '@predlog/core';

/**
 * The attribute that carries the event name where a receiver drops the OTLP `event_name` field:
 * Loki's native OTLP ingestion keeps attributes (as structured metadata `event_name`) but not the
 * field, so without it predictions and feedback could not be told apart there.
 */
export const EVENT_NAME_ATTRIBUTE = 'event.name';

function isEmptyBody(body: unknown): boolean {
  if (body === undefined || body === null || body === '') return true;
  if (typeof body !== 'object' || Array.isArray(body) || ArrayBuffer.isView(body)) return false;
  for (const _ in body) return false;
  return true;
}

/**
 * Log attributes that repeat a resource attribute with the same value. Loki indexes resource
 * attributes (`index_label`) and would store such a log attribute a second time, renamed
 * `<name>_extracted`; sending it once, on the resource, avoids the clash.
 */
function repeatsResource(record: LogRecordLike, key: string, value: unknown): boolean {
  const resource = record.resource?.attributes;
  return resource !== undefined && key in resource && resource[key] === value;
}

/**
 * The record as it goes on the wire: the event name also as the `event.name` attribute, no log
 * attribute that repeats the resource, and a body that is never empty (a feedback record's empty
 * map becomes `{"event":"ml.feedback"}`, so Loki stores a line that says what it is). The record
 * itself is not changed: it is shared with other exporters; the view inherits every other field.
 */
export function wireRecord(record: LogRecordLike): LogRecordLike {
  const eventName = record.eventName;
  const view = Object.create(record) as LogRecordLike;
  const attributes: Record<string, unknown> = {};
  for (const key in record.attributes) {
    const value = record.attributes[key];
    if (!repeatsResource(record, key, value)) attributes[key] = value;
  }
  if (eventName !== undefined && attributes[EVENT_NAME_ATTRIBUTE] === undefined) {
    attributes[EVENT_NAME_ATTRIBUTE] = eventName;
  }
  Object.defineProperty(view, 'attributes', { value: attributes, enumerable: true });
  if (isEmptyBody(record.body)) {
    Object.defineProperty(view, 'body', { value: { event: eventName ?? 'log' }, enumerable: true });
  }
  return view;
}
