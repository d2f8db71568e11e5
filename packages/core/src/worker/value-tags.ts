/**
 * The tagged binary form of a captured value, shared by the encoder (serving thread) and the decoder
 * (pipeline worker). One tag byte, then the tag's fixed payload, little-endian:
 *
 * | tag | payload | decodes to |
 * | --- | --- | --- |
 * | `0x80 \| n` | – | the integer n, 0–127 |
 * | `INT32`, `FLOAT64` | 4 / 8 bytes | a number (-0 travels as FLOAT64) |
 * | `ASCII8`, `UTF8_8` | u8 length, bytes | a string (`ASCII` when every byte is < 0x80) |
 * | `ASCII32`, `UTF8_32` | u32 length, bytes | a string |
 * | `ARRAY` | u32 count, count values | an array (an `undefined` element reads as null) |
 * | `MAP` | (string key, value)… `END` | a plain object (an `undefined` value leaves its key out) |
 * | `BYTES` | u32 length, bytes | a Uint8Array (OTel bodies may hold bytes) |
 * | `TRUNCATED` | u32 chars removed, a string | `<kept>…[truncated N chars]` |
 * | `MORE_ITEMS` | u32 n, as an array's last element | `…[N more items]` |
 * | `MORE_KEYS` | u32 n, in a map's key position | the entry `"…": "N more keys"` |
 * | `SOME_MORE_KEYS` | –, in a map's key position | the entry `"…": "more keys"` (the walk stopped at the limit) |
 * | `RECORD_LIMIT` | –, as a map key or an array's last element | `"…": "[record limit]"` / `"[record limit]"` |
 * | `BIGINT` | a string | a BigInt (only in the scalar fields of a record frame) |
 * | `SHAPE` | u32 shape id, u32 n, then n values, as a map's first entry | the first n keys of that shape (shape-table.ts) with these values |
 * | `BINARY` | f64 byte length | `[binary N bytes]` |
 * | `CIRCULAR`, `DEPTH`, `UNREADABLE`, `NAN`, `INFINITY`, `NEG_INFINITY`, `RAW_DROPPED` | – | their marker string |
 *
 * The markers decode to exactly the values core's in-thread capture (value-capture.ts) produces, so a
 * record reads the same whichever thread finished it. Two keys of one map that come out the same
 * (cut keys, Map keys 1 and "1") are kept apart as `key`, `key #2`, ... as that capture does.
 */

export const T_UNDEFINED = 0x00;
export const T_NULL = 0x01;
export const T_FALSE = 0x02;
export const T_TRUE = 0x03;
export const T_INT32 = 0x04;
export const T_FLOAT64 = 0x05;
export const T_ASCII8 = 0x06;
export const T_ASCII32 = 0x07;
export const T_UTF8_8 = 0x08;
export const T_UTF8_32 = 0x09;
export const T_ARRAY = 0x0a;
export const T_MAP = 0x0b;
export const T_END = 0x0c;
export const T_BYTES = 0x0d;
export const T_TRUNCATED = 0x0e;
export const T_MORE_ITEMS = 0x0f;
export const T_MORE_KEYS = 0x10;
export const T_CIRCULAR = 0x11;
export const T_DEPTH = 0x12;
export const T_UNREADABLE = 0x13;
export const T_BINARY = 0x14;
export const T_NAN = 0x15;
export const T_INFINITY = 0x16;
export const T_NEG_INFINITY = 0x17;
export const T_RAW_DROPPED = 0x19;
export const T_SOME_MORE_KEYS = 0x1a;
export const T_RECORD_LIMIT = 0x1b;
export const T_BIGINT = 0x1c;
export const T_SHAPE = 0x1d;
/** Tags from here up carry a small non-negative integer in their low 7 bits. */
export const T_SMALL_INT = 0x80;

export const RECORD_LIMIT_TEXT = '[record limit]';
export const RAW_INPUT_DROPPED_MARKER = '[raw_input dropped: record over maxRecordBytes]';

export function truncatedText(kept: string, removedChars: number): string {
  return `${kept}…[truncated ${removedChars} chars]`;
}

export function moreItemsText(n: number): string {
  return `…[${n} more items]`;
}

export const MORE_KEYS_KEY = '…';

export function moreKeysText(n: number): string {
  return `${n} more keys`;
}

export const SOME_MORE_KEYS_TEXT = 'more keys';

export function binaryText(byteLength: number): string {
  return `[binary ${byteLength} bytes]`;
}

/**
 * Node's Buffer methods without the encoding switch of `write()`/`toString()`: present in every Node
 * line predlog supports, though undocumented (test/worker/value-codec.test.ts checks they exist).
 */
export interface BufferFastPaths {
  utf8Write(text: string, offset: number, maxBytes: number): number;
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}
