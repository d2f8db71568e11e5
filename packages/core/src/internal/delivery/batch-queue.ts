import type { LogRecordLike } from '../../log-record.ts';

/** A batch waiting in a queue. */
export interface QueuedBatch {
  readonly records: readonly LogRecordLike[];
  /** Sequence number of its first record; a batch cut down by partial success keeps its start. */
  readonly firstSeq: number;
  /** Monotonic ms of the first send attempt of these records (the retry budget), once tried. */
  firstAttemptAt: number | undefined;
}

/**
 * The batch at the head of a queue, taken out for sending. Exactly one of `done()` or `keep()` ends
 * a lease; until then its records still count as queued.
 */
export interface BatchLease {
  readonly tier: 'memory' | 'disk';
  readonly firstSeq: number;
  firstAttemptAt: number | undefined;
  /** The records to send: a memory batch as it is, a disk segment read back (bad lines counted). */
  records(): Promise<readonly LogRecordLike[]>;
  /** Every record is settled (exported or counted): the batch leaves the queue. */
  done(): void;
  /**
   * Only `positions` (indexes into what `records()` gave) are still to send; the others are settled
   * and leave the queue's count now. What is kept stays first in line, on disk rewritten to hold
   * just those records, so a retry after a restart resumes where the sink stopped too.
   */
  keep(positions: readonly number[]): void;
}

/**
 * One FIFO of sealed batches, in memory or over memory and a disk spill: the export queue's delivery
 * does not know which. Counts change synchronously with every call, so the ledger is exact at any
 * moment.
 */
export interface BatchQueue {
  /** Records waiting, a leased batch included, in every tier. */
  readonly records: number;
  /** Of `records`, those in memory. */
  readonly memoryRecords: number;
  /** Of `records`, those on disk. */
  readonly spilledRecords: number;
  /** True when batches can go to disk (a spill is configured and open). */
  readonly canSpill: boolean;
  /** Adds a batch behind everything else (on disk when the queue routes there now). */
  push(batch: QueuedBatch): void;
  /** The oldest batch, leased for sending, or `undefined` when nothing waits. One lease at a time. */
  take(): BatchLease | undefined;
  /** Moves the batches waiting in memory (not a leased one) to disk, in order. */
  spillWaiting(): void;
  /** Removes the batches waiting in memory (not a leased one); returns how many records they held. */
  dropWaiting(): number;
  /** Oldest sequence number waiting in memory, a leased memory batch included. */
  oldestMemorySeq(): number | undefined;
  /** Oldest sequence number waiting on disk, a leased segment included. */
  oldestDiskSeq(): number | undefined;
  /** Resolves once the disk writes asked for so far are done. */
  written(): Promise<void>;
}

/** The records at `positions` of `records`, as a new array. */
export function pick(records: readonly LogRecordLike[], positions: readonly number[]): LogRecordLike[] {
  const kept = new Array<LogRecordLike>(positions.length);
  for (let i = 0; i < positions.length; i++) kept[i] = records[positions[i] as number] as LogRecordLike;
  return kept;
}
