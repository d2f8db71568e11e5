/**
 * The async boundary: a fixed-capacity ring that never grows, never blocks and refuses (rather than
 * evicts) when full, so the caller learns at once that its record was dropped. It also bounds the
 * approximate bytes it holds.
 */
export class RecordRing<T> {
  private readonly items: Array<T | undefined>;
  private readonly sizes: Float64Array;
  private readonly capacity: number;
  private head = 0;
  private count = 0;
  private heldBytes = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.items = new Array<T | undefined>(capacity);
    this.sizes = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  get isFull(): boolean {
    return this.count === this.capacity;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  /** Adds `item` unless the ring is full by count or by `maxBytes`; returns whether it was added. */
  push(item: T, bytes: number, maxBytes: number): boolean {
    if (this.count === this.capacity || (this.heldBytes + bytes > maxBytes && this.count > 0)) return false;
    let tail = this.head + this.count;
    if (tail >= this.capacity) tail -= this.capacity;
    this.items[tail] = item;
    this.sizes[tail] = bytes;
    this.heldBytes += bytes;
    this.count++;
    return true;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const head = this.head;
    const item = this.items[head];
    this.items[head] = undefined;
    this.heldBytes -= this.sizes[head] as number;
    this.head = head + 1 === this.capacity ? 0 : head + 1;
    this.count--;
    return item;
  }
}
