/**
 * The protobuf wire format, read without a schema: enough to walk Loki's PushRequest and OTLP's
 * ExportLogsServiceRequest by field number. Written here rather than reusing an encoder's own code, so
 * a bug in an exporter's encoding cannot hide itself from the test. Throws on malformed input.
 */

export type WireField =
  | { readonly field: number; readonly kind: 'varint'; readonly value: bigint }
  | { readonly field: number; readonly kind: 'fixed64' | 'fixed32' | 'bytes'; readonly bytes: Buffer };

function readVarint(buffer: Buffer, start: number): { value: bigint; next: number } {
  let value = 0n;
  let shift = 0n;
  for (let at = start; at < buffer.length && shift < 70n; at++) {
    const byte = buffer[at] as number;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value, next: at + 1 };
    shift += 7n;
  }
  throw new Error(`malformed varint at byte ${start}`);
}

function take(buffer: Buffer, start: number, length: number): Buffer {
  if (length < 0 || start + length > buffer.length)
    throw new Error(`field at byte ${start} runs past the end`);
  return buffer.subarray(start, start + length);
}

/** The fields of one message, in wire order. */
export function readFields(buffer: Buffer): WireField[] {
  const fields: WireField[] = [];
  let at = 0;
  while (at < buffer.length) {
    const tag = readVarint(buffer, at);
    at = tag.next;
    const field = Number(tag.value >> 3n);
    const wireType = Number(tag.value & 7n);
    if (wireType === 0) {
      const varint = readVarint(buffer, at);
      fields.push({ field, kind: 'varint', value: varint.value });
      at = varint.next;
    } else if (wireType === 1 || wireType === 5) {
      const size = wireType === 1 ? 8 : 4;
      fields.push({ field, kind: wireType === 1 ? 'fixed64' : 'fixed32', bytes: take(buffer, at, size) });
      at += size;
    } else if (wireType === 2) {
      const length = readVarint(buffer, at);
      at = length.next;
      fields.push({ field, kind: 'bytes', bytes: take(buffer, at, Number(length.value)) });
      at += Number(length.value);
    } else {
      throw new Error(`unsupported wire type ${wireType} at byte ${at}`);
    }
  }
  return fields;
}

/** The length-delimited values of `field` (sub-messages, strings, bytes). */
export function bytesOf(fields: readonly WireField[], field: number): Buffer[] {
  const out: Buffer[] = [];
  for (const f of fields) if (f.field === field && f.kind === 'bytes') out.push(f.bytes);
  return out;
}

/** The last string value of `field` (proto3: the last one wins), or undefined. */
export function stringOf(fields: readonly WireField[], field: number): string | undefined {
  return bytesOf(fields, field).at(-1)?.toString('utf8');
}
