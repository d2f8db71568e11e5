import { FingerprintMap } from './fingerprint-map.ts';

/**
 * Remembered decisions (as outcome slots) by key fingerprint, for late arrivals: the last
 * `capacity` decisions, the first remembered forgotten first. An entry costs about 40 bytes,
 * allocated up front. With 100,000 decisions remembered, a new request is taken for a remembered
 * one (a fingerprint collision) about once in 10^11 lookups.
 */
export class DecisionTable {
  private readonly capacity: number;
  private readonly entries: FingerprintMap<number>;
  /** Fingerprints in the order remembered; once full, `next` is the oldest. */
  private readonly order: Float64Array;
  private next = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.entries = new FingerprintMap(capacity);
    this.order = new Float64Array(capacity);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The remembered outcome slot for a fingerprint, or -1. */
  get(fingerprint: number): number {
    return this.entries.get(fingerprint) ?? -1;
  }

  /** Remembers an outcome; a fingerprint already there keeps its place and takes the new one. */
  set(fingerprint: number, outcome: number): void {
    if (this.capacity === 0) return;
    const entries = this.entries;
    if (entries.get(fingerprint) === undefined) {
      if (entries.size === this.capacity) entries.delete(this.order[this.next] as number);
      this.order[this.next] = fingerprint;
      this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    }
    entries.set(fingerprint, outcome);
  }
}
