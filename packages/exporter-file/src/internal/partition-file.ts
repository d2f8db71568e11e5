import { type FileHandle, mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { CLOSED_SUFFIX, INPROGRESS_SUFFIX, newFileBase } from './file-names.ts';
import { type ChainState, chainLine, hashLine, headerLine, trailerLine } from './hash-chain.ts';
import { markLive, nextFileSeq, unmarkLive } from './live-files.ts';

export interface PartitionFileOptions {
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

/**
 * The one open file of a partition. Writes go through a FileHandle opened for append, so each
 * batch is one write call at the end of the file; a failed write is cut back to the last complete
 * line, so the file never holds a partial line while this process lives.
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
  /** A failed write could not be cut back: the file may end in a partial line. */
  damaged = false;
  private readonly handle: FileHandle;
  private readonly fsync: boolean;
  private chain: ChainState | undefined;

  private constructor(
    options: PartitionFileOptions,
    paths: { inprogress: string; closed: string },
    handle: FileHandle,
    openedOnDate: string,
  ) {
    this.partition = options.partition;
    this.inprogressPath = paths.inprogress;
    this.closedPath = paths.closed;
    this.openedAtMonotonicMs = options.monotonicMs;
    this.openedOnDate = openedOnDate;
    this.handle = handle;
    this.fsync = options.fsync;
  }

  static async open(options: PartitionFileOptions): Promise<PartitionFile> {
    const dir = join(options.root, options.partition);
    await mkdir(dir, { recursive: true, mode: options.directoryMode });
    const base = newFileBase(options.nowMs, process.pid, nextFileSeq());
    const paths = {
      inprogress: join(dir, base + INPROGRESS_SUFFIX),
      closed: join(dir, base + CLOSED_SUFFIX),
    };
    // 'ax': append-only (a write after a cut-back lands at the new end), and never reuse a file.
    const handle = await open(paths.inprogress, 'ax', options.fileMode);
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
        await file.abandon();
        throw error;
      }
      file.chain = { seq: 0, prevHash: hashLine(header) };
    }
    return file;
  }

  /**
   * Encodes `lines[from, to)` as one chunk (with chain fields in integrity mode) without changing
   * the file's state; `commit` applies it once written.
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

  /** Writes a prepared chunk; on failure the file is cut back to where it was and the error rethrown. */
  async append(chunk: PreparedChunk): Promise<void> {
    const before = this.bytes;
    try {
      await this.writeAll(chunk.data);
    } catch (error) {
      this.bytes = before;
      try {
        await this.handle.truncate(before);
      } catch {
        this.damaged = true;
      }
      throw error;
    }
    this.records += chunk.lines;
    if (chunk.chain !== undefined) this.chain = chunk.chain;
  }

  async sync(): Promise<void> {
    await this.handle.datasync();
  }

  /** Writes the trailer (integrity), closes the handle and renames the file to its closed name. */
  async close(nowMs: number): Promise<void> {
    try {
      try {
        if (this.chain !== undefined) await this.writeAll(Buffer.from(`${trailerLine(this.chain, nowMs)}\n`));
        if (this.fsync) await this.handle.sync();
      } finally {
        await this.handle.close();
      }
      await rename(this.inprogressPath, this.closedPath);
    } finally {
      // On failure the file keeps its in-progress name and is recovered at the next start.
      unmarkLive(this.inprogressPath);
    }
  }

  /**
   * Closes the handle but leaves the in-progress name: used when the file may hold a partial line
   * (a failed write that could not be cut back). The next start recovers it.
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
