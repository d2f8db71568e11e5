import type { Clock } from '@predlog/core';
import type { BatchWrite, PendingCut } from './batch-write.ts';
import type { Compressor } from './compressor.ts';
import { CLOSED_SUFFIX, INPROGRESS_SUFFIX } from './file-names.ts';
import type { FileSystem } from './file-system.ts';
import { PartitionFile } from './partition-file.ts';
import { utcDate } from './partition-path.ts';
import { recoverInprogressFile } from './recover-file.ts';
import type { FileExporterMetrics, RotationReason } from './self-metrics.ts';

/** Diagnostic codes of the I/O failures this set reports. */
export type FileIoFailure = 'file.close_failed' | 'file.cut_failed' | 'file.sync_failed';

export interface OpenFilesOptions {
  readonly root: string;
  readonly fs: FileSystem;
  readonly clock: Clock;
  readonly maxOpenFiles: number;
  readonly maxFileAgeMs: number;
  readonly fileMode: number;
  readonly directoryMode: number;
  readonly integrity: boolean;
  readonly fsync: boolean;
  readonly metrics: FileExporterMetrics;
  readonly compressor: Compressor | undefined;
  /** Counts and reports a failed cut, sync or close. */
  readonly onError: (code: FileIoFailure, error: unknown) => void;
}

/**
 * The exporter's files and how each leaves service: one open file per partition (least recently
 * written first), rotated by age and date, evicted at `maxOpenFiles`; files a batch filled or
 * evicted, closed once the batch is settled; files a failed batch could not be cut back, which hold
 * back every write until they are; files whose close failed, closed by recovery in-process.
 */
export class OpenFiles {
  private readonly options: OpenFilesOptions;
  private readonly files = new Map<string, PartitionFile>();
  /** Retired by batches that were written: closed at the next `settle`. */
  private readonly retiring: Array<{ file: PartitionFile; reason: RotationReason }> = [];
  private readonly uncut: PendingCut[] = [];
  /** In-progress files whose close failed part-way (handle closed), for `recoverInprogressFile`. */
  private readonly unclosed: string[] = [];

  constructor(options: OpenFilesOptions) {
    this.options = options;
  }

  /** True while a failed batch is not cut back out of some file: nothing may be written. */
  get blocked(): boolean {
    return this.uncut.length > 0;
  }

  /** The open file of a partition for `batch`, rotating a due one and evicting at the cap. */
  async fileFor(partition: string, batch: BatchWrite): Promise<PartitionFile> {
    const open = this.files.get(partition);
    if (open !== undefined) {
      const reason = this.rotationDue(open);
      if (reason === undefined) {
        this.files.delete(partition);
        this.files.set(partition, open);
        return open;
      }
      await this.retire(open, reason, batch);
    }
    if (this.files.size >= this.options.maxOpenFiles) {
      // Prefer a file this batch has not written to: it can be closed at once.
      let victim: PartitionFile | undefined;
      for (const file of this.files.values()) {
        victim ??= file;
        if (!batch.holds(file)) {
          victim = file;
          break;
        }
      }
      if (victim !== undefined) await this.retire(victim, 'evicted', batch);
    }
    const { options } = this;
    const file = await PartitionFile.open({
      fs: options.fs,
      root: options.root,
      partition,
      fileMode: options.fileMode,
      directoryMode: options.directoryMode,
      integrity: options.integrity,
      fsync: options.fsync,
      nowMs: options.clock.now(),
      monotonicMs: options.clock.monotonic(),
    });
    batch.opened(file);
    this.files.set(partition, file);
    return file;
  }

  /**
   * Takes a file out of service. One holding lines of `batch` stays open until the batch is settled
   * (it may have to be cut back); any other is closed now.
   */
  async retire(file: PartitionFile, reason: RotationReason, batch: BatchWrite): Promise<void> {
    if (!batch.holds(file)) {
      await this.close(file, reason);
      return;
    }
    this.leaveService(file);
    batch.retire(file, reason);
  }

  /** The batch is written: its retired files are closed at the next `settle`. Synchronous. */
  commit(batch: BatchWrite): void {
    this.retiring.push(...batch.retired());
  }

  /** Cuts every file the failed batch touched back to where it stood before it. */
  async undo(batch: BatchWrite): Promise<void> {
    for (const file of batch.created()) this.leaveService(file);
    const outcome = await batch.undo();
    for (const pending of outcome.uncut) this.leaveService(pending.file);
    this.uncut.push(...outcome.uncut);
    if (outcome.error !== undefined) this.options.onError('file.cut_failed', outcome.error);
    for (const { file, reason } of outcome.toClose) await this.close(file, reason);
  }

  /**
   * Finishes what earlier batches left: closes retired files, cuts back files a failed batch could
   * not cut, closes files whose close failed. Never throws.
   */
  async settle(): Promise<void> {
    for (let next = this.retiring.shift(); next !== undefined; next = this.retiring.shift()) {
      await this.close(next.file, next.reason);
    }
    for (const pending of [...this.uncut]) {
      try {
        await pending.file.rollback(pending.savepoint);
      } catch (error) {
        this.options.onError('file.cut_failed', error);
        continue;
      }
      this.uncut.splice(this.uncut.indexOf(pending), 1);
      await this.close(pending.file, 'error');
    }
    for (const path of [...this.unclosed]) {
      const closedPath = path.slice(0, -INPROGRESS_SUFFIX.length) + CLOSED_SUFFIX;
      try {
        const { removed } = await recoverInprogressFile(path, closedPath, {
          fsync: this.options.fsync,
          nowMs: this.options.clock.now(),
        });
        this.unclosed.splice(this.unclosed.indexOf(path), 1);
        if (!removed) this.closed(closedPath, 'error');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          this.unclosed.splice(this.unclosed.indexOf(path), 1);
        } else this.options.onError('file.close_failed', error);
      }
    }
  }

  /** Closes open files whose age or UTC date is due. */
  async closeDue(): Promise<void> {
    for (const file of [...this.files.values()]) {
      const reason = this.rotationDue(file);
      if (reason !== undefined) await this.close(file, reason);
    }
  }

  /** fsyncs every open file (the data written so far). */
  async sync(): Promise<void> {
    for (const file of this.files.values()) {
      await file.sync().catch((error: unknown) => this.options.onError('file.sync_failed', error));
    }
  }

  /**
   * Closes everything, for shutdown. A file that still cannot be cut back keeps its in-progress
   * name (the one case that leaves one): returns how many.
   */
  async closeAll(): Promise<number> {
    await this.settle();
    for (const file of [...this.files.values()]) await this.close(file, 'shutdown');
    // A close that failed just now gets its one more try, through recovery.
    if (this.unclosed.length > 0) await this.settle();
    const left = this.uncut.length + this.unclosed.length;
    for (const { file } of this.uncut.splice(0)) await file.abandon();
    return left;
  }

  private rotationDue(file: PartitionFile): RotationReason | undefined {
    const { clock } = this.options;
    if (clock.monotonic() - file.openedAtMonotonicMs >= this.options.maxFileAgeMs) return 'age';
    if (utcDate(clock.now()) !== file.openedOnDate) return 'date';
    return undefined;
  }

  private leaveService(file: PartitionFile): void {
    if (this.files.get(file.partition) === file) this.files.delete(file.partition);
  }

  /** Closes and renames a file (removes it when empty), then queues it for gzip. */
  private async close(file: PartitionFile, reason: RotationReason): Promise<void> {
    this.leaveService(file);
    try {
      if ((await file.close(this.options.clock.now())) === 'removed') return;
    } catch (error) {
      this.options.onError('file.close_failed', error);
      this.unclosed.push(file.inprogressPath);
      return;
    }
    this.closed(file.closedPath, reason);
  }

  private closed(closedPath: string, reason: RotationReason): void {
    this.options.metrics.fileRotated(reason);
    this.options.compressor?.enqueue(closedPath);
  }
}
