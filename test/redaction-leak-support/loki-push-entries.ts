import { bytesOf, readFields, stringOf } from './protobuf-wire.ts';

/** What a Loki entry carries that could hold a value: its stream's labels, its line and its metadata. */
export interface LokiEntryContent {
  labels: string;
  line: string;
  metadata: Record<string, string>;
}

// Field numbers from Loki's push.proto (logproto.PushRequest).
const REQUEST_STREAMS = 1;
const STREAM_LABELS = 1;
const STREAM_ENTRIES = 2;
const ENTRY_LINE = 2;
const ENTRY_STRUCTURED_METADATA = 3;
const PAIR_NAME = 1;
const PAIR_VALUE = 2;

/** Every entry of a PushRequest (after snappy decompression). */
export function lokiProtobufEntries(body: Buffer): LokiEntryContent[] {
  return bytesOf(readFields(body), REQUEST_STREAMS).flatMap((streamBytes) => {
    const stream = readFields(streamBytes);
    const labels = stringOf(stream, STREAM_LABELS) ?? '';
    return bytesOf(stream, STREAM_ENTRIES).map((entryBytes) => {
      const entry = readFields(entryBytes);
      const metadata: Record<string, string> = {};
      for (const pair of bytesOf(entry, ENTRY_STRUCTURED_METADATA)) {
        const fields = readFields(pair);
        metadata[stringOf(fields, PAIR_NAME) ?? ''] = stringOf(fields, PAIR_VALUE) ?? '';
      }
      return { labels, line: stringOf(entry, ENTRY_LINE) ?? '', metadata };
    });
  });
}

/** Every entry of a JSON push (after gzip decompression, when used). */
export function lokiJsonEntries(body: Buffer): LokiEntryContent[] {
  const push = JSON.parse(body.toString('utf8')) as {
    streams: Array<{
      stream: Record<string, string>;
      values: Array<[string, string, Record<string, string>?]>;
    }>;
  };
  return push.streams.flatMap((stream) =>
    stream.values.map(([, line, metadata]) => ({
      labels: JSON.stringify(stream.stream),
      line,
      metadata: metadata ?? {},
    })),
  );
}
