import { safeCut } from '@predlog/schema';

/**
 * Copies a caller's value into a JSON-safe snapshot in one pass, on the caller's thread. One walk
 * does three jobs: isolates the record from later mutation by the caller, applies the documented
 * outcome for every value JSON cannot hold, and measures the approximate serialised size (so the
 * queues can bound bytes without serialising). It never throws for any input it can read; what it
 * cannot read becomes the marker `[unreadable]`.
 */

/** What sanitisation did, counted per kind in `predlog.records.sanitized{kind}`. */
export const SANITIZE_KINDS = [
  'string_truncated',
  'non_finite_number',
  'bigint',
  'function_or_symbol',
  'circular',
  'depth_limit',
  'array_limit',
  'keys_limit',
  'binary',
  'date',
  'unreadable',
  'feature_not_scalar',
  'record_too_large',
] as const;
export type SanitizeKind = (typeof SANITIZE_KINDS)[number];

const K_STRING = 0;
const K_NON_FINITE = 1;
const K_BIGINT = 2;
const K_FUNCTION = 3;
const K_CIRCULAR = 4;
const K_DEPTH = 5;
const K_ARRAY = 6;
const K_KEYS = 7;
const K_BINARY = 8;
const K_DATE = 9;
const K_UNREADABLE = 10;
const K_FEATURE = 11;
export const K_TOO_LARGE = 12;

export interface CaptureLimits {
  maxStringLength: number;
  maxDepth: number;
  maxArrayLength: number;
  maxObjectKeys: number;
}

/** The limits of {@link ValueCapture}: the per-value ones and the record's byte budget. */
export interface ValueCaptureLimits extends CaptureLimits {
  /** Once a record's captured bytes pass this, the walk stops: the rest becomes a marker. */
  maxRecordBytes: number;
}

export const CIRCULAR_MARKER = '[Circular]';
export const DEPTH_MARKER = '[depth limit]';
export const UNREADABLE_MARKER = '[unreadable]';
export const RECORD_LIMIT_MARKER = '[record limit]';
/** The key that says an object was cut: `"…": "more keys"` (or `"N more keys"` when N is known). */
export const MORE_KEY = '…';

/**
 * Every limit applies before anything is copied, and every loop stops at its limit: a 10M-element
 * typed array or a 1M-key object costs what its first `maxArrayLength` items or `maxObjectKeys`
 * keys cost (for…in with an early exit, never `Object.keys()`, spread or `Array.from()` of the whole;
 * V8 still collects an object's key list when the loop starts, the one part that grows with the
 * object). And a walk stops once the record passes `maxRecordBytes`, so the product of the
 * per-value limits (512 keys × 512 keys × 1,024 items…) never decides the cost.
 */
/**
 * A typed array of numbers (a tensor), captured as a number array; `Uint8Array` and other byte
 * views are raw bytes instead. Shared by in-thread capture and the worker's frame encoder.
 */
export function isNumericTypedArray(view: ArrayBufferView | ArrayBuffer): boolean {
  return (
    view instanceof Float32Array ||
    view instanceof Float64Array ||
    view instanceof Int32Array ||
    view instanceof Int16Array ||
    view instanceof Int8Array ||
    view instanceof Uint32Array ||
    view instanceof Uint16Array ||
    view instanceof Uint8ClampedArray ||
    view instanceof BigInt64Array ||
    view instanceof BigUint64Array
  );
}

export class ValueCapture {
  /** Approximate JSON bytes of everything captured since the last reset (set by the caller). */
  bytes = 0;
  /** How often each SANITIZE_KINDS entry happened, by index. */
  readonly counts: Float64Array = new Float64Array(SANITIZE_KINDS.length);
  private readonly limits: ValueCaptureLimits;
  private readonly stack: object[] = [];
  private readonly onFirst: (kind: SanitizeKind) => void;

  /** `onFirst` is called the first time each kind happens (for a one-off diagnostic). */
  constructor(limits: ValueCaptureLimits, onFirst: (kind: SanitizeKind) => void) {
    this.limits = limits;
    this.onFirst = onFirst;
  }

  note(kind: number): void {
    const n = (this.counts[kind] as number) + 1;
    this.counts[kind] = n;
    if (n === 1) this.onFirst(SANITIZE_KINDS[kind] as SanitizeKind);
  }

  /** Captures any value; the stack is reset even if a getter throws half-way. */
  capture(value: unknown): unknown {
    try {
      return this.value(value, 0);
    } catch {
      this.stack.length = 0;
      this.note(K_UNREADABLE);
      this.bytes += UNREADABLE_MARKER.length + 2;
      return UNREADABLE_MARKER;
    }
  }

  /**
   * Captures a flat feature map: values must be scalars (number, string, boolean, null). A nested
   * value is replaced by a marker naming its kind. `nullCount` is left on the instance for the
   * caller (null, undefined and non-finite numbers all count as null).
   */
  nullCount = 0;
  captureFeatures(features: unknown): Record<string, unknown> {
    this.nullCount = 0;
    if (features === null || typeof features !== 'object') return {};
    try {
      const source = features as Record<string, unknown>;
      if (!this.keysWithin(source)) return this.boundedFeatures(source, this.firstKeys(source, false));
      // Spread is V8's fast clone of a whole object; fixing the rare bad value afterwards is far
      // cheaper than building the copy key by key. Only for a map known to be within the limit.
      const out: Record<string, unknown> = { ...source };
      let renamed: unknown[] | undefined;
      for (const key in out) {
        const v = out[key];
        const k = this.key(key);
        const captured = this.feature(v);
        if (k !== key) {
          renamed ??= [];
          renamed.push(key, k, captured);
        } else if (captured !== v) out[key] = captured;
      }
      // Keys renamed after the loop: a key added while for…in runs may be visited again.
      if (renamed !== undefined) this.rename(out, renamed);
      return out;
    } catch {
      this.note(K_UNREADABLE);
      return {};
    }
  }

  /** A feature map wider than `maxObjectKeys`: its first keys, copied one by one. */
  private boundedFeatures(source: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const n = this.limits.maxObjectKeys;
    for (let i = 0; i < n; i++) {
      const key = keys[i] as string;
      out[this.uniqueKey(out, this.key(key))] = this.feature(source[key]);
    }
    this.note(K_KEYS);
    return out;
  }

  /** One feature value: scalars kept (non-finite numbers and undefined become null), the rest a marker. */
  private feature(v: unknown): unknown {
    switch (typeof v) {
      case 'number':
        this.bytes += 8;
        if (v - v === 0) return v;
        this.note(K_NON_FINITE);
        this.nullCount++;
        return null;
      case 'string':
        return this.string(v);
      case 'boolean':
        this.bytes += 5;
        return v;
      case 'undefined':
        this.bytes += 4;
        this.nullCount++;
        return null;
      case 'bigint':
        return this.bigint(v);
      default:
        if (v === null) {
          this.bytes += 4;
          this.nullCount++;
          return null;
        }
        this.note(K_FEATURE);
        this.bytes += 10;
        return Array.isArray(v) ? '[array]' : `[${typeof v}]`;
    }
  }

  private value(v: unknown, depth: number): unknown {
    switch (typeof v) {
      case 'string':
        return this.string(v);
      case 'number':
        this.bytes += 8;
        // v - v is NaN exactly for NaN and ±Infinity: JSON cannot hold them, so they become strings
        // that keep what the model actually saw.
        if (v - v === 0) return v;
        this.note(K_NON_FINITE);
        return String(v);
      case 'boolean':
        this.bytes += 5;
        return v;
      case 'undefined':
        return undefined;
      case 'bigint':
        return this.bigint(v);
      case 'object':
        if (v === null) {
          this.bytes += 4;
          return null;
        }
        return this.object(v, depth);
      default:
        this.note(K_FUNCTION);
        return undefined;
    }
  }

  private object(o: object, depth: number): unknown {
    if (depth >= this.limits.maxDepth) {
      this.note(K_DEPTH);
      this.bytes += DEPTH_MARKER.length + 2;
      return DEPTH_MARKER;
    }
    const stack = this.stack;
    if (stack.indexOf(o) !== -1) {
      this.note(K_CIRCULAR);
      this.bytes += CIRCULAR_MARKER.length + 2;
      return CIRCULAR_MARKER;
    }
    if (Array.isArray(o)) return this.array(o, depth);
    const proto = Object.getPrototypeOf(o);
    if (proto !== Object.prototype && proto !== null) return this.special(o, depth);
    stack.push(o);
    this.bytes += 2;
    const out = this.keysWithin(o)
      ? this.spreadFields(o as Record<string, unknown>, depth)
      : this.fields(o as Record<string, unknown>, this.firstKeys(o, false), depth);
    stack.pop();
    return out;
  }

  /**
   * A plain object within `maxObjectKeys`: V8's fast clone (spread), then one loop that fixes in
   * the copy the few values JSON cannot hold.
   */
  private spreadFields(o: Record<string, unknown>, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = { ...o };
    const budget = this.limits.maxRecordBytes;
    let renamed: unknown[] | undefined;
    let over = false;
    for (const key in out) {
      if (over || this.bytes > budget) {
        // Over the record's budget: the rest of the copy is let go (JSON leaves undefined out).
        over = true;
        out[key] = undefined;
        continue;
      }
      const v = out[key];
      const k = this.key(key);
      let captured: unknown = v;
      if (typeof v === 'object' || typeof v === 'string' || typeof v === 'number') {
        captured = this.value(v, depth + 1);
      } else if (typeof v !== 'boolean' && v !== undefined) {
        captured = this.value(v, depth + 1);
      } else if (v === true || v === false) {
        this.bytes += 5;
      }
      if (k !== key) {
        renamed ??= [];
        renamed.push(key, k, captured);
      } else if (captured !== v) out[key] = captured;
    }
    if (renamed !== undefined) this.rename(out, renamed);
    if (over) {
      this.note(K_TOO_LARGE);
      out[MORE_KEY] = RECORD_LIMIT_MARKER;
    }
    return out;
  }

  /**
   * The values of `keys` (from `firstKeys()`, so at most `maxObjectKeys + 1` of them) read one by
   * one, never past the limit or the record's budget.
   */
  private fields(
    o: Record<string, unknown>,
    keys: readonly string[],
    depth: number,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const max = this.limits.maxObjectKeys;
    const budget = this.limits.maxRecordBytes;
    const n = Math.min(keys.length, max);
    for (let i = 0; i < n; i++) {
      if (this.bytes > budget) {
        this.note(K_TOO_LARGE);
        out[MORE_KEY] = RECORD_LIMIT_MARKER;
        return out;
      }
      const key = keys[i] as string;
      const captured = this.value(o[key], depth + 1);
      if (captured !== undefined) out[this.uniqueKey(out, this.key(key))] = captured;
    }
    if (keys.length > max) {
      this.note(K_KEYS);
      out[MORE_KEY] = 'more keys';
      this.bytes += 15;
    }
    return out;
  }

  /**
   * True when `o` has at most `maxObjectKeys` enumerable keys. Counts them in a for…in that stops at
   * the limit and reads neither values nor keys (a loop that never reads its key is the cheapest
   * V8 has: about 1 ns a key, where keeping the keys for later doubled the cost of capturing a
   * record's features), so the common, narrow object then takes the spread path. A wider one is
   * listed again by `firstKeys()`: V8 lists every key when a for…in starts, so that is the one cost
   * that grows with an object (about 0.35 s of CPU per listing of 1M keys on a 2-core VM).
   */
  private keysWithin(o: object): boolean {
    const max = this.limits.maxObjectKeys;
    let n = 0;
    for (const _ in o) if (++n > max) return false;
    return true;
  }

  /**
   * The first `maxObjectKeys + 1` enumerable keys of `o` (own ones only when `ownOnly`), from a
   * for…in that stops there and reads no value: one more than the limit says there were more.
   */
  private firstKeys(o: object, ownOnly: boolean): string[] {
    const keys: string[] = [];
    const limit = this.limits.maxObjectKeys + 1;
    for (const key in o) {
      if (ownOnly && !Object.hasOwn(o, key)) continue;
      if (keys.push(key) === limit) break;
    }
    return keys;
  }

  /** Objects that are not plain: dates, collections, binary, errors, class instances. */
  private special(o: object, depth: number): unknown {
    const stack = this.stack;
    if (ArrayBuffer.isView(o) || o instanceof ArrayBuffer) return this.binary(o, depth);
    if (o instanceof Date) {
      this.note(K_DATE);
      const time = o.getTime();
      this.bytes += 26;
      return time - time === 0 ? o.toISOString() : null;
    }
    if (o instanceof Map) return this.map(o, depth);
    if (o instanceof Set) {
      const max = this.limits.maxArrayLength;
      const items: unknown[] = [];
      for (const item of o) {
        if (items.length === max) break;
        items.push(item);
      }
      return this.items(o, items, o.size, depth);
    }
    if (o instanceof Error) {
      this.bytes += 24;
      return { name: this.value(o.name, depth + 1), message: this.value(o.message, depth + 1) };
    }
    const toJSON = (o as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      stack.push(o);
      const replaced = this.value(toJSON.call(o), depth + 1);
      stack.pop();
      return replaced;
    }
    // A class instance: its own enumerable fields, as JSON.stringify would see them.
    stack.push(o);
    this.bytes += 2;
    const out = this.fields(o as Record<string, unknown>, this.firstKeys(o, true), depth);
    stack.pop();
    return out;
  }

  private map(o: Map<unknown, unknown>, depth: number): Record<string, unknown> {
    this.stack.push(o);
    this.bytes += 2;
    const out: Record<string, unknown> = {};
    const max = this.limits.maxObjectKeys;
    const budget = this.limits.maxRecordBytes;
    let i = 0;
    for (const [key, value] of o) {
      if (i++ >= max) {
        this.note(K_KEYS);
        out[MORE_KEY] = `${o.size - max} more keys`;
        break;
      }
      if (this.bytes > budget) {
        this.note(K_TOO_LARGE);
        out[MORE_KEY] = RECORD_LIMIT_MARKER;
        break;
      }
      const k = this.key(String(key));
      const captured = this.value(value, depth + 1);
      if (captured !== undefined) out[this.uniqueKey(out, k)] = captured;
    }
    this.stack.pop();
    return out;
  }

  private array(a: readonly unknown[], depth: number): unknown[] {
    const max = this.limits.maxArrayLength;
    // slice(0, max) reads at most max items, whatever the length.
    return this.items(a, a.length > max ? a.slice(0, max) : a.slice(), a.length, depth);
  }

  /**
   * Fixes in place the first items of a list (`out`, already at most `maxArrayLength` long) taken
   * from `source`, which holds `total` items, and marks what was left out.
   */
  private items(source: object, out: unknown[], total: number, depth: number): unknown[] {
    const stack = this.stack;
    stack.push(source);
    const n = out.length;
    const budget = this.limits.maxRecordBytes;
    this.bytes += 2 + n;
    for (let i = 0; i < n; i++) {
      if (this.bytes > budget) {
        this.note(K_TOO_LARGE);
        out.length = i;
        out.push(RECORD_LIMIT_MARKER);
        stack.pop();
        return out;
      }
      const v = out[i];
      if (typeof v === 'boolean') {
        this.bytes += 5;
        continue;
      }
      const captured = this.value(v, depth + 1);
      // JSON turns holes, undefined and functions inside arrays into null; do the same up front.
      if (captured !== v || v === undefined) out[i] = captured === undefined ? null : captured;
    }
    if (total > n) {
      this.note(K_ARRAY);
      const marker = `…[${total - n} more items]`;
      this.bytes += marker.length + 2;
      out.push(marker);
    }
    stack.pop();
    return out;
  }

  /** Numeric typed arrays (tensors) become number arrays; raw bytes become a marker with their size. */
  private binary(view: ArrayBufferView | ArrayBuffer, depth: number): unknown {
    if (isNumericTypedArray(view)) {
      // Indexed up to the limit: never a copy of the whole tensor.
      const tensor = view as unknown as ArrayLike<number | bigint>;
      const length = tensor.length;
      const n = Math.min(length, this.limits.maxArrayLength);
      const items: unknown[] = [];
      for (let i = 0; i < n; i++) items.push(tensor[i]);
      return this.items(view, items, length, depth);
    }
    this.note(K_BINARY);
    const marker = `[binary ${view.byteLength} bytes]`;
    this.bytes += marker.length + 2;
    return marker;
  }

  private bigint(v: bigint): string | number {
    this.note(K_BIGINT);
    this.bytes += 20;
    // Kept as a decimal string: exact, and JSON-safe.
    return v.toString();
  }

  /**
   * A string as captured: whole when within `maxStringLength`, else cut by `safeCut` (no piece of a
   * card, e-mail, IBAN or phone number straddling the limit is kept, and the kept prefix is a flat
   * copy that lets the original go) and marked. Counts the bytes of what is kept.
   */
  string(s: string): string {
    if (s.length > this.limits.maxStringLength) return this.truncate(s);
    this.bytes += s.length + 2;
    return s;
  }

  /** A map key, cut like any string (the detectors downstream see keys too) and counted. */
  private key(key: string): string {
    if (key.length > this.limits.maxStringLength) {
      const cut = this.truncate(key);
      this.bytes += 2;
      return cut;
    }
    this.bytes += key.length + 4;
    return key;
  }

  private truncate(s: string): string {
    this.note(K_STRING);
    const kept = safeCut(s, this.limits.maxStringLength);
    const out = `${kept}…[truncated ${s.length - kept.length} chars]`;
    this.bytes += out.length + 2;
    return out;
  }

  /** `key`, or `key #2`, `key #3`... when two cut keys came out the same. */
  private uniqueKey(out: Record<string, unknown>, key: string): string {
    if (!Object.hasOwn(out, key)) return key;
    let n = 2;
    while (Object.hasOwn(out, `${key} #${n}`)) n++;
    return `${key} #${n}`;
  }

  /** Applies (old key, new key, value) triples collected while a loop ran over `out`. */
  private rename(out: Record<string, unknown>, renamed: unknown[]): void {
    for (let i = 0; i < renamed.length; i += 3) delete out[renamed[i] as string];
    for (let i = 0; i < renamed.length; i += 3)
      out[this.uniqueKey(out, renamed[i + 1] as string)] = renamed[i + 2];
  }
}

export const SANITIZE_KIND_INDEX = {
  tooLarge: K_TOO_LARGE,
  unreadable: K_UNREADABLE,
} as const;
