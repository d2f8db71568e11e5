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
   * value is replaced by a marker naming its kind. Returns the copy; `nullCount` is left on the
   * instance for the caller (null, NaN and missing-as-undefined all count as null).
   */
  nullCount = 0;
  captureFeatures(features: unknown): Record<string, string | number | boolean | null> {
    const out: Record<string, string | number | boolean | null> = {};
    this.nullCount = 0;
    if (features === null || typeof features !== 'object') return out;
    try {
      const keys = Object.keys(features);
      let n = keys.length;
      if (n > this.limits.maxObjectKeys) {
        this.note(K_KEYS);
        n = this.limits.maxObjectKeys;
      }
      for (let i = 0; i < n; i++) {
        const key = keys[i] as string;
        const v = (features as Record<string, unknown>)[key];
        this.bytes += key.length + 4;
        let captured: string | number | boolean | null;
        switch (typeof v) {
          case 'number':
            this.bytes += 8;
            if (v - v === 0) captured = v;
            else {
              captured = null;
              this.note(K_NON_FINITE);
            }
            break;
          case 'string':
            captured = v.length > this.limits.maxStringLength ? this.truncate(v) : v;
            this.bytes += (captured as string).length + 2;
            break;
          case 'boolean':
            this.bytes += 5;
            captured = v;
            break;
          case 'undefined':
            captured = null;
            break;
          case 'bigint':
            captured = this.bigint(v);
            break;
          default:
            if (v === null) captured = null;
            else {
              this.note(K_FEATURE);
              captured = Array.isArray(v) ? '[array]' : `[${typeof v}]`;
              this.bytes += 10;
            }
        }
        if (captured === null) {
          this.nullCount++;
          this.bytes += 4;
        }
        out[key] = captured;
      }
    } catch {
      this.note(K_UNREADABLE);
    }
    return out;
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
      const out = { name: o.name, message: o.message };
      this.bytes += o.name.length + o.message.length + 24;
      return out;
    }
    const toJSON = (o as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      stack.push(o);
      const replaced = this.value(toJSON.call(o), depth + 1);
      stack.pop();
      return replaced;
    }
    stack.push(o);
    const keys = Object.keys(o);
    let n = keys.length;
    const out: Record<string, unknown> = {};
    if (n > this.limits.maxObjectKeys) {
      this.note(K_KEYS);
      out['…'] = `${n - this.limits.maxObjectKeys} more keys`;
      n = this.limits.maxObjectKeys;
    }
    this.bytes += 2;
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
    let n = a.length;
    const max = this.limits.maxArrayLength;
    const truncated = n > max;
    if (truncated) n = max;
    const out = new Array<unknown>(truncated ? n + 1 : n);
    this.bytes += 2;
    for (let i = 0; i < n; i++) {
      const captured = this.value(a[i], depth + 1);
      // JSON turns holes, undefined and functions inside arrays into null; do the same up front.
      out[i] = captured === undefined ? null : captured;
      this.bytes += 1;
    }
    if (truncated) {
      this.note(K_ARRAY);
      out[n] = `…[${a.length - max} more items]`;
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
