import {
  ACKNOWLEDGED_SLOT,
  FIRST_NAMED_SLOT,
  LEDGER_SLOTS,
  type LedgerViews,
  ledgerViews,
  NAME_COUNT,
  OVERFLOW_NAME,
  OVERFLOW_SLOT,
  slotName,
  VERSION,
} from './ledger-layout.ts';

export interface LedgerSnapshot {
  /** Frames the worker(s) settled. */
  acknowledged: number;
  /** Every non-zero counter, by name. */
  counters: Record<string, number>;
}

/** Reads of a copy that a commit overtook are retried this often before the last read is taken. */
const MAX_RETRIES = 64;

/**
 * The serving thread's reader of the shared ledger (ledger-layout.ts): a consistent snapshot in a
 * few microseconds, without a message or a lock. Names are decoded once and cached.
 */
export class LedgerReader {
  private readonly views: LedgerViews;
  private readonly names: string[] = [];
  private readonly scratch = new Float64Array(LEDGER_SLOTS);

  constructor(memory: SharedArrayBuffer) {
    this.views = ledgerViews(memory);
  }

  snapshot(): LedgerSnapshot {
    const views = this.views;
    const header = views.header;
    const scratch = this.scratch;
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const version = Atomics.load(header, VERSION);
      scratch.set(views.copies[version & 1] as Float64Array);
      if (Atomics.load(header, VERSION) === version) break;
    }
    // Read after the counters: a slot is named before the first commit that counts in it.
    const used = Math.max(FIRST_NAMED_SLOT, Atomics.load(header, NAME_COUNT));
    for (let slot = this.names.length; slot < used; slot++) {
      this.names.push(
        slot === ACKNOWLEDGED_SLOT ? '' : slot === OVERFLOW_SLOT ? OVERFLOW_NAME : slotName(views, slot),
      );
    }
    const counters: Record<string, number> = {};
    for (let slot = OVERFLOW_SLOT; slot < used; slot++) {
      const n = scratch[slot] as number;
      if (n !== 0) counters[this.names[slot] as string] = n;
    }
    return { acknowledged: scratch[ACKNOWLEDGED_SLOT] as number, counters };
  }
}
