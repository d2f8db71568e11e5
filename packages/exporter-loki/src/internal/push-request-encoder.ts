import type { StreamSegment } from './batch-planner.ts';
import { timestampSize, varintSize } from './line-encoder.ts';

/**
 * Encodes Loki's `logproto.PushRequest` (pkg/push/push.proto) by hand. The schema is tiny and
 * writing it directly into one exactly-sized Buffer costs a fraction of a generic protobuf library
 * (no message objects, no growing buffer), with no runtime dependency:
 *
 *   PushRequest      { repeated StreamAdapter streams = 1; }
 *   StreamAdapter    { string labels = 1; repeated EntryAdapter entries = 2; }
 *   EntryAdapter     { Timestamp timestamp = 1; string line = 2; repeated LabelPairAdapter structuredMetadata = 3; }
 *   LabelPairAdapter { string name = 1; string value = 2; }
 *   Timestamp        { int64 seconds = 1; int32 nanos = 2; }
 */

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;

function tag(field: number, wireType: number): number {
  return (field << 3) | wireType;
}

const TAG_STREAMS = tag(1, WIRE_LENGTH_DELIMITED);
const TAG_LABELS = tag(1, WIRE_LENGTH_DELIMITED);
const TAG_ENTRIES = tag(2, WIRE_LENGTH_DELIMITED);
const TAG_TIMESTAMP = tag(1, WIRE_LENGTH_DELIMITED);
const TAG_LINE = tag(2, WIRE_LENGTH_DELIMITED);
const TAG_METADATA = tag(3, WIRE_LENGTH_DELIMITED);
const TAG_SECONDS = tag(1, WIRE_VARINT);
const TAG_NANOS = tag(2, WIRE_VARINT);
const TAG_NAME = tag(1, WIRE_LENGTH_DELIMITED);
const TAG_VALUE = tag(2, WIRE_LENGTH_DELIMITED);

/**
 * Writes protobuf fields into a Buffer allocated to the exact size of the message, with memory of its
 * own (never a slice of Node's shared pool), so it can be transferred to the compression worker.
 */
class ProtobufWriter {
  readonly buffer: Buffer;
  pos = 0;

  constructor(size: number) {
    this.buffer = Buffer.allocUnsafeSlow(size);
  }

  byte(value: number): void {
    this.buffer[this.pos++] = value;
  }

  varint(value: number): void {
    const buffer = this.buffer;
    let v = value;
    while (v >= 0x80) {
      buffer[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    buffer[this.pos++] = v;
  }

  /** A length-delimited string whose UTF-8 length the caller already knows. */
  string(value: string, bytes: number): void {
    this.varint(bytes);
    this.pos += this.buffer.write(value, this.pos, bytes, 'utf8');
  }
}

/** The request's streams as one protobuf message (uncompressed). */
export function encodePushRequest(streams: readonly StreamSegment[]): Buffer {
  const streamSizes = new Array<number>(streams.length);
  let total = 0;
  for (let i = 0; i < streams.length; i++) {
    const stream = streams[i] as StreamSegment;
    let size = 1 + varintSize(stream.labelBytes) + stream.labelBytes;
    for (const entry of stream.entries) size += 1 + varintSize(entry.size) + entry.size;
    streamSizes[i] = size;
    total += 1 + varintSize(size) + size;
  }
  const w = new ProtobufWriter(total);
  for (let i = 0; i < streams.length; i++) {
    const stream = streams[i] as StreamSegment;
    w.byte(TAG_STREAMS);
    w.varint(streamSizes[i] as number);
    w.byte(TAG_LABELS);
    w.string(stream.labels, stream.labelBytes);
    for (const entry of stream.entries) {
      w.byte(TAG_ENTRIES);
      w.varint(entry.size);
      const { seconds, nanos } = entry;
      w.byte(TAG_TIMESTAMP);
      w.varint(timestampSize(seconds, nanos));
      if (seconds !== 0) {
        w.byte(TAG_SECONDS);
        w.varint(seconds);
      }
      if (nanos !== 0) {
        w.byte(TAG_NANOS);
        w.varint(nanos);
      }
      w.byte(TAG_LINE);
      w.string(entry.line, entry.lineBytes);
      const metadata = entry.metadata;
      if (metadata !== undefined) {
        for (let m = 0; m < metadata.length; m += 2) {
          const name = metadata[m] as string;
          const value = metadata[m + 1] as string;
          const nameBytes = Buffer.byteLength(name);
          const valueBytes = Buffer.byteLength(value);
          w.byte(TAG_METADATA);
          w.varint(1 + varintSize(nameBytes) + nameBytes + 1 + varintSize(valueBytes) + valueBytes);
          w.byte(TAG_NAME);
          w.string(name, nameBytes);
          w.byte(TAG_VALUE);
          w.string(value, valueBytes);
        }
      }
    }
  }
  if (w.pos !== total) {
    // Only a size computation out of step with the writer could cause this; never send a corrupt body.
    throw new Error(`push request encoding wrote ${w.pos} of ${total} bytes`);
  }
  return w.buffer;
}
