import type { FileSavepoint, PartitionFile, PreparedChunk } from './partition-file.ts';
import type { RotationReason } from './self-metrics.ts';

interface Touched {
  /** Where the file stood before this batch wrote to it. */
  readonly savepoint: FileSavepoint;
  /** Opened by this batch: nothing in it predates the batch. */
  readonly created: boolean;
  /** Taken out of service during the batch (full, evicted): to be closed once the batch is settled. */
  retired: RotationReason | undefined;
}

/** A file a failed batch could not be cut back, and the point it must be cut back to. */
export interface PendingCut {
  readonly file: PartitionFile;
  readonly savepoint: FileSavepoint;
}

/** What undoing a batch left to the exporter. */
export interface UndoOutcome {
  /**
   * Files cut back that are out of service: retired by the batch, or opened by it and not
   * removable. They hold only earlier batches (or nothing) and are to be closed.
   */
  readonly toClose: Array<{ file: PartitionFile; reason: RotationReason }>;
  /** Files that could not be cut back: they may still hold lines of the failed batch. */
  readonly uncut: PendingCut[];
  /** The first error met while undoing, if any. */
  readonly error: unknown;
}

/**
 * The writes of one batch, so that a batch is all or nothing: every file it touched is cut back to
 * where it stood before, should any write fail or the send be aborted. A failed send therefore
 * leaves no line of its batch in any file, and the retry, which sends the whole batch again, never
 * writes a line twice. A file the batch fills or evicts stays open until the batch is settled, so it
 * can still be cut back.
 */
export class BatchWrite {
  records = 0;
  bytes = 0;
  private readonly touched = new Map<PartitionFile, Touched>();

  /** A file the batch opened: undoing removes it. */
  opened(file: PartitionFile): void {
    this.touched.set(file, { savepoint: file.savepoint(), created: true, retired: undefined });
  }

  /** Called before the batch first writes to a file it did not open. */
  touch(file: PartitionFile): void {
    if (!this.touched.has(file)) {
      this.touched.set(file, { savepoint: file.savepoint(), created: false, retired: undefined });
    }
  }

  /** True when the file holds, or may hold, lines of this batch. */
  holds(file: PartitionFile): boolean {
    return this.touched.has(file);
  }

  wrote(chunk: PreparedChunk): void {
    this.records += chunk.lines;
    this.bytes += chunk.data.length;
  }

  /** Takes a file the batch wrote to out of service; it is closed once the batch is settled. */
  retire(file: PartitionFile, reason: RotationReason): void {
    const entry = this.touched.get(file);
    if (entry !== undefined) entry.retired = reason;
  }

  /** Files retired during the batch, to close now that it is written. */
  retired(): Array<{ file: PartitionFile; reason: RotationReason }> {
    const files: Array<{ file: PartitionFile; reason: RotationReason }> = [];
    for (const [file, entry] of this.touched) {
      if (entry.retired !== undefined) files.push({ file, reason: entry.retired });
    }
    return files;
  }

  /** Files the batch opened: the exporter takes them out of its open set before `undo`. */
  created(): PartitionFile[] {
    return [...this.touched].filter(([, entry]) => entry.created).map(([file]) => file);
  }

  /**
   * Cuts every touched file back to where it stood before the batch; a file the batch opened is
   * removed. Never throws: what could not be cut back is reported in the outcome.
   */
  async undo(): Promise<UndoOutcome> {
    const toClose: UndoOutcome['toClose'] = [];
    const uncut: PendingCut[] = [];
    let error: unknown;
    for (const [file, { savepoint, created, retired }] of this.touched) {
      if (created) {
        try {
          await file.discard();
          continue;
        } catch (cause) {
          error ??= cause;
        }
      }
      try {
        await file.rollback(savepoint);
        if (created || retired !== undefined) toClose.push({ file, reason: retired ?? 'error' });
      } catch (cause) {
        error ??= cause;
        uncut.push({ file, savepoint });
      }
    }
    this.touched.clear();
    return { toClose, uncut, error };
  }
}
