import {
  ACKNOWLEDGED_SLOT,
  FIRST_NAMED_SLOT,
  LEDGER_SLOTS,
  type LedgerViews,
  ledgerViews,
  MAX_NAME_BYTES,
  NAME_COUNT,
  NAME_HEAP_BYTES,
  OVERFLOW_SLOT,
  slotName,
  VERSION,
} from './ledger-layout.ts';

/** What a worker sink counts with: see {@link LedgerWriter}. */
export interface WorkerLedger {
  /** Adds `n` to the counter `name` (`exported:file`, `dropped:export_failed:loki`, ...). */
  add(name: string, n: number): void;
  /** `frames` more frames taken from the ring are settled: their fate is in the counters. */
  acknowledge(frames: number): void;
  /** Runs `fn` and publishes everything it added and acknowledged as one step. */
  transaction(fn: () => void): void;
}

/**
 * The worker's writer of the shared ledger (ledger-layout.ts). Every `add`/`acknowledge` outside a
 * transaction, and every transaction, is published with one atomic store; a worker killed in the
 * middle of one leaves the ledger as it was before it.
 */
export class LedgerWriter implements WorkerLedger {
  private readonly views: LedgerViews;
  private readonly slots = new Map<string, number>();
  /** Deltas not yet published, and the slots they touch. */
  private readonly pending = new Float64Array(LEDGER_SLOTS);
  private readonly touched: number[] = [];
  private depth = 0;
  private nextSlot: number;
  private heapUsed = 0;

  constructor(memory: SharedArrayBuffer) {
    this.views = ledgerViews(memory);
    // A restarted worker takes over the slots its predecessors named.
    this.nextSlot = Math.max(FIRST_NAMED_SLOT, Atomics.load(this.views.header, NAME_COUNT));
    for (let slot = FIRST_NAMED_SLOT; slot < this.nextSlot; slot++) {
      this.slots.set(slotName(this.views, slot), slot);
      this.heapUsed = Math.max(
        this.heapUsed,
        (this.views.names[slot * 2] as number) + (this.views.names[slot * 2 + 1] as number),
      );
    }
  }

  add(name: string, n: number): void {
    if (n === 0) return;
    this.bump(this.slotFor(name), n);
  }

  acknowledge(frames: number): void {
    if (frames === 0) return;
    this.bump(ACKNOWLEDGED_SLOT, frames);
  }

  transaction(fn: () => void): void {
    this.depth++;
    try {
      fn();
    } finally {
      this.depth--;
      if (this.depth === 0) this.publish();
    }
  }

  private bump(slot: number, n: number): void {
    if (this.pending[slot] === 0) this.touched.push(slot);
    this.pending[slot] = (this.pending[slot] as number) + n;
    if (this.depth === 0) this.publish();
  }

  private publish(): void {
    const touched = this.touched;
    if (touched.length === 0) return;
    const header = this.views.header;
    const version = Atomics.load(header, VERSION);
    const current = this.views.copies[version & 1] as Float64Array;
    const next = this.views.copies[(version + 1) & 1] as Float64Array;
    next.set(current);
    for (const slot of touched) {
      next[slot] = (next[slot] as number) + (this.pending[slot] as number);
      this.pending[slot] = 0;
    }
    touched.length = 0;
    Atomics.store(header, VERSION, (version + 1) | 0);
  }

  private slotFor(name: string): number {
    const known = this.slots.get(name);
    if (known !== undefined) return known;
    const views = this.views;
    const bytes = Buffer.byteLength(name, 'utf8');
    if (this.nextSlot >= LEDGER_SLOTS || bytes > MAX_NAME_BYTES || this.heapUsed + bytes > NAME_HEAP_BYTES) {
      // Counted, under a name that says the table was full: a count is never dropped.
      this.slots.set(name, OVERFLOW_SLOT);
      return OVERFLOW_SLOT;
    }
    const slot = this.nextSlot++;
    views.heap.write(name, this.heapUsed, bytes, 'utf8');
    views.names[slot * 2] = this.heapUsed;
    views.names[slot * 2 + 1] = bytes;
    this.heapUsed += bytes;
    // Published after the name's bytes, so a reader that sees the count can read the name.
    Atomics.store(views.header, NAME_COUNT, this.nextSlot);
    this.slots.set(name, slot);
    return slot;
  }
}
