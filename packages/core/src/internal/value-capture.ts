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

export const CIRCULAR_MARKER = '[Circular]';
export const DEPTH_MARKER = '[depth limit]';
export const UNREADABLE_MARKER = '[unreadable]';

export class ValueCapture {
  /** Approximate JSON bytes of everything captured since the last `resetBytes()`. */
  bytes = 0;
  /** How often each SANITIZE_KINDS entry happened, by index. */
  readonly counts: Float64Array = new Float64Array(SANITIZE_KINDS.length);
  private readonly limits: CaptureLimits;
  private readonly stack: object[] = [];
  private readonly onFirst: (kind: SanitizeKind) => void;

  /** `onFirst` is called the first time each kind happens (for a one-off diagnostic). */
  constructor(limits: CaptureLimits, onFirst: (kind: SanitizeKind) => void) {
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
      // Spread is V8's fast clone of a whole object; fixing the rare bad value afterwards is far
      // cheaper than building the copy key by key.
      const out: Record<string, unknown> = { ...(features as Record<string, unknown>) };
      let seen = 0;
      for (const key in out) {
        const v = out[key];
        this.bytes += key.length + 4;
        if (++seen > this.limits.maxObjectKeys) {
          if (seen === this.limits.maxObjectKeys + 1) this.note(K_KEYS);
          out[key] = undefined;
          continue;
        }
        switch (typeof v) {
          case 'number':
            this.bytes += 8;
            if (v - v !== 0) {
              this.note(K_NON_FINITE);
              out[key] = null;
              this.nullCount++;
            }
            break;
          case 'string':
            this.bytes += v.length + 2;
            if (v.length > this.limits.maxStringLength) out[key] = this.truncate(v);
            break;
          case 'boolean':
            this.bytes += 5;
            break;
          case 'undefined':
            out[key] = null;
            this.nullCount++;
            break;
          case 'bigint':
            out[key] = this.bigint(v);
            break;
          default:
            if (v === null) {
              this.bytes += 4;
              this.nullCount++;
            } else {
              this.note(K_FEATURE);
              out[key] = Array.isArray(v) ? '[array]' : `[${typeof v}]`;
              this.bytes += 10;
            }
        }
      }
      return out;
    } catch {
      this.note(K_UNREADABLE);
      return {};
    }
  }

  private value(v: unknown, depth: number): unknown {
    switch (typeof v) {
      case 'string':
        this.bytes += v.length + 2;
        return v.length > this.limits.maxStringLength ? this.truncate(v) : v;
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
    // Spread is V8's fast clone; the loop then fixes, in the copy, the few values JSON cannot hold.
    const out: Record<string, unknown> = { ...(o as Record<string, unknown>) };
    const max = this.limits.maxObjectKeys;
    let seen = 0;
    this.bytes += 2;
    for (const key in out) {
      const v = out[key];
      if (++seen > max) {
        out[key] = undefined;
        continue;
      }
      this.bytes += key.length + 4;
      if (typeof v === 'object' || typeof v === 'string' || typeof v === 'number') {
        const captured = this.value(v, depth + 1);
        if (captured !== v) out[key] = captured;
      } else if (typeof v !== 'boolean' && v !== undefined) {
        out[key] = this.value(v, depth + 1);
      } else if (v === true || v === false) {
        this.bytes += 5;
      }
    }
    if (seen > max) {
      this.note(K_KEYS);
      out['…'] = `${seen - max} more keys`;
    }
    stack.pop();
    return out;
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
    if (o instanceof Map) {
      stack.push(o);
      const out: Record<string, unknown> = {};
      let i = 0;
      for (const [key, value] of o) {
        if (i++ >= this.limits.maxObjectKeys) {
          this.note(K_KEYS);
          break;
        }
        const k = String(key);
        this.bytes += k.length + 4;
        const captured = this.value(value, depth + 1);
        if (captured !== undefined) out[k] = captured;
      }
      stack.pop();
      return out;
    }
    if (o instanceof Set) return this.array([...o], depth);
    if (o instanceof Error) {
      this.bytes += o.name.length + o.message.length + 24;
      return { name: o.name, message: this.value(o.message, depth + 1) };
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
    const out: Record<string, unknown> = {};
    const keys = Object.keys(o);
    const n = Math.min(keys.length, this.limits.maxObjectKeys);
    if (keys.length > n) this.note(K_KEYS);
    for (let i = 0; i < n; i++) {
      const key = keys[i] as string;
      const captured = this.value((o as Record<string, unknown>)[key], depth + 1);
      if (captured !== undefined) {
        out[key] = captured;
        this.bytes += key.length + 4;
      }
    }
    stack.pop();
    return out;
  }

  private array(a: readonly unknown[], depth: number): unknown[] {
    const stack = this.stack;
    stack.push(a);
    const max = this.limits.maxArrayLength;
    const truncated = a.length > max;
    const out = truncated ? a.slice(0, max) : a.slice();
    const n = out.length;
    this.bytes += 2 + n;
    for (let i = 0; i < n; i++) {
      const v = out[i];
      if (typeof v === 'boolean') {
        this.bytes += 5;
        continue;
      }
      const captured = this.value(v, depth + 1);
      // JSON turns holes, undefined and functions inside arrays into null; do the same up front.
      if (captured !== v || v === undefined) out[i] = captured === undefined ? null : captured;
    }
    if (truncated) {
      this.note(K_ARRAY);
      out.push(`…[${a.length - max} more items]`);
    }
    stack.pop();
    return out;
  }

  /** Numeric typed arrays (tensors) become number arrays; raw bytes become a marker with their size. */
  private binary(view: ArrayBufferView | ArrayBuffer, depth: number): unknown {
    if (
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
    ) {
      return this.array(Array.from(view as ArrayLike<number | bigint>), depth);
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

  private truncate(s: string): string {
    this.note(K_STRING);
    const max = this.limits.maxStringLength;
    return `${s.slice(0, max)}…[truncated ${s.length - max} chars]`;
  }

  /** Approximate JSON bytes of a string field (used for scalar fields copied without a walk). */
  string(s: string): string {
    if (s.length > this.limits.maxStringLength) return this.truncate(s);
    this.bytes += s.length + 2;
    return s;
  }
}

export const SANITIZE_KIND_INDEX = {
  tooLarge: K_TOO_LARGE,
  unreadable: K_UNREADABLE,
} as const;
