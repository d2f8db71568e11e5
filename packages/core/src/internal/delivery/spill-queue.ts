import type { LogRecordLike } from '../../log-record.ts';
import type { SpillSegment, SpillStore } from '../spill-store.ts';
import { type BatchLease, type BatchQueue, pick, type QueuedBatch } from './batch-queue.ts';
import { MemoryTier } from './memory-queue.ts';

/**
 * The queue with a disk spill: one FIFO over two tiers, everything on disk older than everything in
 * memory. The oldest segment is always taken before any memory batch; a batch goes to disk when
 * `diskFirst()` says so (the sink is unavailable, or the shutdown deadline passed), when the memory
 * tier is full (`spillWaiting()`), or when a batch already in flight comes back while older ones
 * wait on disk. Until the store is attached (opened and indexed), it is a memory queue.
 */
export class SpillBatchQueue implements BatchQueue {
  private readonly memory = new MemoryTier();
  private store: SpillStore | undefined;
  private readonly diskFirst: () => boolean;

  constructor(diskFirst: () => boolean) {
    this.diskFirst = diskFirst;
  }

  /** The spill is open: from now on batches may go to disk. */
  attach(store: SpillStore): void {
    this.store = store;
  }

  get records(): number {
    return this.memory.records + this.spilledRecords;
  }

  get memoryRecords(): number {
    return this.memory.records;
  }

  get spilledRecords(): number {
    return this.store?.records ?? 0;
  }

  get canSpill(): boolean {
    return this.store !== undefined;
  }

  push(batch: QueuedBatch): void {
    const store = this.store;
    if (store !== undefined && this.diskFirst()) {
      // Older batches still in memory go first, or this one would overtake them.
      this.spillWaiting();
      store.append(batch.records, batch.firstSeq);
    } else this.memory.push(batch);
  }

  take(): BatchLease | undefined {
    const store = this.store;
    const segment = store?.head();
    if (store !== undefined && segment !== undefined) return diskLease(store, segment);
    return this.memory.take((batch) => this.putBack(batch));
  }

  spillWaiting(): void {
    const store = this.store;
    if (store === undefined) return;
    for (const batch of this.memory.takeWaiting()) store.append(batch.records, batch.firstSeq);
  }

  dropWaiting(): number {
    return this.memory.dropWaiting();
  }

  oldestMemorySeq(): number | undefined {
    return this.memory.oldestSeq();
  }

  oldestDiskSeq(): number | undefined {
    return this.store?.oldestSeq();
  }

  async written(): Promise<void> {
    await this.store?.settled();
  }

  /** A memory batch that came back from a send: first in line, on disk if anything waits there. */
  private putBack(batch: QueuedBatch): void {
    const store = this.store;
    // Anything on disk now arrived after this batch was taken (memory is only taken when the disk is
    // empty), so it goes in front of all of it.
    if (store !== undefined && (this.diskFirst() || store.records > 0))
      store.prepend(batch.records, batch.firstSeq);
    else this.memory.pushFront(batch);
  }
}

function diskLease(store: SpillStore, segment: SpillSegment): BatchLease {
  let loaded: readonly LogRecordLike[] = [];
  let open = true;
  return {
    tier: 'disk',
    firstSeq: segment.firstSeq,
    // Spilled batches are not given up on: they wait on disk until the sink takes them.
    firstAttemptAt: undefined,
    records: async () => {
      loaded = await store.load(segment);
      return loaded;
    },
    done: () => {
      if (!open) return;
      open = false;
      // Removal and the caller's counts change in the same turn: the ledger never counts these twice.
      store.remove(segment);
    },
    keep: (positions) => {
      if (!open) return;
      open = false;
      if (positions.length === loaded.length) store.release(segment);
      else store.keep(segment, pick(loaded, positions));
    },
  };
}
