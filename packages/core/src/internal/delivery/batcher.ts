import type { Clock, TimerHandle } from '../../contracts.ts';
import type { LogRecordLike } from '../../log-record.ts';

/** A batch as the batcher seals it: records in arrival order, and where they are in the sequence. */
export interface SealedBatch {
  readonly records: LogRecordLike[];
  /** Sequence number of the first record (the queue numbers records as they arrive). */
  readonly firstSeq: number;
}

export interface BatcherLimits {
  readonly maxBatchSize: number;
  readonly maxBatchBytes: number;
  readonly maxBatchAgeMs: number;
}

/** A record's `approxBytes`, or a typical record's size for records that do not say. */
export function approxBytesOf(record: LogRecordLike): number {
  return (record as { approxBytes?: number }).approxBytes ?? 512;
}

/**
 * Collects records into batches: a batch is sealed when it holds `maxBatchSize` records or
 * `maxBatchBytes` approximate bytes, when its oldest record is `maxBatchAgeMs` old (a clock timer),
 * or when asked (`seal()`, for a flush). Sealed batches go to `onSealed` in order.
 */
export class Batcher {
  private pending: LogRecordLike[] = [];
  private pendingBytes = 0;
  private pendingFirstSeq = 0;
  private ageTimer: TimerHandle | undefined;
  private readonly limits: BatcherLimits;
  private readonly clock: Clock;
  private readonly onSealed: (batch: SealedBatch) => void;
  private readonly onAged: () => void;

  /** `onAged` runs after the age timer sealed a batch (to start delivery). */
  constructor(
    limits: BatcherLimits,
    clock: Clock,
    onSealed: (batch: SealedBatch) => void,
    onAged: () => void = () => undefined,
  ) {
    this.limits = limits;
    this.clock = clock;
    this.onSealed = onSealed;
    this.onAged = onAged;
  }

  /** Records in the batch being filled. */
  get records(): number {
    return this.pending.length;
  }

  /** Sequence number of the oldest record still being batched, if any. */
  get oldestSeq(): number | undefined {
    return this.pending.length === 0 ? undefined : this.pendingFirstSeq;
  }

  /** Adds one record, numbered `seq` by the caller (consecutive numbers). */
  add(record: LogRecordLike, seq: number): void {
    if (this.pending.length === 0) {
      this.pendingFirstSeq = seq;
      this.ageTimer = this.clock.setTimeout(() => {
        this.ageTimer = undefined;
        this.seal();
        this.onAged();
      }, this.limits.maxBatchAgeMs);
    }
    this.pending.push(record);
    this.pendingBytes += approxBytesOf(record);
    if (this.pending.length >= this.limits.maxBatchSize || this.pendingBytes >= this.limits.maxBatchBytes)
      this.seal();
  }

  /** Seals the batch being filled now, if it holds anything. */
  seal(): void {
    this.ageTimer?.cancel();
    this.ageTimer = undefined;
    if (this.pending.length === 0) return;
    const batch: SealedBatch = { records: this.pending, firstSeq: this.pendingFirstSeq };
    this.pending = [];
    this.pendingBytes = 0;
    this.onSealed(batch);
  }

  /** Takes what is being batched without sealing it (a shutdown that drops it). */
  takePending(): LogRecordLike[] {
    this.ageTimer?.cancel();
    this.ageTimer = undefined;
    const records = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    return records;
  }

  stop(): void {
    this.ageTimer?.cancel();
    this.ageTimer = undefined;
  }
}
