/**
 * Object shapes (the key lists of plain objects and feature maps) in shared memory, so a frame
 * names the keys of an object it has seen before by a number instead of spelling them out: the
 * keys are the static part of a record, as NanoLog's format strings are, and only the values are
 * dynamic. A feature map of 23 features, the same in every prediction of a model, then costs its
 * values alone.
 *
 * Append-only, written by the serving thread (the one producer), read by the worker: a shape is
 * published (its keys, then `COUNT` with an atomic store) before any frame that names it is
 * committed, and the ring's write position is stored after that, so a worker that reads a frame
 * can read its shapes. The memory outlives a worker, like the ring, so a restarted worker reads the
 * shapes its predecessor was sent. When the table is full, objects simply carry their keys inline.
 *
 * Layout: Int32 `COUNT`; per shape [heap offset, byte length, key count]; a heap of keys, each a u16
 * byte length and its UTF-8 bytes.
 */

const COUNT = 0;
const HEADER_INTS = 16;
export const MAX_SHAPES = 4096;
const HEAP_BYTES = 512 * 1024;
/** Shapes hold only keys that fit a u16 length; longer keys (cut ones) always travel inline. */
const MAX_KEY_BYTES = 0xffff;
/** Objects wider than this are not worth a shape (and are rare). */
export const MAX_SHAPE_KEYS = 4096;

const ENTRIES_OFFSET = HEADER_INTS * 4;
const HEAP_OFFSET = ENTRIES_OFFSET + MAX_SHAPES * 3 * 4;

export function createShapeTable(): SharedArrayBuffer {
  return new SharedArrayBuffer(HEAP_OFFSET + HEAP_BYTES);
}

export interface Shape {
  readonly id: number;
  readonly keys: readonly string[];
}

/** The producer's side: finds a candidate shape for an object, and publishes shapes seen twice. */
export class ShapeRegistry {
  private readonly header: Int32Array;
  private readonly entries: Int32Array;
  private readonly heap: Buffer;
  private readonly byFirstKey = new Map<string, Shape>();
  /** Key lists seen once, by first key: a list is published the second time it is seen. */
  private readonly seenOnce = new Map<string, string[]>();
  private heapUsed = 0;
  private count = 0;

  constructor(memory: SharedArrayBuffer) {
    this.header = new Int32Array(memory, 0, HEADER_INTS);
    this.entries = new Int32Array(memory, ENTRIES_OFFSET, MAX_SHAPES * 3);
    this.heap = Buffer.from(memory, HEAP_OFFSET, HEAP_BYTES);
  }

  /** The shape to try for an object whose first key is `firstKey`. */
  candidate(firstKey: string): Shape | undefined {
    return this.byFirstKey.get(firstKey);
  }

  /**
   * An object's keys (`keys[from..to)`) that no shape matched whole: published if the same list
   * was seen before, remembered otherwise. Objects whose keys change every time (ids as keys)
   * never reach the table.
   */
  offer(keys: readonly string[], from: number, to: number): void {
    const n = to - from;
    if (n < 2 || n > MAX_SHAPE_KEYS || this.count >= MAX_SHAPES) return;
    const first = keys[from] as string;
    const before = this.seenOnce.get(first);
    if (before !== undefined && before.length === n && sameKeys(before, keys, from)) {
      this.seenOnce.delete(first);
      this.publish(before);
      return;
    }
    // Bounded: a stream of ever-new shapes costs this map, never the table.
    if (this.seenOnce.size >= 1024) this.seenOnce.clear();
    this.seenOnce.set(first, keys.slice(from, to));
  }

  private publish(keys: string[]): void {
    let bytes = 0;
    for (const key of keys) {
      const size = Buffer.byteLength(key, 'utf8');
      if (size > MAX_KEY_BYTES) return;
      bytes += 2 + size;
    }
    if (this.heapUsed + bytes > HEAP_BYTES) return;
    const id = this.count;
    const offset = this.heapUsed;
    let at = offset;
    for (const key of keys) {
      const size = this.heap.write(key, at + 2, 'utf8');
      this.heap.writeUInt16LE(size, at);
      at += 2 + size;
    }
    this.entries[id * 3] = offset;
    this.entries[id * 3 + 1] = bytes;
    this.entries[id * 3 + 2] = keys.length;
    this.heapUsed = at;
    this.count = id + 1;
    Atomics.store(this.header, COUNT, this.count);
    this.byFirstKey.set(keys[0] as string, { id, keys });
  }
}

function sameKeys(a: readonly string[], b: readonly string[], from: number): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[from + i]) return false;
  return true;
}

/** The worker's side: the keys of a shape, decoded once. */
export class ShapeReader {
  private readonly header: Int32Array;
  private readonly entries: Int32Array;
  private readonly heap: Buffer;
  private readonly cache: Array<string[] | undefined> = [];

  constructor(memory: SharedArrayBuffer) {
    this.header = new Int32Array(memory, 0, HEADER_INTS);
    this.entries = new Int32Array(memory, ENTRIES_OFFSET, MAX_SHAPES * 3);
    this.heap = Buffer.from(memory, HEAP_OFFSET, HEAP_BYTES);
  }

  /** The keys of shape `id`, or undefined when no such shape is published. */
  keys(id: number): readonly string[] | undefined {
    const cached = this.cache[id];
    if (cached !== undefined) return cached;
    if (id < 0 || id >= Atomics.load(this.header, COUNT)) return undefined;
    let at = this.entries[id * 3] as number;
    const n = this.entries[id * 3 + 2] as number;
    const keys = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const size = this.heap.readUInt16LE(at);
      keys[i] = this.heap.toString('utf8', at + 2, at + 2 + size);
      at += 2 + size;
    }
    this.cache[id] = keys;
    return keys;
  }
}
