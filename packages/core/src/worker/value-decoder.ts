import { CIRCULAR_MARKER, DEPTH_MARKER, UNREADABLE_MARKER } from '../internal/value-capture.ts';
import type { ShapeReader } from './shape-table.ts';
import {
  type BufferFastPaths,
  binaryText,
  MORE_KEYS_KEY,
  moreItemsText,
  moreKeysText,
  RAW_INPUT_DROPPED_MARKER,
  RECORD_LIMIT_TEXT,
  SOME_MORE_KEYS_TEXT,
  T_ARRAY,
  T_ASCII8,
  T_ASCII32,
  T_BIGINT,
  T_BINARY,
  T_BYTES,
  T_CIRCULAR,
  T_DEPTH,
  T_END,
  T_FALSE,
  T_FLOAT64,
  T_INFINITY,
  T_INT32,
  T_MAP,
  T_MORE_ITEMS,
  T_MORE_KEYS,
  T_NAN,
  T_NEG_INFINITY,
  T_NULL,
  T_RAW_DROPPED,
  T_RECORD_LIMIT,
  T_SHAPE,
  T_SMALL_INT,
  T_SOME_MORE_KEYS,
  T_TRUE,
  T_TRUNCATED,
  T_UNDEFINED,
  T_UNREADABLE,
  T_UTF8_8,
  T_UTF8_32,
  truncatedText,
} from './value-tags.ts';

/** `key #2`, `key #3`...: two keys of one map that came out the same (cut keys, Map keys 1 and "1"). */
function uniqueKey(out: Record<string, unknown>, key: string): string {
  let n = 2;
  while (Object.hasOwn(out, `${key} #${n}`)) n++;
  return `${key} #${n}`;
}

/** A frame that does not decode (only a bug or corrupted memory could make one). */
export class FrameDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameDecodeError';
  }
}

/**
 * Reads the tagged values ValueEncoder wrote (value-tags.ts) back into plain JS values: the same
 * values core's in-thread capture produces for the same input. Runs in the pipeline worker, reading
 * the ring's shared memory in place; strings come out as fresh flat strings, objects as plain
 * objects (a `__proto__` key stays an own key, as JSON.parse keeps it).
 *
 * Reads stop at `end`; a tag it does not know, or a value running past `end`, throws
 * {@link FrameDecodeError} (the worker counts the frame as corrupt and goes on).
 */
export class ValueDecoder {
  pos = 0;
  private end = 0;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly buffer: BufferFastPaths;
  private readonly shapes: ShapeReader | undefined;

  /** `shapes`: the table the encoder's shape registry publishes to (frames may name its shapes). */
  constructor(memory: { bytes: Uint8Array; view: DataView; buffer: Buffer }, shapes?: ShapeReader) {
    this.shapes = shapes;
    this.bytes = memory.bytes;
    this.view = memory.view;
    this.buffer = memory.buffer as unknown as BufferFastPaths;
  }

  /** Starts reading a frame of `length` bytes at `start`. */
  begin(start: number, length: number): void {
    this.pos = start;
    this.end = start + length;
  }

  /** Bytes left in the frame. */
  get remaining(): number {
    return this.end - this.pos;
  }

  value(): unknown {
    const tag = this.byte();
    if (tag >= T_SMALL_INT) return tag & 0x7f;
    switch (tag) {
      case T_UNDEFINED:
        return undefined;
      case T_NULL:
        return null;
      case T_FALSE:
        return false;
      case T_TRUE:
        return true;
      case T_INT32: {
        this.need(4);
        const v = this.view.getInt32(this.pos, true);
        this.pos += 4;
        return v;
      }
      case T_FLOAT64:
        return this.float64();
      case T_ASCII8:
        return this.latin1(this.byte());
      case T_UTF8_8:
        return this.utf8(this.byte());
      case T_ASCII32:
        return this.latin1(this.uint32());
      case T_UTF8_32:
        return this.utf8(this.uint32());
      case T_ARRAY:
        return this.array();
      case T_MAP:
        return this.map();
      case T_BYTES: {
        const n = this.uint32();
        this.need(n);
        const copy = this.bytes.slice(this.pos, this.pos + n);
        this.pos += n;
        return copy;
      }
      case T_TRUNCATED: {
        const removed = this.uint32();
        const kept = this.value();
        if (typeof kept !== 'string') throw new FrameDecodeError('a truncated string without its text');
        return truncatedText(kept, removed);
      }
      case T_CIRCULAR:
        return CIRCULAR_MARKER;
      case T_DEPTH:
        return DEPTH_MARKER;
      case T_UNREADABLE:
        return UNREADABLE_MARKER;
      case T_BINARY:
        return binaryText(this.float64());
      case T_NAN:
        return 'NaN';
      case T_INFINITY:
        return 'Infinity';
      case T_NEG_INFINITY:
        return '-Infinity';
      case T_RAW_DROPPED:
        return RAW_INPUT_DROPPED_MARKER;
      case T_RECORD_LIMIT:
        return RECORD_LIMIT_TEXT;
      case T_BIGINT: {
        const digits = this.value();
        if (typeof digits !== 'string' || !/^-?\d+$/.test(digits))
          throw new FrameDecodeError('a BigInt without its digits');
        return BigInt(digits);
      }
      default:
        throw new FrameDecodeError(`unknown tag 0x${tag.toString(16)} at offset ${this.pos - 1}`);
    }
  }

  /** The next value, which the writer wrote as a plain float64 (`ValueEncoder.float64`). */
  number(): number {
    const v = this.value();
    if (typeof v !== 'number') throw new FrameDecodeError('expected a number');
    return v;
  }

  /** A u32 the writer wrote untagged (`ValueEncoder.uint32`). */
  uint32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  byte(): number {
    if (this.pos >= this.end) throw new FrameDecodeError('frame ended early');
    return this.bytes[this.pos++] as number;
  }

  private float64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  private latin1(n: number): string {
    this.need(n);
    const start = this.pos;
    this.pos += n;
    return this.buffer.latin1Slice(start, start + n);
  }

  private utf8(n: number): string {
    this.need(n);
    const start = this.pos;
    this.pos += n;
    return this.buffer.utf8Slice(start, start + n);
  }

  private array(): unknown[] {
    const n = this.uint32();
    // Every element takes at least a byte: a count beyond the frame is corruption, not a big array.
    this.need(n);
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      if (this.bytes[this.pos] === T_MORE_ITEMS && this.pos < this.end) {
        this.pos++;
        out[i] = moreItemsText(this.uint32());
        continue;
      }
      const v = this.value();
      out[i] = v === undefined ? null : v;
    }
    return out;
  }

  private map(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.pos < this.end && this.bytes[this.pos] === T_SHAPE) {
      this.pos++;
      const id = this.uint32();
      const n = this.uint32();
      const keys = this.shapes?.keys(id);
      if (keys === undefined || n > keys.length)
        throw new FrameDecodeError(`a map of shape ${id}, which is not published`);
      for (let i = 0; i < n; i++) {
        const v = this.value();
        if (v === undefined) continue;
        const key = keys[i] as string;
        if (key === '__proto__')
          Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
        else out[key] = v;
      }
    }
    for (;;) {
      if (this.pos >= this.end) throw new FrameDecodeError('frame ended early');
      const tag = this.bytes[this.pos];
      if (tag === T_END) {
        this.pos++;
        return out;
      }
      if (tag === T_MORE_KEYS) {
        this.pos++;
        out[MORE_KEYS_KEY] = moreKeysText(this.uint32());
        continue;
      }
      if (tag === T_SOME_MORE_KEYS || tag === T_RECORD_LIMIT) {
        this.pos++;
        out[MORE_KEYS_KEY] = tag === T_RECORD_LIMIT ? RECORD_LIMIT_TEXT : SOME_MORE_KEYS_TEXT;
        continue;
      }
      const read = this.value();
      if (typeof read !== 'string') throw new FrameDecodeError('a map key that is not a string');
      const v = this.value();
      if (v === undefined) continue;
      const key = Object.hasOwn(out, read) ? uniqueKey(out, read) : read;
      if (key === '__proto__')
        Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      else out[key] = v;
    }
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new FrameDecodeError('frame ended early');
  }
}
