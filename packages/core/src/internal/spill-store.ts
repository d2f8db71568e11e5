import { type FileHandle, mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { LogRecordLike } from '../log-record.ts';
import { encodeSpillHeader, encodeSpillRecord } from './spill-codec.ts';
import { acquireSpillLock, type SpillLock } from './spill-lock.ts';
import {
  FIRST_SEGMENT_SEQ,
  parseSegmentFileName,
  parseSegmentText,
  segmentFileName,
} from './spill-segment-file.ts';

export interface SpillSegment {
  readonly seq: number;
  readonly file: string;
  /**
   * The export queue's sequence number of the segment's first record, for `forceFlush()`; 0 for a
   * segment an earlier run left (older than anything this run queues).
   */
  readonly firstSeq: number;
  /** Records counted in the ledger as being in this segment. */
  records: number;
  /** File bytes, header included (pending writes counted). */
  bytes: number;
  /** Sum of the records' `approxBytes`, so a segment stays a batch the sink accepts. */
  approxBytes: number;
  /** No more appends: it is being sent, was recovered, or a newer segment exists. */
  sealed: boolean;
  inFlight: boolean;
  removed: boolean;
  handle: FileHandle | undefined;
  /** Bytes known to be written, to cut a failed append back to whole lines. */
  written: number;
  /**
   * What a partly settled segment still holds, decoded: sent next from here, whatever becomes of the
   * file's rewrite (a failed rewrite leaves settled records in the file, never in what is sent).
   */
  kept: readonly LogRecordLike[] | undefined;
}

/** Suffix of a segment's replacement while it is written; renamed over the segment when complete. */
const REWRITE_SUFFIX = '.rewrite';

export interface SpillRecovery {
  segments: number;
  /** Complete records found (the ledger's `spillRecovered`, together with `tornLines`). */
  records: number;
  /** Partial last lines of writes cut by a crash; skipped. */
  tornLines: number;
  /** Files whose header this version cannot read (a newer predlog wrote them); left in place. */
  unreadableFiles: number;
}

export interface SpillStoreOptions {
  /** This exporter's own folder. */
  directory: string;
  exporterId: string;
  maxBytes: number;
  fsync: boolean;
  maxSegmentRecords: number;
  maxSegmentApproxBytes: number;
  now: () => number;
  /** Records lost in the spill, by reason (`spill_full`, `spill_failed`, `spill_corrupt`). */
  onDrop: (reason: string, count: number) => void;
  /** A file operation failed (code only, never a value). */
  onIoError: (operation: string, code: string) => void;
}

export class SpillLockedError extends Error {
  readonly ownerPid: number;
  constructor(ownerPid: number) {
    super(`the spill directory is in use by process ${ownerPid}`);
    this.name = 'SpillLockedError';
    this.ownerPid = ownerPid;
  }
}

/**
 * One exporter's spill: an ordered list of segment files, oldest first, bounded in bytes. The index
 * (counts, order) changes synchronously, so the queue's ledger is exact at every moment; file work
 * runs on one serial chain in the background, so an append, a seal, a read and a delete of the same
 * file always happen in the order they were asked for.
 */
export class SpillStore {
  /** Records in the spill (written or being written). */
  records = 0;
  /** File bytes of the spill (written or being written). */
  bytes = 0;
  private readonly options: SpillStoreOptions;
  private readonly segments: SpillSegment[] = [];
  private nextSeq = FIRST_SEGMENT_SEQ;
  private chain: Promise<void> = Promise.resolve();
  private lock: SpillLock | undefined;
  private closed = false;

  constructor(options: SpillStoreOptions) {
    this.options = options;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** Creates the folder, takes its lock and indexes the segments an earlier run left, oldest first. */
  async open(): Promise<SpillRecovery> {
    const { directory } = this.options;
    await mkdir(directory, { recursive: true, mode: 0o700 });
    const locked = await acquireSpillLock(directory);
    if (!locked.ok) throw new SpillLockedError(locked.ownerPid);
    this.lock = locked.lock;
    const recovery: SpillRecovery = { segments: 0, records: 0, tornLines: 0, unreadableFiles: 0 };
    try {
      const found: number[] = [];
      for (const name of await readdir(directory)) {
        // A rewrite cut by a crash: the segment it was to replace is still whole.
        if (name.endsWith(REWRITE_SUFFIX)) {
          await unlink(path.join(directory, name)).catch(() => undefined);
          continue;
        }
        const seq = parseSegmentFileName(name);
        if (seq !== undefined) found.push(seq);
      }
      found.sort((a, b) => a - b);
      for (const seq of found) {
        const file = path.join(directory, segmentFileName(seq));
        const text = await readFile(file, 'utf8');
        const parsed = parseSegmentText(text);
        if (parsed.tornTail) recovery.tornLines++;
        if (parsed.header === undefined && parsed.records.length + parsed.invalidLines > 0) {
          // Records we cannot vouch for (a newer format): leave them for a predlog that reads them.
          recovery.unreadableFiles++;
          continue;
        }
        // Corrupt middle lines are counted when the segment is read for sending.
        const records = parsed.records.length + parsed.invalidLines;
        if (records === 0) {
          await unlink(file).catch(() => undefined);
          continue;
        }
        this.segments.push({
          seq,
          file,
          firstSeq: 0,
          records,
          bytes: Buffer.byteLength(text),
          approxBytes: 0,
          sealed: true,
          inFlight: false,
          removed: false,
          handle: undefined,
          written: Buffer.byteLength(text),
          kept: undefined,
        });
        this.records += records;
        this.bytes += Buffer.byteLength(text);
        recovery.segments++;
        recovery.records += records;
      }
      const newest = found.at(-1);
      if (newest !== undefined) this.nextSeq = newest + 1;
    } catch (error) {
      await this.lock.release();
      throw error;
    }
    return recovery;
  }

  /** Adds a batch behind everything spilled (the newest records); `firstSeq` numbers its first record. */
  append(records: readonly LogRecordLike[], firstSeq = 0): void {
    this.add(records, false, firstSeq);
  }

  /** Puts a batch in front of everything spilled: it is older than all of it (it failed in flight). */
  prepend(records: readonly LogRecordLike[], firstSeq = 0): void {
    this.add(records, true, firstSeq);
  }

  /** `firstSeq` of the oldest segment, if any. */
  oldestSeq(): number | undefined {
    return this.segments[0]?.firstSeq;
  }

  /** The oldest segment, unless it is being sent. */
  head(): SpillSegment | undefined {
    const first = this.segments[0];
    return first === undefined || first.inFlight ? undefined : first;
  }

  /**
   * Reads a segment for sending: seals it (nothing is appended to a batch in flight), waits for its
   * writes, decodes it. Lines that do not decode are counted (`spill_corrupt`) and the segment's
   * count corrected, so the ledger stays exact.
   */
  async load(segment: SpillSegment): Promise<readonly LogRecordLike[]> {
    segment.inFlight = true;
    const kept = segment.kept;
    if (kept !== undefined) return kept;
    this.seal(segment);
    // The segment's own writes were asked for before this; appends to newer segments need not finish.
    await this.chain;
    if (segment.removed) return [];
    let records: LogRecordLike[];
    try {
      records = parseSegmentText(await readFile(segment.file, 'utf8')).records;
    } catch (error) {
      this.options.onIoError('read', (error as NodeJS.ErrnoException).code ?? 'unknown');
      records = [];
    }
    // More lines than counted only after an append failed and could not be cut back: those records
    // were already counted as lost, so they are not sent.
    if (records.length > segment.records) records.length = segment.records;
    const lost = segment.records - records.length;
    if (lost > 0) {
      segment.records -= lost;
      this.records -= lost;
      this.options.onDrop('spill_corrupt', lost);
    }
    return records;
  }

  /** The send failed: the segment stays first in line. */
  release(segment: SpillSegment): void {
    segment.inFlight = false;
  }

  /**
   * The sink settled part of a segment in flight: only `records` (what is left, in order) stay, first
   * in line. The count changes now; the file is rewritten beside it and renamed over it, so a crash
   * leaves the whole old segment or exactly the rest, never a mix.
   */
  keep(segment: SpillSegment, records: readonly LogRecordLike[]): void {
    segment.inFlight = false;
    if (segment.removed) return;
    const left = records.length;
    if (left === 0) {
      this.remove(segment);
      return;
    }
    if (left >= segment.records) return;
    let text = encodeSpillHeader(this.options.exporterId, this.options.now());
    let approxBytes = 0;
    for (const record of records) {
      text += encodeSpillRecord(record);
      approxBytes += (record as { approxBytes?: number }).approxBytes ?? 512;
    }
    const bytes = Buffer.byteLength(text);
    this.records -= segment.records - left;
    this.bytes += bytes - segment.bytes;
    segment.records = left;
    segment.bytes = bytes;
    segment.approxBytes = approxBytes;
    segment.kept = records;
    this.schedule(async () => {
      if (segment.removed) return;
      const temporary = `${segment.file}${REWRITE_SUFFIX}`;
      try {
        const handle = await open(temporary, 'w', 0o600);
        try {
          await handle.writeFile(text);
          if (this.options.fsync) await handle.sync();
        } finally {
          await handle.close();
        }
        if (segment.removed) {
          await unlink(temporary).catch(() => undefined);
          return;
        }
        await rename(temporary, segment.file);
        if (this.options.fsync) await fsyncDirectory(this.options.directory);
        segment.written = bytes;
      } catch (error) {
        // The old file stays: after a restart its settled records would be sent again (at least once).
        this.options.onIoError('rewrite', (error as NodeJS.ErrnoException).code ?? 'unknown');
        await unlink(temporary).catch(() => undefined);
      }
    });
  }

  /** Resolves once the file operations asked for so far are done (not those asked for later). */
  async settled(): Promise<void> {
    await this.chain;
  }

  /** Forgets a segment (acknowledged, rejected or evicted) and deletes its file. */
  remove(segment: SpillSegment): void {
    if (segment.removed) return;
    segment.removed = true;
    segment.kept = undefined;
    const index = this.segments.indexOf(segment);
    if (index !== -1) this.segments.splice(index, 1);
    this.records -= segment.records;
    this.bytes -= segment.bytes;
    this.schedule(async () => {
      await closeHandle(segment);
      try {
        await unlink(segment.file);
        if (this.options.fsync) await fsyncDirectory(this.options.directory);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
        if (code !== 'ENOENT') this.options.onIoError('delete', code);
      }
    });
  }

  /** Resolves when every file operation asked for so far is done. */
  async flush(): Promise<void> {
    for (;;) {
      const pending = this.chain;
      await pending;
      if (pending === this.chain) return;
    }
  }

  /** Finishes the file work, closes the files and releases the lock; the segments stay on disk. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const segment of this.segments) this.seal(segment);
    await this.flush();
    await this.lock?.release();
  }

  private add(records: readonly LogRecordLike[], front: boolean, firstSeq: number): void {
    const n = records.length;
    if (n === 0) return;
    if (this.closed) {
      this.options.onDrop('spill_failed', n);
      return;
    }
    let text = '';
    let approxBytes = 0;
    for (const record of records) {
      text += encodeSpillRecord(record);
      approxBytes += (record as { approxBytes?: number }).approxBytes ?? 512;
    }
    const textBytes = Buffer.byteLength(text);
    const header = encodeSpillHeader(this.options.exporterId, this.options.now());
    const headerBytes = Buffer.byteLength(header);
    const { maxBytes } = this.options;
    for (;;) {
      const tail = front ? undefined : this.appendableTail(n, approxBytes);
      const needed = textBytes + (tail === undefined ? headerBytes : 0);
      if (this.bytes + needed <= maxBytes) {
        if (tail !== undefined) this.appendTo(tail, text, textBytes, n, approxBytes);
        else this.create(front, header + text, needed, n, approxBytes, firstSeq);
        this.records += n;
        this.bytes += needed;
        return;
      }
      // Full. The oldest records go first; a batch put in front is itself the oldest.
      const victim = this.segments.find((segment) => !segment.inFlight);
      if (front || victim === undefined || needed > maxBytes) {
        this.options.onDrop('spill_full', n);
        return;
      }
      this.options.onDrop('spill_full', victim.records);
      this.remove(victim);
    }
  }

  private appendableTail(n: number, approxBytes: number): SpillSegment | undefined {
    const tail = this.segments.at(-1);
    if (tail === undefined || tail.sealed || tail.inFlight) return undefined;
    if (tail.records + n > this.options.maxSegmentRecords) return undefined;
    if (tail.approxBytes + approxBytes > this.options.maxSegmentApproxBytes) return undefined;
    return tail;
  }

  private appendTo(segment: SpillSegment, text: string, bytes: number, n: number, approxBytes: number): void {
    segment.records += n;
    segment.bytes += bytes;
    segment.approxBytes += approxBytes;
    this.schedule(() => this.write(segment, text, bytes, n, false));
  }

  private create(
    front: boolean,
    text: string,
    bytes: number,
    n: number,
    approxBytes: number,
    firstSeq: number,
  ): void {
    const first = this.segments[0];
    const inFront = front && first !== undefined;
    const seq = inFront ? first.seq - 1 : this.nextSeq++;
    const segment: SpillSegment = {
      seq,
      file: path.join(this.options.directory, segmentFileName(seq)),
      firstSeq,
      records: n,
      bytes,
      approxBytes,
      sealed: inFront,
      inFlight: false,
      removed: false,
      handle: undefined,
      written: 0,
      kept: undefined,
    };
    if (inFront) this.segments.unshift(segment);
    else {
      const previous = this.segments.at(-1);
      if (previous !== undefined) this.seal(previous);
      this.segments.push(segment);
    }
    this.schedule(() => this.write(segment, text, bytes, n, true));
    // Born sealed (`seal()` is a no-op for it): its file is closed once written.
    if (inFront) this.schedule(() => closeHandle(segment));
  }

  private async write(segment: SpillSegment, text: string, bytes: number, n: number, create: boolean) {
    if (segment.removed) return;
    try {
      if (create) {
        segment.handle = await open(segment.file, 'wx', 0o600);
        if (this.options.fsync) await fsyncDirectory(this.options.directory);
      }
      const handle = segment.handle;
      if (handle === undefined) throw Object.assign(new Error('segment not open'), { code: 'EBADF' });
      await handle.writeFile(text);
      if (this.options.fsync) await handle.sync();
      segment.written += bytes;
    } catch (error) {
      this.options.onIoError('write', (error as NodeJS.ErrnoException).code ?? 'unknown');
      // The batch is lost (counted); the file is cut back to its last whole line and takes no more.
      if (segment.removed) return;
      segment.records -= n;
      segment.bytes -= bytes;
      this.records -= n;
      this.bytes -= bytes;
      this.options.onDrop('spill_failed', n);
      segment.sealed = true;
      if (segment.written > 0) await segment.handle?.truncate(segment.written).catch(() => undefined);
      await closeHandle(segment);
      if (segment.records === 0) this.remove(segment);
    }
  }

  private seal(segment: SpillSegment): void {
    if (segment.sealed) return;
    segment.sealed = true;
    this.schedule(() => closeHandle(segment));
  }

  private schedule(operation: () => Promise<void>): void {
    this.chain = this.chain.then(operation).catch((error: unknown) => {
      this.options.onIoError('spill', (error as NodeJS.ErrnoException).code ?? 'unknown');
    });
  }
}

async function closeHandle(segment: SpillSegment): Promise<void> {
  const handle = segment.handle;
  if (handle === undefined) return;
  segment.handle = undefined;
  await handle.close().catch(() => undefined);
}

async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
