/**
 * The per-exporter cap on distinct streams (label sets). Every label set is a stream in Loki, and
 * Loki limits active streams per tenant (`max_global_streams_per_user`, default 5,000, across the
 * cluster): an application that puts 10,000 model names through the `model_name` label would open
 * 10,000 streams, get pushes refused with 429 once the tenant is full, and crowd out every other
 * sender of the tenant. Past the cap, the labels of a new label set fold into an overflow stream
 * (see `keptInOverflow`); the record itself, its real label values in
 * the line, is still sent.
 *
 * A stream that has had no record for `STREAM_IDLE_MS` gives its place back: Loki stops counting a
 * stream as active once its chunks are flushed after `chunk_idle_period` (30 min by default) without
 * entries, so a model version retired long ago does not hold a place for the life of the process.
 */

/** The value every record label takes in the overflow stream (a label value Loki accepts). */
export const OVERFLOW_LABEL_VALUE = '__overflow__';

/** Twice Loki's default `chunk_idle_period`, so a freed place is one Loki has freed too. */
export const STREAM_IDLE_MS = 60 * 60 * 1000;

export class StreamLimiter {
  /** Label-set key → last time a record of it was planned; oldest first (re-inserted on use). */
  private readonly lastSeen = new Map<string, number>();
  private readonly maxStreams: number;
  private readonly now: () => number;

  constructor(maxStreams: number, now: () => number) {
    this.maxStreams = maxStreams;
    this.now = now;
  }

  /** Label sets holding a place now. */
  get size(): number {
    return this.lastSeen.size;
  }

  /**
   * True when the label set `key` may be its own stream (it has a place, or gets one); false when it
   * must go to the overflow stream. Amortised constant time: only the least recently used sets are
   * looked at, and each is evicted at most once.
   */
  admit(key: string): boolean {
    const now = this.now();
    const lastSeen = this.lastSeen;
    if (lastSeen.has(key)) {
      lastSeen.delete(key);
      lastSeen.set(key, now);
      return true;
    }
    if (lastSeen.size >= this.maxStreams) {
      for (const [oldest, seen] of lastSeen) {
        if (now - seen < STREAM_IDLE_MS) break;
        lastSeen.delete(oldest);
      }
      if (lastSeen.size >= this.maxStreams) return false;
    }
    lastSeen.set(key, now);
    return true;
  }
}
