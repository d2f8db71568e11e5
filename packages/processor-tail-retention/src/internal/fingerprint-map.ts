import { consistentHash } from '@predlog/core';

/**
 * Seed of the key fingerprints: any fixed value other than the probabilistic policy's usual 0, so
 * a fingerprint collision has nothing to do with which requests that policy keeps.
 */
const FINGERPRINT_SEED = 0x5f3759df;
const TWO_32 = 4294967296;

/**
 * A key's fingerprint: 53 hash bits as a number, never 0 (0 marks an empty slot). Two different
 * keys share one with probability 2^-53.
 */
export function keyFingerprint(key: string): number {
  const fingerprint = consistentHash(key, FINGERPRINT_SEED) * 9007199254740992;
  return fingerprint === 0 ? 1 : fingerprint;
}

/**
 * A hash map from key fingerprints to values, for at most `maxEntries` entries: open addressing
 * with linear probing over a Float64Array of fingerprints, at most half full, and deletion by
 * shifting the rest of the probe run back (no tombstones).
 *
 * Why not a Map keyed by the string: nearly every lookup here is for a new request, a miss, and a
 * miss in a large Map walks a bucket chain whose every step loads another key string from
 * somewhere in the heap. With a few lookups, inserts and deletes per request, that memory latency
 * was most of the processor's time (`pnpm bench tail-retention`). A probe here reads one or two
 * neighbouring slots of a typed array and touches no string.
 */
export class FingerprintMap<T> {
  private readonly mask: number;
  private readonly fingerprints: Float64Array;
  private readonly values: Array<T | undefined>;
  private count = 0;

  constructor(maxEntries: number) {
    let size = 2;
    while (size < maxEntries * 2) size *= 2;
    this.mask = size - 1;
    this.fingerprints = new Float64Array(maxEntries === 0 ? 0 : size);
    this.values = new Array<T | undefined>(maxEntries === 0 ? 0 : size).fill(undefined);
  }

  get size(): number {
    return this.count;
  }

  get(fingerprint: number): T | undefined {
    if (this.count === 0) return undefined;
    const index = this.find(fingerprint);
    return index < 0 ? undefined : this.values[index];
  }

  /** Inserts or replaces; the caller keeps the number of entries within `maxEntries`. */
  set(fingerprint: number, value: T): void {
    const fingerprints = this.fingerprints;
    const mask = this.mask;
    let index = this.home(fingerprint);
    for (;;) {
      const found = fingerprints[index] as number;
      if (found === fingerprint) break;
      if (found === 0) {
        fingerprints[index] = fingerprint;
        this.count++;
        break;
      }
      index = (index + 1) & mask;
    }
    this.values[index] = value;
  }

  delete(fingerprint: number): void {
    if (this.count === 0) return;
    const index = this.find(fingerprint);
    if (index < 0) return;
    const fingerprints = this.fingerprints;
    const values = this.values;
    const mask = this.mask;
    let hole = index;
    for (let probe = (hole + 1) & mask; fingerprints[probe] !== 0; probe = (probe + 1) & mask) {
      const home = this.home(fingerprints[probe] as number);
      // The entry may move back into the hole unless its home lies cyclically in (hole, probe].
      const stays = hole <= probe ? home > hole && home <= probe : home > hole || home <= probe;
      if (stays) continue;
      fingerprints[hole] = fingerprints[probe] as number;
      values[hole] = values[probe];
      hole = probe;
    }
    fingerprints[hole] = 0;
    values[hole] = undefined;
    this.count--;
  }

  private home(fingerprint: number): number {
    // The low 32 bits are one hash lane, well mixed.
    return (fingerprint % TWO_32) & this.mask;
  }

  private find(fingerprint: number): number {
    const fingerprints = this.fingerprints;
    const mask = this.mask;
    for (let index = this.home(fingerprint); ; index = (index + 1) & mask) {
      const found = fingerprints[index] as number;
      if (found === fingerprint) return index;
      if (found === 0) return -1;
    }
  }
}
