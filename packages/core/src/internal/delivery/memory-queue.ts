import { type BatchLease, type BatchQueue, pick, type QueuedBatch } from './batch-queue.ts';

/** The batches of one tier in memory, oldest first; a leased batch is counted until it ends. */
export class MemoryTier {
  private readonly waiting: QueuedBatch[] = [];
  private leased: QueuedBatch | undefined;
  /** Records waiting, the leased batch included. */
  records = 0;

  push(batch: QueuedBatch): void {
    this.waiting.push(batch);
    this.records += batch.records.length;
  }

  pushFront(batch: QueuedBatch): void {
    this.waiting.unshift(batch);
    this.records += batch.records.length;
  }

  /** Leases the oldest batch; `back` puts what a partly settled lease keeps first in line again. */
  take(back: (batch: QueuedBatch) => void): BatchLease | undefined {
    const batch = this.waiting.shift();
    if (batch === undefined) return undefined;
    this.leased = batch;
    let open = true;
    const end = () => {
      if (!open) return false;
      open = false;
      this.leased = undefined;
      this.records -= batch.records.length;
      return true;
    };
    return {
      tier: 'memory',
      firstSeq: batch.firstSeq,
      get firstAttemptAt() {
        return batch.firstAttemptAt;
      },
      set firstAttemptAt(at: number | undefined) {
        batch.firstAttemptAt = at;
      },
      records: async () => batch.records,
      done: () => {
        end();
      },
      keep: (positions) => {
        if (!end() || positions.length === 0) return;
        const records =
          positions.length === batch.records.length ? batch.records : pick(batch.records, positions);
        back({ records, firstSeq: batch.firstSeq, firstAttemptAt: batch.firstAttemptAt });
      },
    };
  }

  /** Removes every waiting batch (not the leased one), oldest first. */
  takeWaiting(): QueuedBatch[] {
    const batches = this.waiting.splice(0);
    for (const batch of batches) this.records -= batch.records.length;
    return batches;
  }

  /** Removes every waiting batch (not the leased one); returns how many records they held. */
  dropWaiting(): number {
    let n = 0;
    for (const batch of this.takeWaiting()) n += batch.records.length;
    return n;
  }

  oldestSeq(): number | undefined {
    return this.leased?.firstSeq ?? this.waiting[0]?.firstSeq;
  }
}

/** The queue without a disk spill: batches wait in memory only. */
export class MemoryBatchQueue implements BatchQueue {
  private readonly memory = new MemoryTier();
  readonly spilledRecords = 0;
  readonly canSpill = false;

  get records(): number {
    return this.memory.records;
  }

  get memoryRecords(): number {
    return this.memory.records;
  }

  push(batch: QueuedBatch): void {
    this.memory.push(batch);
  }

  take(): BatchLease | undefined {
    return this.memory.take((batch) => this.memory.pushFront(batch));
  }

  spillWaiting(): void {}

  dropWaiting(): number {
    return this.memory.dropWaiting();
  }

  oldestMemorySeq(): number | undefined {
    return this.memory.oldestSeq();
  }

  oldestDiskSeq(): number | undefined {
    return undefined;
  }

  async written(): Promise<void> {}
}
