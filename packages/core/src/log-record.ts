import type { AnyValue, Attributes, HrTime, SeverityNumber, SpanContext } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableLogRecord, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { LogRecordParts } from '@predlog/schema';

/**
 * The record that flows through predlog's processors and exporters once it has crossed the async
 * boundary. It satisfies OTel's `ReadWriteLogRecord` (and so `ReadableLogRecord`), which is what lets
 * every predlog processor and exporter also run inside a plain OTel `LoggerProvider`, and the stock
 * OTLP exporters consume predlog's records unchanged.
 *
 * Attributes and body are plain objects that processors may mutate in place; the body of a predlog
 * record is a map (`input_features`, `raw_input`, `prediction`, ...).
 */
export class PredlogLogRecord implements ReadWriteLogRecord {
  hrTime: HrTime;
  hrTimeObserved: HrTime;
  spanContext?: SpanContext;
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
  readonly attributes: Attributes;
  severityText?: string;
  severityNumber?: SeverityNumber;
  body?: AnyValue;
  eventName?: string;
  droppedAttributesCount = 0;
  /**
   * Approximate serialised size in bytes, measured while the value was captured (no serialisation).
   * Export queues batch by it; processors that grow or shrink a record need not keep it exact.
   */
  approxBytes: number;
  /**
   * True when every value was captured by predlog (façade or `logRecordProcessor()`), so it holds
   * only what JSON carries as-is; exporters may then skip their own check for bigint, binary data and
   * cycles. Processors must keep it true: they only ever add strings, numbers, booleans and maps.
   */
  jsonSafe: boolean;

  constructor(init: {
    hrTime: HrTime;
    hrTimeObserved?: HrTime;
    resource: Resource;
    instrumentationScope: InstrumentationScope;
    attributes: Attributes;
    body?: AnyValue;
    eventName?: string;
    spanContext?: SpanContext;
    severityNumber?: SeverityNumber;
    severityText?: string;
    approxBytes?: number;
    jsonSafe?: boolean;
  }) {
    this.hrTime = init.hrTime;
    this.hrTimeObserved = init.hrTimeObserved ?? init.hrTime;
    this.resource = init.resource;
    this.instrumentationScope = init.instrumentationScope;
    this.attributes = init.attributes;
    this.body = init.body;
    this.eventName = init.eventName;
    this.approxBytes = init.approxBytes ?? 512;
    this.jsonSafe = init.jsonSafe ?? false;
    if (init.spanContext !== undefined) this.spanContext = init.spanContext;
    if (init.severityNumber !== undefined) this.severityNumber = init.severityNumber;
    if (init.severityText !== undefined) this.severityText = init.severityText;
  }

  /**
   * A record with `source`'s envelope (times, resource, scope, event name, span, severity) and the
   * given content; used wherever a record is copied (a second pipeline, a foreign OTel record).
   */
  static withEnvelopeOf(
    source: ReadableLogRecord,
    content: { attributes: Attributes; body: AnyValue | undefined; approxBytes: number; jsonSafe: boolean },
  ): PredlogLogRecord {
    const record = new PredlogLogRecord({
      hrTime: source.hrTime,
      hrTimeObserved: source.hrTimeObserved,
      resource: source.resource,
      instrumentationScope: source.instrumentationScope,
      attributes: content.attributes,
      body: content.body,
      approxBytes: content.approxBytes,
      jsonSafe: content.jsonSafe,
    });
    if (source.eventName !== undefined) record.eventName = source.eventName;
    if (source.spanContext !== undefined) record.spanContext = source.spanContext;
    if (source.severityNumber !== undefined) record.severityNumber = source.severityNumber;
    if (source.severityText !== undefined) record.severityText = source.severityText;
    return record;
  }

  setAttribute(key: string, value?: AnyValue): this {
    // Attributes is typed for flat values; OTel logs allow AnyValue (maps, arrays) as attribute values.
    (this.attributes as Record<string, unknown>)[key] = value;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    Object.assign(this.attributes, attributes);
    return this;
  }

  setBody(body: AnyValue): this {
    this.body = body;
    return this;
  }

  setEventName(eventName: string): this {
    this.eventName = eventName;
    return this;
  }

  setSeverityNumber(severityNumber: SeverityNumber): this {
    this.severityNumber = severityNumber;
    return this;
  }

  setSeverityText(severityText: string): this {
    this.severityText = severityText;
    return this;
  }
}

/** Any record a processor or exporter may see: predlog's own, or one from an OTel SDK logger. */
export type LogRecordLike = ReadWriteLogRecord;

/** Reads a record as schema-level parts (epoch-ms time, attributes, body map, trace ids). */
export function toLogRecordParts(record: ReadableLogRecord): LogRecordParts {
  const body = record.body;
  const parts: LogRecordParts = {
    eventName: record.eventName ?? 'log',
    timeUnixMs: record.hrTime[0] * 1000 + record.hrTime[1] / 1e6,
    attributes: record.attributes as Record<string, unknown>,
    body:
      body !== null && typeof body === 'object' && !Array.isArray(body) && !(body instanceof Uint8Array)
        ? (body as Record<string, unknown>)
        : body === undefined
          ? {}
          : { message: body },
  };
  const span = record.spanContext;
  if (span !== undefined) {
    parts.traceId = span.traceId;
    parts.spanId = span.spanId;
  }
  return parts;
}

/** Converts epoch milliseconds (fractional allowed) to OTel's [seconds, nanoseconds]. */
export function millisToHrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}
