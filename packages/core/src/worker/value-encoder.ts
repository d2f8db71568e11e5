import { safeCutLength } from '@predlog/schema';
import { isNumericTypedArray, SANITIZE_KINDS, type SanitizeKind } from '../internal/value-capture.ts';
import type { EncodeTarget } from './encode-target.ts';
import type { ShapeRegistry } from './shape-table.ts';
import {
  type BufferFastPaths,
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
} from './value-tags.ts';

const kind = (name: SanitizeKind): number => SANITIZE_KINDS.indexOf(name);
const K_STRING = kind('string_truncated');
const K_NON_FINITE = kind('non_finite_number');
const K_BIGINT = kind('bigint');
const K_FUNCTION = kind('function_or_symbol');
const K_CIRCULAR = kind('circular');
const K_DEPTH = kind('depth_limit');
const K_ARRAY = kind('array_limit');
const K_KEYS = kind('keys_limit');
const K_BINARY = kind('binary');
const K_DATE = kind('date');
const K_UNREADABLE = kind('unreadable');
const K_FEATURE = kind('feature_not_scalar');
const K_TOO_LARGE = kind('record_too_large');

/** Thrown through the walk when the target has no room: the frame is abandoned, the record dropped. */
export const TARGET_FULL: Error = new Error('encode target full');

/** The capture limits (the names and meaning of core's `CaptureLimits`, logger config keys). */
export interface EncodeLimits {
  maxStringLength: number;
  maxDepth: number;
  maxArrayLength: number;
  maxObjectKeys: number;
  /** Once a frame passes this many bytes, every walk stops at its next entry with a `[record limit]` marker. */
  maxRecordBytes: number;
}

/** Strings up to this length are copied by a JS loop while they are ASCII (cheaper than a native call). */
const SHORT_STRING = 32;
/** Up to this length the UTF-8 size is bounded by 3 bytes a char and fits a u8 length. */
const SMALL_STRING = 85;

/**
 * Writes captured values as tagged bytes (value-tags.ts) straight into an {@link EncodeTarget}, in
 * one walk of the caller's objects, on the caller's thread. The walk applies the capture limits as it
 * goes, with the outcomes of core's in-thread capture (value-capture.ts): strings and keys cut by
 * `safeCut` before a byte is copied, every loop stopped at its limit (a wide object or a long tensor
 * costs what its first items cost), cycles, BigInt, NaN, dates, binary data and typed arrays turned
 * into what JSON can hold, a throwing getter or Proxy trap replaced by `[unreadable]` for that value
 * only. Nothing is allocated per value but the strings a Date or a BigInt has to become.
 *
 * A frame has a byte budget (`maxRecordBytes`): once the frame is past it, every map and list stops
 * at its next entry with a `[record limit]` marker, so the product of the other limits never decides
 * the size; a frame passes the budget by at most one scalar (a string within `maxStringLength`).
 *
 * Never throws to its caller for any input, except {@link TARGET_FULL} (the frame writer's signal to
 * drop the record). Not re-entrant: one frame at a time.
 */
export class ValueEncoder {
  /** How often each SANITIZE_KINDS entry happened, by index (read by the self-metrics). */
  readonly counts: Float64Array = new Float64Array(SANITIZE_KINDS.length);
  /** Nulls (null, undefined, non-finite numbers) in the feature map written last. */
  nullCount = 0;
  /** Absolute index of the frame's first byte and of the next byte to write. */
  base = 0;
  pos = 0;
  private target: EncodeTarget;
  private bytes: Uint8Array;
  private view: DataView;
  private buffer: BufferFastPaths;
  /** The target's limit, as of the last begin()/extend(). */
  private limit = 0;
  /** The frame's byte budget (maxRecordBytes, or what `begin()` was given). */
  private budget: number;
  private readonly stack: object[] = [];
  /** Keys of the objects being walked that no shape matched, offered to the registry at their end. */
  private readonly keyStack: string[] = [];
  private readonly shapes: ShapeRegistry | undefined;
  private readonly maxStringLength: number;
  private readonly maxDepth: number;
  private readonly maxArrayLength: number;
  private readonly maxObjectKeys: number;
  private readonly onFirst: (kind: SanitizeKind) => void;

  /**
   * `onFirst` is called the first time each kind happens (for a one-off diagnostic). With `shapes`,
   * the keys of objects seen before travel as a shape id (the decoder needs the same table).
   */
  constructor(
    limits: EncodeLimits,
    target: EncodeTarget,
    onFirst: (kind: SanitizeKind) => void = () => {},
    shapes?: ShapeRegistry,
  ) {
    this.shapes = shapes;
    this.budget = limits.maxRecordBytes;
    this.maxStringLength = limits.maxStringLength;
    this.maxDepth = limits.maxDepth;
    this.maxArrayLength = limits.maxArrayLength;
    this.maxObjectKeys = limits.maxObjectKeys;
    this.onFirst = onFirst;
    this.target = target;
    this.bytes = target.bytes;
    this.view = target.view;
    this.buffer = target.buffer as unknown as BufferFastPaths;
    this.limit = target.limit;
  }

  /** Starts a frame at `start` in the target, with a byte budget (default `maxRecordBytes`). */
  begin(start: number, budget: number = this.budget): void {
    // Left over only by a frame given up half-way (target full).
    this.keyStack.length = 0;
    this.base = start;
    this.pos = start;
    this.budget = budget;
    this.syncTarget();
  }

  /** Bytes written since `begin()`. */
  get length(): number {
    return this.pos - this.base;
  }

  /** Writes one value as a top-level field (an `undefined` is kept as such). */
  field(v: unknown): void {
    const mark = this.pos - this.base;
    const depth = this.stack.length;
    try {
      this.write(v, 0);
    } catch (error) {
      if (error === TARGET_FULL) throw error;
      // Unreachable by design (object walks catch their own errors); kept so no input can throw.
      this.stack.length = depth;
      this.pos = this.base + mark;
      this.note(K_UNREADABLE);
      this.tag(T_UNREADABLE);
    }
  }

  /**
   * A scalar field of a record (an id, a name, a score): strings cut and counted, numbers kept as
   * they are (NaN included: the reader checks them), a BigInt kept as one; anything else is not
   * read at all and written as null, which every reader check treats as "not a valid value".
   */
  scalar(v: unknown): void {
    switch (typeof v) {
      case 'string':
        this.write(v, 0);
        return;
      case 'number':
        this.float64(v);
        return;
      case 'boolean':
        this.tag(v ? T_TRUE : T_FALSE);
        return;
      case 'undefined':
        this.tag(T_UNDEFINED);
        return;
      case 'bigint':
        this.tag(T_BIGINT);
        this.string(v.toString());
        return;
      default:
        this.tag(T_NULL);
    }
  }

  /** A string as it is, whatever its length (the caller has bounded it: ids, the logger's own settings). */
  exactString(s: string): void {
    this.string(s);
  }

  /** Where the frame is now, to come back to with `rewind()` (relative: a frame may move). */
  mark(): number {
    return this.pos - this.base;
  }

  rewind(mark: number): void {
    this.pos = this.base + mark;
  }

  /**
   * Writes a flat feature map: its first `maxObjectKeys` keys, scalars as they are, a nested value
   * as `"[array]"`/`"[object]"`, null, undefined and non-finite numbers as null (counted in
   * `nullCount`); a throwing getter or Proxy leaves the map empty. Features take no budget check:
   * they come first and are bounded by their own limits.
   */
  features(features: unknown): void {
    this.nullCount = 0;
    const mark = this.pos - this.base;
    try {
      this.featureMap(features);
    } catch (error) {
      if (error === TARGET_FULL) throw error;
      this.pos = this.base + mark;
      this.nullCount = 0;
      this.note(K_UNREADABLE);
      this.tag(T_MAP);
      this.tag(T_END);
    }
  }

  /** One tag byte. */
  tag(tag: number): void {
    this.ensure(1);
    this.bytes[this.pos++] = tag;
  }

  /** A number as a tagged float64, whatever it is (NaN and ±Infinity included). */
  float64(v: number): void {
    this.ensure(9);
    this.bytes[this.pos] = T_FLOAT64;
    this.view.setFloat64(this.pos + 1, v, true);
    this.pos += 9;
  }

  /** A u32, untagged (counts the reader knows to expect). */
  uint32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  /** Bytes as they are (an OTel body may hold a Uint8Array). */
  rawBytes(data: Uint8Array): void {
    const n = data.byteLength;
    this.ensure(5 + n);
    this.bytes[this.pos] = T_BYTES;
    this.view.setUint32(this.pos + 1, n, true);
    this.bytes.set(data, this.pos + 5);
    this.pos += 5 + n;
  }

  /** Counts a sanitisation the caller did itself (frame writers checking scalar fields). */
  note(kind: number): void {
    const n = (this.counts[kind] as number) + 1;
    this.counts[kind] = n;
    if (n === 1) this.onFirst(SANITIZE_KINDS[kind] as SanitizeKind);
  }

  private write(v: unknown, depth: number): void {
    switch (typeof v) {
      case 'string':
        if (v.length > this.maxStringLength) this.truncated(v);
        else this.string(v);
        return;
      case 'number':
        this.number(v);
        return;
      case 'boolean':
        this.ensure(1);
        this.bytes[this.pos++] = v ? T_TRUE : T_FALSE;
        return;
      case 'undefined':
        this.ensure(1);
        this.bytes[this.pos++] = T_UNDEFINED;
        return;
      case 'bigint':
        // Kept as a decimal string: exact, and JSON-safe.
        this.note(K_BIGINT);
        this.string(v.toString());
        return;
      case 'object':
        if (v === null) {
          this.ensure(1);
          this.bytes[this.pos++] = T_NULL;
        } else this.object(v, depth);
        return;
      default:
        this.note(K_FUNCTION);
        this.ensure(1);
        this.bytes[this.pos++] = T_UNDEFINED;
    }
  }

  private number(v: number): void {
    this.ensure(9);
    const bytes = this.bytes;
    if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
      if (v >= 0 && v < 128) {
        bytes[this.pos++] = T_SMALL_INT | v;
      } else {
        bytes[this.pos] = T_INT32;
        this.view.setInt32(this.pos + 1, v, true);
        this.pos += 5;
      }
    } else if (v - v === 0) {
      bytes[this.pos] = T_FLOAT64;
      this.view.setFloat64(this.pos + 1, v, true);
      this.pos += 9;
    } else {
      // JSON cannot hold NaN or ±Infinity: they become strings that keep what the model saw.
      this.note(K_NON_FINITE);
      bytes[this.pos++] = Number.isNaN(v) ? T_NAN : v > 0 ? T_INFINITY : T_NEG_INFINITY;
    }
  }

  private string(s: string): void {
    const length = s.length;
    if (length <= SMALL_STRING) {
      this.ensure(2 + 3 * length);
      const bytes = this.bytes;
      const start = this.pos + 2;
      if (length <= SHORT_STRING) {
        let i = 0;
        while (i < length) {
          const c = s.charCodeAt(i);
          if (c >= 0x80) break;
          bytes[start + i++] = c;
        }
        if (i === length) {
          bytes[this.pos] = T_ASCII8;
          bytes[this.pos + 1] = length;
          this.pos = start + length;
          return;
        }
      }
      const n = this.buffer.utf8Write(s, start, 3 * length);
      // Every char outside ASCII takes 2 or more bytes, so n === length means pure ASCII.
      bytes[this.pos] = n === length ? T_ASCII8 : T_UTF8_8;
      bytes[this.pos + 1] = n;
      this.pos = start + n;
      return;
    }
    const size = Buffer.byteLength(s, 'utf8');
    this.ensure(5 + size);
    this.bytes[this.pos] = size === length ? T_ASCII32 : T_UTF8_32;
    this.view.setUint32(this.pos + 1, size, true);
    this.buffer.utf8Write(s, this.pos + 5, size);
    this.pos += 5 + size;
  }

  /** A string over `maxStringLength`: the safe prefix, copied from the original (no slice kept). */
  private truncated(s: string): void {
    this.note(K_STRING);
    const kept = safeCutLength(s, this.maxStringLength);
    this.ensure(5);
    this.bytes[this.pos] = T_TRUNCATED;
    this.view.setUint32(this.pos + 1, s.length - kept, true);
    this.pos += 5;
    this.string(s.slice(0, kept));
  }

  private object(o: object, depth: number): void {
    if (depth >= this.maxDepth) {
      this.note(K_DEPTH);
      this.ensure(1);
      this.bytes[this.pos++] = T_DEPTH;
      return;
    }
    const stack = this.stack;
    if (stack.indexOf(o) !== -1) {
      this.note(K_CIRCULAR);
      this.ensure(1);
      this.bytes[this.pos++] = T_CIRCULAR;
      return;
    }
    const mark = this.pos - this.base;
    const stackDepth = stack.length;
    try {
      if (Array.isArray(o)) this.array(o, depth);
      else {
        const proto = Object.getPrototypeOf(o);
        if (proto === Object.prototype || proto === null) {
          stack.push(o);
          this.keyed(o as Record<string, unknown>, depth, false, false);
          stack.pop();
        } else this.special(o, depth);
      }
    } catch (error) {
      if (error === TARGET_FULL) throw error;
      // A getter or a Proxy trap threw: this value, and only this one, is unreadable.
      stack.length = stackDepth;
      this.pos = this.base + mark;
      this.note(K_UNREADABLE);
      this.ensure(1);
      this.bytes[this.pos++] = T_UNREADABLE;
    }
  }

  /**
   * The first `maxObjectKeys` enumerable keys of a map-like object (own ones only with `ownOnly`: a
   * class instance, as JSON.stringify sees it), from a for…in that stops there: one more key says
   * there were more (`"…": "more keys"` for a value, nothing for features). A value's walk also
   * stops at the record budget. With a shape registry, a plain object whose keys start as a shape's
   * writes that shape's id and the values alone, as long as its keys follow the shape; the keys of
   * one no shape matched are offered to the registry, which publishes a list seen twice.
   */
  private keyed(o: Record<string, unknown>, depth: number, ownOnly: boolean, features: boolean): void {
    this.tag(T_MAP);
    const shapes = ownOnly ? undefined : this.shapes;
    const max = this.maxObjectKeys;
    const keyStack = this.keyStack;
    const keyBase = keyStack.length;
    let seen = 0;
    let ending = T_END;
    let complete = true;
    let shapeKeys: readonly string[] | undefined;
    let countAt = -1;
    let matched = 0;
    for (const key in o) {
      if (ownOnly && !Object.hasOwn(o, key)) continue;
      if (++seen > max) {
        this.note(K_KEYS);
        if (!features) ending = T_SOME_MORE_KEYS;
        complete = false;
        break;
      }
      if (!features && this.pos - this.base > this.budget) {
        this.note(K_TOO_LARGE);
        ending = T_RECORD_LIMIT;
        complete = false;
        break;
      }
      const v = o[key];
      if (shapes !== undefined) {
        if (seen === 1) {
          const shape = shapes.candidate(key);
          if (shape !== undefined) {
            shapeKeys = shape.keys;
            this.ensure(9);
            this.bytes[this.pos] = T_SHAPE;
            this.view.setUint32(this.pos + 1, shape.id, true);
            countAt = this.pos + 5 - this.base;
            this.pos += 9;
          }
        }
        if (shapeKeys !== undefined && matched === seen - 1 && key === shapeKeys[matched]) {
          matched++;
          if (features) this.featureValue(v);
          else this.slot(v, depth);
          continue;
        }
        // Off the shape from here: keys are written, and kept for the registry.
        if (keyStack.length === keyBase)
          for (let i = 0; i < matched; i++) keyStack.push(shapeKeys?.[i] as string);
        if (key.length > this.maxStringLength) complete = false;
        else keyStack.push(key);
      }
      if (features) this.feature(key, v);
      else this.entry(key, v, depth);
    }
    if (countAt !== -1) this.view.setUint32(this.base + countAt, matched, true);
    if (shapes !== undefined) {
      if (complete && !(shapeKeys !== undefined && matched === seen && matched === shapeKeys.length)) {
        if (keyStack.length === keyBase)
          for (let i = 0; i < matched; i++) keyStack.push(shapeKeys?.[i] as string);
        shapes.offer(keyStack, keyBase, keyStack.length);
      }
      keyStack.length = keyBase;
    }
    if (ending !== T_END) this.tag(ending);
    this.tag(T_END);
  }

  /** A value in a shape's slot: `undefined`, functions and symbols leave their key out when read. */
  private slot(v: unknown, depth: number): void {
    const type = typeof v;
    if (type === 'function' || type === 'symbol') this.note(K_FUNCTION);
    else if (type !== 'undefined') {
      this.write(v, depth + 1);
      return;
    }
    this.ensure(1);
    this.bytes[this.pos++] = T_UNDEFINED;
  }

  /**
   * One map entry; `undefined`, functions and symbols leave the key out, as JSON does (a key over
   * the limit is counted as cut all the same, as in-thread capture counts it).
   */
  private entry(key: string, v: unknown, depth: number): void {
    const type = typeof v;
    if (type === 'undefined' || type === 'function' || type === 'symbol') {
      if (type !== 'undefined') this.note(K_FUNCTION);
      if (key.length > this.maxStringLength) this.note(K_STRING);
      return;
    }
    if (key.length > this.maxStringLength) this.truncated(key);
    else this.string(key);
    this.write(v, depth + 1);
  }

  private array(a: readonly unknown[], depth: number): void {
    this.stack.push(a);
    const length = a.length;
    const max = this.maxArrayLength;
    const n = Math.min(length, max);
    const header = this.arrayHeader();
    let i = 0;
    for (; i < n; i++) {
      if (this.pos - this.base > this.budget) break;
      this.element(a[i], depth);
    }
    this.endArray(header, i, n, length);
    this.stack.pop();
  }

  /** Writes the header of a list; its count is filled in by `endArray()` once the walk knows it. */
  private arrayHeader(): number {
    this.ensure(5);
    this.bytes[this.pos] = T_ARRAY;
    this.pos += 5;
    return this.pos - this.base;
  }

  /**
   * Ends a list of `total` items of which `n` were to be kept and `written` were: fewer than `n`
   * means the record budget stopped it (`[record limit]`), else items past the limit are counted.
   */
  private endArray(header: number, written: number, n: number, total: number): void {
    let count = written;
    if (written < n) {
      this.note(K_TOO_LARGE);
      this.tag(T_RECORD_LIMIT);
      count++;
    } else if (total > n) {
      this.moreItems(total - n);
      count++;
    }
    this.view.setUint32(this.base + header - 4, count, true);
  }

  /** One array element; `undefined`, holes, functions and symbols become null, as JSON does. */
  private element(v: unknown, depth: number): void {
    if (v === undefined) {
      this.ensure(1);
      this.bytes[this.pos++] = T_NULL;
      return;
    }
    const type = typeof v;
    if (type === 'function' || type === 'symbol') {
      this.note(K_FUNCTION);
      this.ensure(1);
      this.bytes[this.pos++] = T_NULL;
      return;
    }
    this.write(v, depth + 1);
  }

  private moreItems(n: number): void {
    this.note(K_ARRAY);
    this.ensure(5);
    this.bytes[this.pos] = T_MORE_ITEMS;
    this.view.setUint32(this.pos + 1, n, true);
    this.pos += 5;
  }

  /** Objects that are not plain: dates, collections, binary, errors, class instances. */
  private special(o: object, depth: number): void {
    if (ArrayBuffer.isView(o) || o instanceof ArrayBuffer) {
      this.binary(o, depth);
      return;
    }
    if (o instanceof Date) {
      this.note(K_DATE);
      const time = o.getTime();
      if (time - time === 0) this.string(o.toISOString());
      else {
        this.ensure(1);
        this.bytes[this.pos++] = T_NULL;
      }
      return;
    }
    const stack = this.stack;
    if (o instanceof Map) {
      stack.push(o);
      this.tag(T_MAP);
      const max = this.maxObjectKeys;
      let i = 0;
      for (const [key, value] of o) {
        if (i++ >= max) {
          this.note(K_KEYS);
          this.ensure(5);
          this.bytes[this.pos] = T_MORE_KEYS;
          this.view.setUint32(this.pos + 1, o.size - max, true);
          this.pos += 5;
          break;
        }
        if (this.pos - this.base > this.budget) {
          this.note(K_TOO_LARGE);
          this.tag(T_RECORD_LIMIT);
          break;
        }
        this.entry(String(key), value, depth);
      }
      this.tag(T_END);
      stack.pop();
      return;
    }
    if (o instanceof Set) {
      stack.push(o);
      const size = o.size;
      const n = Math.min(size, this.maxArrayLength);
      const header = this.arrayHeader();
      let i = 0;
      for (const item of o) {
        if (i >= n || this.pos - this.base > this.budget) break;
        this.element(item, depth);
        i++;
      }
      this.endArray(header, i, n, size);
      stack.pop();
      return;
    }
    if (o instanceof Error) {
      this.tag(T_MAP);
      this.entry('name', o.name, depth);
      this.entry('message', o.message, depth);
      this.tag(T_END);
      return;
    }
    const toJSON = (o as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      stack.push(o);
      this.write(toJSON.call(o), depth + 1);
      stack.pop();
      return;
    }
    // A class instance: its own enumerable fields, as JSON.stringify would see them.
    stack.push(o);
    this.keyed(o as Record<string, unknown>, depth, true, false);
    stack.pop();
  }

  /** Numeric typed arrays (tensors) become number arrays; raw bytes become a marker with their size. */
  private binary(view: ArrayBufferView | ArrayBuffer, depth: number): void {
    if (isNumericTypedArray(view)) {
      // Indexed up to the limit: never a copy of the whole tensor.
      const items = view as unknown as ArrayLike<number | bigint>;
      const length = items.length;
      const n = Math.min(length, this.maxArrayLength);
      const header = this.arrayHeader();
      let i = 0;
      for (; i < n; i++) {
        if (this.pos - this.base > this.budget) break;
        this.write(items[i], depth + 1);
      }
      this.endArray(header, i, n, length);
      return;
    }
    this.note(K_BINARY);
    this.ensure(9);
    this.bytes[this.pos] = T_BINARY;
    this.view.setFloat64(this.pos + 1, view.byteLength, true);
    this.pos += 9;
  }

  private featureMap(features: unknown): void {
    if (features === null || typeof features !== 'object') {
      this.tag(T_MAP);
      this.tag(T_END);
      return;
    }
    const proto = Object.getPrototypeOf(features);
    // Own enumerable keys, as a spread copies them (for…in alone for a plain object: faster).
    this.keyed(features as Record<string, unknown>, 0, proto !== Object.prototype && proto !== null, true);
  }

  private feature(key: string, v: unknown): void {
    if (key.length > this.maxStringLength) this.truncated(key);
    else this.string(key);
    this.featureValue(v);
  }

  private featureValue(v: unknown): void {
    switch (typeof v) {
      case 'number':
        if (v - v === 0) this.number(v);
        else {
          this.note(K_NON_FINITE);
          this.nullFeature();
        }
        return;
      case 'string':
        if (v.length > this.maxStringLength) this.truncated(v);
        else this.string(v);
        return;
      case 'boolean':
        this.ensure(1);
        this.bytes[this.pos++] = v ? T_TRUE : T_FALSE;
        return;
      case 'undefined':
        this.nullFeature();
        return;
      case 'bigint':
        this.note(K_BIGINT);
        this.string(v.toString());
        return;
      default:
        if (v === null) this.nullFeature();
        else {
          this.note(K_FEATURE);
          this.string(Array.isArray(v) ? '[array]' : `[${typeof v}]`);
        }
    }
  }

  private nullFeature(): void {
    this.ensure(1);
    this.bytes[this.pos++] = T_NULL;
    this.nullCount++;
  }

  /** Room for `n` more bytes in the target. */
  private ensure(n: number): void {
    if (this.pos + n > this.limit) this.grow(n);
  }

  private grow(n: number): void {
    const used = this.pos - this.base;
    const start = this.target.extend(this.base, used, n);
    if (start < 0) throw TARGET_FULL;
    this.base = start;
    this.pos = start + used;
    this.syncTarget();
  }

  private syncTarget(): void {
    const target = this.target;
    this.bytes = target.bytes;
    this.view = target.view;
    this.buffer = target.buffer as unknown as BufferFastPaths;
    this.limit = target.limit;
  }

  /** Points the encoder at another target (a ring after a restart, a scratch buffer in a test). */
  retarget(target: EncodeTarget): void {
    this.target = target;
    this.syncTarget();
  }
}
