import { join } from 'node:path';
import { CLOSED_SUFFIX, INPROGRESS_SUFFIX, newFileBase } from './file-names.ts';
import type { FileSystem, WritableFile } from './file-system.ts';
import { type ChainState, chainLine, hashLine, headerLine, trailerLine } from './hash-chain.ts';
import { markLive, nextFileSeq, unmarkLive } from './live-files.ts';

export interface PartitionFileOptions {
  readonly fs: FileSystem;
  readonly root: string;
  /** Relative partition directory. */
  readonly partition: string;
  readonly fileMode: number;
  readonly directoryMode: number;
  readonly integrity: boolean;
  readonly fsync: boolean;
  readonly nowMs: number;
  readonly monotonicMs: number;
}

/** Encoded lines ready for one write, and the chain state they leave behind. */
export interface PreparedChunk {
  readonly data: Buffer;
  readonly lines: number;
  readonly chain: ChainState | undefined;
}

/** Where a file stood at a point in time: what `rollback` restores it to. */
export interface FileSavepoint {
  readonly bytes: number;
  readonly records: number;
  readonly chain: ChainState | undefined;
}

/** What `close` did: renamed the file to its closed name, or removed it because it held no record. */
export type CloseOutcome = 'closed' | 'removed';

/**
 * The one open file of a partition. Writes go through a handle opened for append, so each chunk is
 * one write at the end of the file. A write that fails part-way leaves the file where the write
 * stopped; the caller cuts it back to a savepoint (see `BatchWrite`), so no line of a failed batch
 * stays in the file.
 */
export class PartitionFile {
  readonly partition: string;
  readonly inprogressPath: string;
  readonly closedPath: string;
  readonly openedAtMonotonicMs: number;
  /** UTC date (wall clock) the file was opened on: files are rotated when the day changes. */
  readonly openedOnDate: string;
  bytes = 0;
  records = 0;
  private readonly fs: FileSystem;
  private readonly handle: WritableFile;
  private readonly fsync: boolean;
  private chain: ChainState | undefined;

  private constructor(
    options: PartitionFileOptions,
    paths: { inprogress: string; closed: string },
    handle: WritableFile,
    openedOnDate: string,
  ) {
    this.partition = options.partition;
    this.inprogressPath = paths.inprogress;
    this.closedPath = paths.closed;
    this.openedAtMonotonicMs = options.monotonicMs;
    this.openedOnDate = openedOnDate;
    this.fs = options.fs;
    this.handle = handle;
    this.fsync = options.fsync;
  }

  static async open(options: PartitionFileOptions): Promise<PartitionFile> {
    const dir = join(options.root, options.partition);
    await options.fs.mkdir(dir, { recursive: true, mode: options.directoryMode });
    const base = newFileBase(options.nowMs, process.pid, nextFileSeq());
    const paths = {
      inprogress: join(dir, base + INPROGRESS_SUFFIX),
      closed: join(dir, base + CLOSED_SUFFIX),
    };
    // 'ax': append-only (a write after a cut-back lands at the new end), and never reuse a file.
    const handle = await options.fs.open(paths.inprogress, 'ax', options.fileMode);
    markLive(paths.inprogress);
    const file = new PartitionFile(
      options,
      paths,
      handle,
      new Date(options.nowMs).toISOString().slice(0, 10),
    );
    if (options.integrity) {
      const header = headerLine(base, options.partition, options.nowMs);
      try {
        await file.writeAll(Buffer.from(`${header}\n`));
      } catch (error) {
        // Holds no record: nothing to keep, and no half header for recovery to find.
        await file.discard().catch(() => file.abandon());
        throw error;
      }
      file.chain = { seq: 0, prevHash: hashLine(header) };
    }
    return file;
  }

  /**
   * Encodes `lines[from, to)` as one chunk (with chain fields in integrity mode) without changing
   * the file's state; `append` applies it once written.
   */
  prepare(lines: readonly string[], from: number, to: number): PreparedChunk {
    if (this.chain === undefined) {
      const text = from === 0 && to === lines.length ? lines.join('\n') : lines.slice(from, to).join('\n');
      return { data: Buffer.from(`${text}\n`), lines: to - from, chain: undefined };
    }
    const chain = { ...this.chain };
    let text = '';
    for (let i = from; i < to; i++) text += `${chainLine(lines[i] ?? '{}', chain)}\n`;
    return { data: Buffer.from(text), lines: to - from, chain };
  }

  /**
   * Size a line adds (newline and chain fields included) when it is the `position`-th line of the
   * next chunk, for splitting a batch at the size limit.
   */
  lineBytes(line: string, position: number): number {
    // `,"_seq":<n>,"_prev":"<64 hex>"` adds 83 bytes plus the digits of the sequence number.
    const chainBytes = this.chain === undefined ? 0 : 83 + String(this.chain.seq + position + 1).length;
    return Buffer.byteLength(line) + 1 + chainBytes;
  }

  savepoint(): FileSavepoint {
    return { bytes: this.bytes, records: this.records, chain: this.chain };
  }

  /**
   * Writes a prepared chunk. On failure the file may end in part of it (`bytes` says how much
   * landed); `rollback` to a savepoint taken before removes it.
   */
  async append(chunk: PreparedChunk): Promise<void> {
    await this.writeAll(chunk.data);
    this.records += chunk.lines;
    if (chunk.chain !== undefined) this.chain = chunk.chain;
  }

  /** Cuts the file back to a savepoint. On failure nothing changes, and it may be tried again. */
  async rollback(to: FileSavepoint): Promise<void> {
    await this.handle.truncate(to.bytes);
    this.bytes = to.bytes;
    this.records = to.records;
    this.chain = to.chain;
  }

  async sync(): Promise<void> {
    await this.handle.datasync();
  }

  /**
   * Writes the trailer (integrity), closes the handle and renames the file to its closed name; a
   * file that holds no record is removed instead. On failure the handle is closed all the same and
   * the file keeps its in-progress name, for `recoverInprogressFile`.
   */
  async close(nowMs: number): Promise<CloseOutcome> {
    if (this.records === 0) {
      try {
        await this.discard();
      } catch (error) {
        await this.abandon();
        throw error;
      }
      return 'removed';
    }
    try {
      try {
        if (this.chain !== undefined) await this.writeAll(Buffer.from(`${trailerLine(this.chain, nowMs)}\n`));
        if (this.fsync) await this.handle.sync();
      } finally {
        await this.handle.close();
      }
      await this.fs.rename(this.inprogressPath, this.closedPath);
    } finally {
      unmarkLive(this.inprogressPath);
    }
    return 'closed';
  }

  /**
   * Removes the file and closes its handle: for a file that holds no record worth keeping. When
   * the removal fails the file stays open, as it was.
   */
  async discard(): Promise<void> {
    await this.fs.unlink(this.inprogressPath);
    await this.handle.close().catch(() => undefined);
    unmarkLive(this.inprogressPath);
  }

  /**
   * Closes the handle but leaves the in-progress name: the last resort for a file that could not be
   * cut back after a failed write. The next start recovers it.
   */
  async abandon(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    unmarkLive(this.inprogressPath);
  }

  private async writeAll(data: Buffer): Promise<void> {
    let offset = 0;
    while (offset < data.length) {
      const { bytesWritten } = await this.handle.write(data, offset, data.length - offset);
      offset += bytesWritten;
      this.bytes += bytesWritten;
    }
  }
}
