import {
  type AnyValue,
  type Attributes,
  createTraceState,
  type HrTime,
  type SpanContext,
} from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import { type LogRecordLike, PredlogLogRecord } from '../log-record.ts';

/** Format version written in every segment header; a reader refuses versions it does not know. */
export const SPILL_FORMAT_VERSION = 1;

/** First line of a segment file. */
export interface SpillHeader {
  predlog: 'spill';
  version: number;
  exporter: string;
  created: string;
  pid: number;
}

export function encodeSpillHeader(exporter: string, nowMs: number): string {
  const header: SpillHeader = {
    predlog: 'spill',
    version: SPILL_FORMAT_VERSION,
    exporter,
    created: new Date(nowMs).toISOString(),
    pid: process.pid,
  };
  return `${JSON.stringify(header)}\n`;
}

/** The header's fields, or `undefined` when the line is not a spill header this version can read. */
export function decodeSpillHeader(line: string): SpillHeader | undefined {
  try {
    const value = JSON.parse(line) as Partial<SpillHeader> | null;
    if (value === null || typeof value !== 'object' || value.predlog !== 'spill') return undefined;
    if (value.version !== SPILL_FORMAT_VERSION || typeof value.exporter !== 'string') return undefined;
    return value as SpillHeader;
  } catch {
    return undefined;
  }
}

/** One record as a line: every field a `ReadableLogRecord` has, plus predlog's own. */
interface SpillLine {
  time: HrTime;
  observed: HrTime;
  event?: string;
  severityNumber?: number;
  severityText?: string;
  attributes: Attributes;
  body?: AnyValue;
  span?: { traceId: string; spanId: string; traceFlags: number; isRemote?: boolean; traceState?: string };
  resource: { attributes: Attributes; schemaUrl?: string };
  scope: { name: string; version?: string; schemaUrl?: string; attributes?: Attributes };
  droppedAttributes?: number;
  approxBytes: number;
  jsonSafe: boolean;
  /** Values JSON cannot carry are wrapped as `{"$predlog":kind,"v":…}` (only then, so a user's key never collides). */
  tagged?: true;
}

const TAG = '$predlog';

/** Resources and scopes are shared by many records; each is serialised once. */
const resourceJson = new WeakMap<Resource, string>();
const scopeJson = new WeakMap<object, string>();

function resourceText(resource: Resource): string {
  let text = resourceJson.get(resource);
  if (text === undefined) {
    const value: SpillLine['resource'] = { attributes: toJsonSafe(resource.attributes) as Attributes };
    if (resource.schemaUrl !== undefined) value.schemaUrl = resource.schemaUrl;
    text = JSON.stringify(value);
    resourceJson.set(resource, text);
  }
  return text;
}

function scopeText(scope: LogRecordLike['instrumentationScope']): string {
  let text = scopeJson.get(scope);
  if (text === undefined) {
    const value: SpillLine['scope'] = { name: scope.name };
    if (scope.version !== undefined) value.version = scope.version;
    if (scope.schemaUrl !== undefined) value.schemaUrl = scope.schemaUrl;
    const attributes = (scope as { attributes?: Attributes }).attributes;
    if (attributes !== undefined) value.attributes = toJsonSafe(attributes) as Attributes;
    text = JSON.stringify(value);
    scopeJson.set(scope, text);
  }
  return text;
}

/**
 * One record as one JSON line (newline included). Records captured by predlog are `jsonSafe` and are
 * written as they are; anything else goes through `toJsonSafe`, which wraps bigint, binary data and
 * non-finite numbers so they come back as they were.
 */
export function encodeSpillRecord(record: LogRecordLike): string {
  const safe = (record as { jsonSafe?: boolean }).jsonSafe === true;
  const line: Omit<SpillLine, 'resource' | 'scope'> = {
    time: record.hrTime,
    observed: record.hrTimeObserved,
    attributes: safe ? record.attributes : (toJsonSafe(record.attributes) as Attributes),
    approxBytes: (record as { approxBytes?: number }).approxBytes ?? 512,
    jsonSafe: safe,
  };
  if (record.eventName !== undefined) line.event = record.eventName;
  if (record.severityNumber !== undefined) line.severityNumber = record.severityNumber;
  if (record.severityText !== undefined) line.severityText = record.severityText;
  if (record.body !== undefined) line.body = safe ? record.body : (toJsonSafe(record.body) as AnyValue);
  const span = record.spanContext;
  if (span !== undefined) {
    const encoded: NonNullable<SpillLine['span']> = {
      traceId: span.traceId,
      spanId: span.spanId,
      traceFlags: span.traceFlags,
    };
    if (span.isRemote !== undefined) encoded.isRemote = span.isRemote;
    if (span.traceState !== undefined) encoded.traceState = span.traceState.serialize();
    line.span = encoded;
  }
  if (record.droppedAttributesCount > 0) line.droppedAttributes = record.droppedAttributesCount;
  if (!safe) line.tagged = true;
  const text = JSON.stringify(line);
  // Spliced rather than re-serialised: resource and scope are the same for most records of a batch.
  return `{"resource":${resourceText(record.resource)},"scope":${scopeText(record.instrumentationScope)},${text.slice(1)}\n`;
}

/** Rebuilds records; records of one segment with the same resource share one `Resource` object. */
export class SpillDecoder {
  private readonly resources = new Map<string, Resource>();
  private readonly scopes = new Map<string, InstrumentationScope>();

  /** The record on `line`, or `undefined` when the line is not a complete record. */
  decode(line: string): PredlogLogRecord | undefined {
    try {
      return this.build(JSON.parse(line));
    } catch {
      // Not JSON (a torn or damaged line), or a tagged value that does not decode.
      return undefined;
    }
  }

  private build(value: unknown): PredlogLogRecord | undefined {
    if (!isSpillLine(value)) return undefined;
    const tagged = value.tagged === true;
    const record = new PredlogLogRecord({
      hrTime: value.time,
      hrTimeObserved: value.observed,
      resource: this.resource(value.resource),
      instrumentationScope: this.scope(value.scope),
      attributes: (tagged ? fromJsonSafe(value.attributes) : value.attributes) as Attributes,
      ...(value.body !== undefined
        ? { body: (tagged ? fromJsonSafe(value.body) : value.body) as AnyValue }
        : {}),
      ...(value.event !== undefined ? { eventName: value.event } : {}),
      ...(value.severityNumber !== undefined ? { severityNumber: value.severityNumber } : {}),
      ...(value.severityText !== undefined ? { severityText: value.severityText } : {}),
      ...(value.span !== undefined ? { spanContext: spanContext(value.span) } : {}),
      approxBytes: value.approxBytes,
      jsonSafe: value.jsonSafe,
    });
    if (value.droppedAttributes !== undefined) record.droppedAttributesCount = value.droppedAttributes;
    return record;
  }

  private resource(value: SpillLine['resource']): Resource {
    const key = JSON.stringify(value);
    let resource = this.resources.get(key);
    if (resource === undefined) {
      resource = resourceFromAttributes(
        value.attributes,
        value.schemaUrl === undefined ? undefined : { schemaUrl: value.schemaUrl },
      );
      this.resources.set(key, resource);
    }
    return resource;
  }

  private scope(value: SpillLine['scope']): InstrumentationScope {
    const key = JSON.stringify(value);
    let scope = this.scopes.get(key);
    if (scope === undefined) {
      scope = { ...value };
      this.scopes.set(key, scope);
    }
    return scope;
  }
}

function spanContext(span: NonNullable<SpillLine['span']>): SpanContext {
  const context: SpanContext = { traceId: span.traceId, spanId: span.spanId, traceFlags: span.traceFlags };
  if (span.isRemote !== undefined) context.isRemote = span.isRemote;
  if (span.traceState !== undefined) context.traceState = createTraceState(span.traceState);
  return context;
}

function isHrTime(value: unknown): value is HrTime {
  return (
    Array.isArray(value) && value.length === 2 && typeof value[0] === 'number' && typeof value[1] === 'number'
  );
}

function isSpillLine(value: unknown): value is SpillLine {
  if (value === null || typeof value !== 'object') return false;
  const line = value as Partial<SpillLine>;
  return (
    isHrTime(line.time) &&
    isHrTime(line.observed) &&
    line.attributes !== null &&
    typeof line.attributes === 'object' &&
    line.resource !== null &&
    typeof line.resource === 'object' &&
    line.scope !== null &&
    typeof line.scope === 'object' &&
    typeof line.scope.name === 'string' &&
    typeof line.approxBytes === 'number' &&
    typeof line.jsonSafe === 'boolean'
  );
}

/**
 * A copy JSON can carry exactly: bigint, binary data (any ArrayBuffer view) and non-finite numbers
 * become tagged objects that `fromJsonSafe` turns back; a cycle becomes `"[Circular]"`; `toJSON`
 * (Date...) is honoured as `JSON.stringify` would.
 */
function toJsonSafe(value: unknown, seen: Set<object> = new Set()): unknown {
  if (typeof value === 'bigint') return { [TAG]: 'bigint', v: value.toString() };
  if (typeof value === 'number')
    return Number.isFinite(value) ? value : { [TAG]: 'number', v: String(value) };
  if (value === null || typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value)) {
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    return { [TAG]: 'bytes', v: bytes.toString('base64') };
  }
  if (seen.has(value)) return '[Circular]';
  const toJson = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJson === 'function') {
    try {
      return toJsonSafe((toJson as () => unknown).call(value), seen);
    } catch {
      return '[Unserializable]';
    }
  }
  seen.add(value);
  let out: unknown;
  if (Array.isArray(value)) out = value.map((item) => toJsonSafe(item, seen));
  else {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value))
      copy[key] = toJsonSafe((value as Record<string, unknown>)[key], seen);
    // A map of the caller's that happens to use the tag key is wrapped, so it is never read as a tag.
    out = Object.hasOwn(copy, TAG) ? { [TAG]: 'map', v: copy } : copy;
  }
  seen.delete(value);
  return out;
}

function fromJsonSafe(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(fromJsonSafe);
  const object = value as Record<string, unknown>;
  const kind = object[TAG];
  if (typeof kind === 'string' && Object.keys(object).length === 2) {
    const v = object.v;
    if (kind === 'map' && v !== null && typeof v === 'object')
      return mapFromJsonSafe(v as Record<string, unknown>);
    if (typeof v === 'string') {
      if (kind === 'bigint') return BigInt(v);
      if (kind === 'number') return Number(v);
      if (kind === 'bytes') return new Uint8Array(Buffer.from(v, 'base64'));
    }
  }
  return mapFromJsonSafe(object);
}

function mapFromJsonSafe(object: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(object)) copy[key] = fromJsonSafe(object[key]);
  return copy;
}
