import { gunzipSync } from 'node:zlib';
import { uncompress } from 'snappyjs';
import type { CapturedRequest } from './capturing-receiver.ts';
import { lokiJsonEntries, lokiProtobufEntries } from './loki-push-entries.ts';
import { otlpJsonRecords, otlpProtobufRecords } from './otlp-log-records.ts';

/** One captured request at every layer a value could be read from. */
export interface CapturedContent {
  /** The body as it crossed the wire. */
  readonly raw: Buffer;
  /** After snappy or gzip: the bytes the encoder produced. */
  readonly decompressed: Buffer;
  /**
   * Every decoded value as text: Loki labels, lines and structured metadata; OTLP resource, event
   * name, attributes and body as JSON (numbers, which protobuf stores as binary, included).
   */
  readonly decoded: string;
  /** Loki entries or OTLP log records in the request. */
  readonly records: number;
}

/** Decodes a Loki push as Loki does: snappy + protobuf for `application/x-protobuf`, JSON otherwise. */
export function lokiContent(request: CapturedRequest): CapturedContent {
  const protobuf = request.headers['content-type'] === 'application/x-protobuf';
  const decompressed = protobuf
    ? Buffer.from(uncompress(request.body))
    : request.headers['content-encoding'] === 'gzip'
      ? gunzipSync(request.body)
      : request.body;
  const entries = protobuf ? lokiProtobufEntries(decompressed) : lokiJsonEntries(decompressed);
  return {
    raw: request.body,
    decompressed,
    decoded: entries.map((e) => `${e.labels}\n${e.line}\n${JSON.stringify(e.metadata)}`).join('\n'),
    records: entries.length,
  };
}

/** Decodes an OTLP/HTTP logs export as a collector does, by content type and encoding. */
export function otlpContent(request: CapturedRequest): CapturedContent {
  const decompressed =
    request.headers['content-encoding'] === 'gzip' ? gunzipSync(request.body) : request.body;
  const records =
    request.headers['content-type'] === 'application/x-protobuf'
      ? otlpProtobufRecords(decompressed)
      : otlpJsonRecords(decompressed);
  return {
    raw: request.body,
    decompressed,
    decoded: records.map((r) => JSON.stringify(r)).join('\n'),
    records: records.length,
  };
}
