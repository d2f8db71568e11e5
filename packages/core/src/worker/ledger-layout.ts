/**
 * The pipeline worker's half of the ledger, in shared memory, so the serving thread's `stats()`
 * stays synchronous: named counters (`exported:file`, `dropped:filtered@redaction/pii`, ...) and
 * the frames the worker has settled (`acknowledged`: their fate is in the counters).
 *
 * One writer (the worker), any number of readers. Every update is one atomic step, so a worker
 * killed at any instruction leaves a consistent ledger: the counters live in two copies, the writer
 * fills the copy not in use and then flips `VERSION` (whose low bit names the copy in use) with one
 * atomic store. A reader reads the copy `VERSION` names and retries when `VERSION` moved meanwhile.
 *
 * Names are appended to a heap (UTF-8, at most {@link MAX_NAME_BYTES} bytes each), each with its
 * slot's offset and length, and `NAME_COUNT` is stored after them; a slot's value is only ever
 * non-zero after its name is published. The memory outlives the worker: a restarted worker reads
 * the names back and goes on adding to the same slots.
 */

export const VERSION = 0;
export const NAME_COUNT = 1;
/** Slot 0 holds the frames acknowledged, slot 1 what overflowed the name table (never lost). */
export const ACKNOWLEDGED_SLOT = 0;
export const OVERFLOW_SLOT = 1;
export const OVERFLOW_NAME = 'ledger_overflow';
export const FIRST_NAMED_SLOT = 2;

export const LEDGER_SLOTS = 512;
export const NAME_HEAP_BYTES = 32 * 1024;
export const MAX_NAME_BYTES = 256;

const HEADER_BYTES = 64;
const COPY_BYTES = LEDGER_SLOTS * 8;
const NAME_TABLE_OFFSET = HEADER_BYTES + 2 * COPY_BYTES;
const NAME_HEAP_OFFSET = NAME_TABLE_OFFSET + LEDGER_SLOTS * 8;
const LEDGER_BYTES = NAME_HEAP_OFFSET + NAME_HEAP_BYTES;

export function createLedger(): SharedArrayBuffer {
  return new SharedArrayBuffer(LEDGER_BYTES);
}

/** Typed views of a ledger's memory, shared by writer and reader. */
export interface LedgerViews {
  readonly header: Int32Array;
  readonly copies: readonly [Float64Array, Float64Array];
  /** Per slot: [heap offset, byte length] of its name. */
  readonly names: Int32Array;
  readonly heap: Buffer;
}

export function ledgerViews(memory: SharedArrayBuffer): LedgerViews {
  return {
    header: new Int32Array(memory, 0, HEADER_BYTES / 4),
    copies: [
      new Float64Array(memory, HEADER_BYTES, LEDGER_SLOTS),
      new Float64Array(memory, HEADER_BYTES + COPY_BYTES, LEDGER_SLOTS),
    ],
    names: new Int32Array(memory, NAME_TABLE_OFFSET, LEDGER_SLOTS * 2),
    heap: Buffer.from(memory, NAME_HEAP_OFFSET, NAME_HEAP_BYTES),
  };
}

/** The name of `slot`, as published (slots below FIRST_NAMED_SLOT have fixed meanings). */
export function slotName(views: LedgerViews, slot: number): string {
  if (slot === OVERFLOW_SLOT) return OVERFLOW_NAME;
  const offset = views.names[slot * 2] as number;
  const length = views.names[slot * 2 + 1] as number;
  return views.heap.toString('utf8', offset, offset + length);
}
