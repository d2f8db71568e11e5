/**
 * `forceFlush()` callers waiting for a point in the queue's record sequence. A caller waits for
 * `target` (the sequence number the next record would get when it called): it is released once the
 * watermark (the oldest sequence number still pending) has reached it, whatever arrived since, so a
 * flush ends under continuous traffic too.
 */
export class FlushWaiters {
  private waiting: Array<{ target: number; resolve: () => void }> = [];

  get size(): number {
    return this.waiting.length;
  }

  wait(target: number): Promise<void> {
    return new Promise<void>((resolve) => this.waiting.push({ target, resolve }));
  }

  /** Releases every caller whose records are all below `watermark`. */
  release(watermark: number): void {
    if (this.waiting.length === 0) return;
    const still: typeof this.waiting = [];
    for (const waiter of this.waiting) {
      if (waiter.target <= watermark) waiter.resolve();
      else still.push(waiter);
    }
    this.waiting = still;
  }
}
