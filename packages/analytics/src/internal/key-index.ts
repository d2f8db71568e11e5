import { keyHash } from './spill-partitions.ts';

const EMPTY = -1;
/** Keys up to this many UTF-16 units are encoded and compared in JS, longer ones natively. */
const SHORT_KEY = 64;
const SEED = 0x3c6ef372;

/**
 * A string → dense id hash index held outside the JS heap: open addressing (linear probing) over
 * typed arrays, the keys' UTF-8 bytes in one growing byte arena, compared byte for byte on a hash
 * match, so lookups are exact. About 35 bytes a key and no per-key object: a million join keys
 * cost ≈ 30 MB and give V8's garbage collector nothing to trace or promote, where a Map of strings
 * would hold a million heap objects.
 */
export class KeyIndex {
  private table = new Int32Array(2048).fill(EMPTY);
  private tableHashes = new Int32Array(2048);
  private mask = 2047;
  private offsets = new Uint32Array(1024);
  private lengths = new Uint32Array(1024);
  private arena = Buffer.allocUnsafe(64 * 1024);
  private arenaUsed = 0;
  private scratch = Buffer.allocUnsafe(1024);
  private count = 0;
  /** The key of the last `get`, whose hash and bytes (in `scratch`) an `add` of it reuses. */
  private lastKey: string | undefined;
  private lastHash = 0;
  private lastLength = 0;

  get size(): number {
    return this.count;
  }

  /** The id of a key, or undefined. */
  get(key: string): number | undefined {
    const length = this.encode(key);
    const hash = keyHash(key, SEED) | 0;
    this.lastKey = key;
    this.lastHash = hash;
    this.lastLength = length;
    for (let at = hash & this.mask; ; at = (at + 1) & this.mask) {
      const id = this.table[at] as number;
      if (id === EMPTY) return undefined;
      if (this.tableHashes[at] === hash && this.equals(id, length)) return id;
    }
  }

  /** Adds a key known to be absent; returns its id (ids are 0, 1, 2, … in order of addition). */
  add(key: string): number {
    const known = key === this.lastKey;
    const length = known ? this.lastLength : this.encode(key);
    const hash = known ? this.lastHash : keyHash(key, SEED) | 0;
    this.lastKey = undefined;
    const id = this.count;
    if (id >= this.offsets.length) this.growEntries();
    if (this.arenaUsed + length > this.arena.length) this.growArena(length);
    this.scratch.copy(this.arena, this.arenaUsed, 0, length);
    this.offsets[id] = this.arenaUsed;
    this.lengths[id] = length;
    this.arenaUsed += length;
    this.count += 1;
    if (this.count * 2 > this.table.length) this.rehash(this.table.length * 2);
    this.insert(hash, id);
    return id;
  }

  /** The key of an id (decoded from the arena: for spilling, not for the hot path). */
  key(id: number): string {
    const offset = this.offsets[id] as number;
    return this.arena.toString('utf8', offset, offset + (this.lengths[id] as number));
  }

  private insert(hash: number, id: number): void {
    let at = hash & this.mask;
    while (this.table[at] !== EMPTY) at = (at + 1) & this.mask;
    this.table[at] = id;
    this.tableHashes[at] = hash;
  }

  /** Writes the key's UTF-8 bytes to the scratch buffer and returns their length. */
  private encode(key: string): number {
    this.lastKey = undefined;
    if (key.length * 3 > this.scratch.length) this.scratch = Buffer.allocUnsafe(key.length * 3);
    // Request ids are short ASCII: copying the char codes beats a native call's overhead.
    if (key.length <= SHORT_KEY) {
      const scratch = this.scratch;
      for (let i = 0; i < key.length; i++) {
        const c = key.charCodeAt(i);
        if (c > 0x7f) return scratch.write(key, 0, 'utf8');
        scratch[i] = c;
      }
      return key.length;
    }
    return this.scratch.write(key, 0, 'utf8');
  }

  private equals(id: number, length: number): boolean {
    if (this.lengths[id] !== length) return false;
    const offset = this.offsets[id] as number;
    if (length <= SHORT_KEY) {
      const arena = this.arena;
      const scratch = this.scratch;
      for (let i = 0; i < length; i++) if (arena[offset + i] !== scratch[i]) return false;
      return true;
    }
    return this.arena.compare(this.scratch, 0, length, offset, offset + length) === 0;
  }

  private rehash(capacity: number): void {
    const oldTable = this.table;
    const oldHashes = this.tableHashes;
    this.table = new Int32Array(capacity).fill(EMPTY);
    this.tableHashes = new Int32Array(capacity);
    this.mask = capacity - 1;
    for (let at = 0; at < oldTable.length; at++) {
      const id = oldTable[at] as number;
      if (id !== EMPTY) this.insert(oldHashes[at] as number, id);
    }
  }

  private growEntries(): void {
    const offsets = new Uint32Array(this.offsets.length * 2);
    offsets.set(this.offsets);
    const lengths = new Uint32Array(this.lengths.length * 2);
    lengths.set(this.lengths);
    this.offsets = offsets;
    this.lengths = lengths;
  }

  private growArena(needed: number): void {
    const arena = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.arenaUsed + needed));
    this.arena.copy(arena, 0, 0, this.arenaUsed);
    this.arena = arena;
  }
}
