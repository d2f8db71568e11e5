import { bytesOf, readFields, stringOf, type WireField } from './protobuf-wire.ts';

/** What an OTLP log record carries that could hold a value: its resource, event name, attributes and body. */
export interface OtlpLogContent {
  resource: Record<string, unknown>;
  eventName: string | undefined;
  attributes: Record<string, unknown>;
  body: unknown;
}

// Field numbers from opentelemetry/proto (collector/logs/v1, logs/v1, common/v1, resource/v1).
const REQUEST_RESOURCE_LOGS = 1;
const RESOURCE_LOGS_RESOURCE = 1;
const RESOURCE_LOGS_SCOPE_LOGS = 2;
const RESOURCE_ATTRIBUTES = 1;
const SCOPE_LOGS_LOG_RECORDS = 2;
const LOG_RECORD_BODY = 5;
const LOG_RECORD_ATTRIBUTES = 6;
const LOG_RECORD_EVENT_NAME = 12;
const KEY_VALUE_KEY = 1;
const KEY_VALUE_VALUE = 2;
const LIST_VALUES = 1;

/** An AnyValue message as a plain value; int64 becomes a JS number, as the SDK's number was. */
function protobufAnyValue(fields: readonly WireField[]): unknown {
  const last = fields.at(-1);
  if (last === undefined) return null;
  switch (last.field) {
    case 1:
      return stringOf(fields, 1);
    case 2:
      return last.kind === 'varint' && last.value !== 0n;
    case 3:
      return last.kind === 'varint' ? Number(BigInt.asIntN(64, last.value)) : null;
    case 4:
      return last.kind === 'fixed64' ? last.bytes.readDoubleLE(0) : null;
    case 5:
      return bytesOf(fields, 5).flatMap((array) =>
        bytesOf(readFields(array), LIST_VALUES).map((v) => protobufAnyValue(readFields(v))),
      );
    case 6:
      return protobufKeyValues(
        bytesOf(readFields(bytesOf(fields, 6).at(-1) ?? Buffer.alloc(0)), LIST_VALUES),
      );
    case 7:
      return { bytes: bytesOf(fields, 7).at(-1)?.toString('base64') };
    default:
      throw new Error(`unknown AnyValue field ${last.field}`);
  }
}

function protobufKeyValues(list: readonly Buffer[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list) {
    const fields = readFields(kv);
    const value = bytesOf(fields, KEY_VALUE_VALUE).at(-1);
    out[stringOf(fields, KEY_VALUE_KEY) ?? ''] =
      value === undefined ? null : protobufAnyValue(readFields(value));
  }
  return out;
}

/** Every log record of an `application/x-protobuf` ExportLogsServiceRequest (uncompressed). */
export function otlpProtobufRecords(body: Buffer): OtlpLogContent[] {
  const records: OtlpLogContent[] = [];
  for (const resourceLogs of bytesOf(readFields(body), REQUEST_RESOURCE_LOGS)) {
    const rl = readFields(resourceLogs);
    const resourceBytes = bytesOf(rl, RESOURCE_LOGS_RESOURCE).at(-1);
    const resource =
      resourceBytes === undefined
        ? {}
        : protobufKeyValues(bytesOf(readFields(resourceBytes), RESOURCE_ATTRIBUTES));
    for (const scopeLogs of bytesOf(rl, RESOURCE_LOGS_SCOPE_LOGS)) {
      for (const logRecord of bytesOf(readFields(scopeLogs), SCOPE_LOGS_LOG_RECORDS)) {
        const lr = readFields(logRecord);
        const body = bytesOf(lr, LOG_RECORD_BODY).at(-1);
        records.push({
          resource,
          eventName: stringOf(lr, LOG_RECORD_EVENT_NAME),
          attributes: protobufKeyValues(bytesOf(lr, LOG_RECORD_ATTRIBUTES)),
          body: body === undefined ? undefined : protobufAnyValue(readFields(body)),
        });
      }
    }
  }
  return records;
}

type Json = Record<string, unknown>;

function jsonAnyValue(value: Json | undefined): unknown {
  if (value === undefined) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('bytesValue' in value) return { bytes: value.bytesValue };
  if ('arrayValue' in value)
    return (((value.arrayValue as Json | undefined)?.values ?? []) as Json[]).map(jsonAnyValue);
  if ('kvlistValue' in value)
    return jsonKeyValues(((value.kvlistValue as Json | undefined)?.values ?? []) as Json[]);
  return null;
}

function jsonKeyValues(list: readonly Json[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) out[String(kv.key)] = jsonAnyValue(kv.value as Json | undefined);
  return out;
}

/** Every log record of an `application/json` ExportLogsServiceRequest (uncompressed). */
export function otlpJsonRecords(body: Buffer): OtlpLogContent[] {
  const request = JSON.parse(body.toString('utf8')) as { resourceLogs?: Json[] };
  return (request.resourceLogs ?? []).flatMap((rl) => {
    const resource = jsonKeyValues((rl.resource as Json | undefined)?.attributes as Json[] | undefined);
    return ((rl.scopeLogs ?? []) as Json[]).flatMap((sl) =>
      ((sl.logRecords ?? []) as Json[]).map((lr) => ({
        resource,
        eventName: lr.eventName === undefined ? undefined : String(lr.eventName),
        attributes: jsonKeyValues(lr.attributes as Json[] | undefined),
        body: jsonAnyValue(lr.body as Json | undefined),
      })),
    );
  });
}
