import { mkdirSync, mkdtempSync } from 'node:fs';
import { appendFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type ReadBuffers, readBuffers } from './file-chunks.ts';
import { forEachLine } from './text-lines.ts';

/** Bytes buffered per file before it is appended to disk: P files × 2 sides × this is the write buffer. */
const FLUSH_BYTES = 64 * 1024;
/** Appends in flight before a writer is asked to wait: disk and parsing overlap up to this. */
const MAX_IN_FLIGHT_BYTES = 16 * 1024 * 1024;

/** 32-bit FNV-1a of a string, with a seed so each level of re-partitioning splits keys anew. */
export function keyHash(key: string, seed: number): number {
  let hash = (0x811c9dc5 ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  // A final avalanche: FNV's low bits alone split similar keys (req-1, req-2, …) unevenly.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return hash >>> 0;
}

export type Side = 0 | 1;

/**
 * One level of an external hash partitioning (the Grace hash join's): lines of two sides, each
 * written to the partition file its key hashes to, buffered in memory up to 64 KiB per file. Joining
 * partition i of side 0 with partition i of side 1 sees every pair of equal keys, in memory bounded
 * by the largest partition instead of the whole input.
 *
 * Lines are encoded into each file's byte buffer as they come, so the strings die young: kept as
 * strings until the flush they would be promoted to the old generation, whose garbage V8 collects
 * late and which would show as resident memory.
 */
export class SpillPartitions {
  readonly directory: string;
  readonly partitions: number;
  readonly seed: number;
  private readonly buffers: Buffer[];
  private readonly bufferBytes: number[];
  /** Per file, the appends in flight, chained so lines land in the order they were written. */
  private readonly writing: Array<Promise<void>>;
  private inFlight = 0;
  /** Flush buffers whose append has finished, reused instead of allocating one per flush. */
  private readonly spare: Buffer[] = [];
  private reading: ReadBuffers | undefined;
  bytesWritten = 0;
  linesWritten = 0;

  private constructor(directory: string, partitions: number, seed: number) {
    this.directory = directory;
    this.partitions = partitions;
    this.seed = seed;
    this.buffers = Array.from({ length: partitions * 2 }, () => Buffer.allocUnsafe(FLUSH_BYTES));
    this.bufferBytes = new Array<number>(partitions * 2).fill(0);
    this.writing = new Array<Promise<void>>(partitions * 2).fill(Promise.resolve());
  }

  /**
   * A fresh directory below `parent` (the OS temp dir by default). Synchronous, so a join switches to
   * spilling between two records without letting others in half-way (it happens once per join).
   */
  static create(parent: string | undefined, partitions: number, seed: number): SpillPartitions {
    const under = parent ?? os.tmpdir();
    mkdirSync(under, { recursive: true });
    return new SpillPartitions(mkdtempSync(path.join(under, 'predlog-join-')), partitions, seed);
  }

  partitionOf(key: string): number {
    return keyHash(key, this.seed) % this.partitions;
  }

  file(side: Side, partition: number): string {
    return path.join(this.directory, `${side === 0 ? 'build' : 'probe'}-${partition}.ndjson`);
  }

  /** The 32-bit hash this level partitions by. */
  hash(key: string): number {
    return keyHash(key, this.seed);
  }

  /** Queues one line; returns a promise to await when too many bytes wait to be written. */
  write(side: Side, key: string, line: string): Promise<void> | undefined {
    return this.writeHashed(side, this.hash(key), line);
  }

  /** `write` with the key's hash (from `hash`) already at hand. */
  writeHashed(side: Side, hash: number, line: string): Promise<void> | undefined {
    const slot = side * this.partitions + (hash % this.partitions);
    this.linesWritten += 1;
    // UTF-8 takes at most 3 bytes per UTF-16 unit, plus the newline.
    if ((this.bufferBytes[slot] as number) + line.length * 3 + 1 > FLUSH_BYTES) this.flushSlot(slot);
    if (line.length * 3 + 1 > FLUSH_BYTES) {
      // A line longer than the buffer goes on its own.
      this.append(slot, Buffer.from(`${line}\n`));
    } else {
      const buffer = this.buffers[slot] as Buffer;
      let at = this.bufferBytes[slot] as number;
      at += buffer.write(line, at);
      buffer[at++] = 0x0a;
      this.bufferBytes[slot] = at;
    }
    return this.inFlight > MAX_IN_FLIGHT_BYTES ? Promise.all(this.writing).then(() => undefined) : undefined;
  }

  async flush(): Promise<void> {
    for (let slot = 0; slot < this.buffers.length; slot++) {
      if ((this.bufferBytes[slot] as number) > 0) this.flushSlot(slot);
    }
    await Promise.all(this.writing);
  }

  /**
   * Calls `onLine` with the lines of one partition and side (none when nothing went there). A
   * promise returned by `onLine` is awaited before the next chunk.
   */
  async forEach(
    side: Side,
    partition: number,
    onLine: (line: string) => void | Promise<void>,
  ): Promise<void> {
    try {
      this.reading ??= readBuffers();
      await forEachLine(
        this.file(side, partition),
        (line) => (line === '' ? undefined : onLine(line)),
        undefined,
        this.reading,
      );
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  async remove(): Promise<void> {
    await Promise.allSettled(this.writing);
    await rm(this.directory, { recursive: true, force: true });
  }

  private flushSlot(slot: number): void {
    const filled = (this.buffers[slot] as Buffer).subarray(0, this.bufferBytes[slot]);
    // The filled buffer belongs to the pending append now; the slot gets a spare one.
    this.buffers[slot] = this.spare.pop() ?? Buffer.allocUnsafe(FLUSH_BYTES);
    this.bufferBytes[slot] = 0;
    this.append(slot, filled);
  }

  private append(slot: number, bytes: Buffer): void {
    this.bytesWritten += bytes.length;
    this.inFlight += bytes.length;
    const file = this.file(slot < this.partitions ? 0 : 1, slot % this.partitions);
    this.writing[slot] = (this.writing[slot] as Promise<void>)
      .then(() => appendFile(file, bytes))
      .finally(() => {
        this.inFlight -= bytes.length;
        if (bytes.buffer.byteLength === FLUSH_BYTES && this.spare.length < this.buffers.length) {
          this.spare.push(Buffer.from(bytes.buffer, bytes.byteOffset, FLUSH_BYTES));
        }
      });
  }
}
