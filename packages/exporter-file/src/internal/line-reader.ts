import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CLOSED_SUFFIX, type DataFileName, GZIP_SUFFIX, INPROGRESS_SUFFIX } from './file-names.ts';

/**
 * Streams the lines of a plain or gzip NDJSON file as byte buffers, in bounded memory. Lines are
 * split on `\n` only (readline would also split on a lone `\r`, which a hash chain must not see),
 * and a final line without its newline, the torn tail of a file still being written or cut by a
 * crash, is reported instead of yielded.
 */

/** Longer lines are skipped: no record is this large, and the cap bounds memory on a damaged file. */
const MAX_LINE_BYTES = 64 * 1024 * 1024;
const READ_CHUNK_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

export interface LineReadState {
  /** The file ended in a partial line, which was not yielded. */
  tornTail: boolean;
  /** Lines skipped for exceeding the line cap. */
  oversizedLines: number;
  /**
   * Most bytes of one unfinished line held at once, when the caller asks (sets it): never more than
   * the cap, which is what bounds the reader's memory besides the chunk being read.
   */
  longestHeldBytes?: number;
  /** With `tornTail`: the partial last line was also too long (and counted in `oversizedLines`). */
  tornTailOversized?: boolean;
}

export interface OpenDataFile {
  /** Decompressed content. */
  readonly stream: Readable;
  /** The state the file was found in (it may have moved on since the directory was listed). */
  readonly state: DataFileName['state'];
}

/**
 * Opens a data file listed earlier. A writer may have renamed it since (closed, then compressed),
 * so the later names are tried in turn; undefined when it is gone (deleted by retention).
 */
export async function openDataFile(dir: string, name: DataFileName): Promise<OpenDataFile | undefined> {
  const states: Array<DataFileName['state']> =
    name.state === 'inprogress'
      ? ['inprogress', 'closed', 'gzip']
      : name.state === 'closed'
        ? ['closed', 'gzip']
        : ['gzip'];
  for (const state of states) {
    const suffix =
      state === 'inprogress' ? INPROGRESS_SUFFIX : state === 'closed' ? CLOSED_SUFFIX : GZIP_SUFFIX;
    let handle: FileHandle;
    try {
      handle = await open(join(dir, name.base + suffix), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    const file = handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES });
    if (state !== 'gzip') return { stream: file, state };
    const gunzip = createGunzip({ chunkSize: READ_CHUNK_BYTES });
    file.on('error', (error) => gunzip.destroy(error));
    gunzip.on('close', () => file.destroy());
    return { stream: file.pipe(gunzip), state };
  }
  return undefined;
}

/**
 * The lines of `stream` (empty lines left out), each at most `maxLineBytes` long: a longer line is
 * counted in `state.oversizedLines` and skipped without being held whole (at most `maxLineBytes` of
 * it is, until it is known to be too long).
 */
export async function* readLines(
  stream: Readable,
  state: LineReadState,
  maxLineBytes = MAX_LINE_BYTES,
): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false;
  const tracksHeld = state.longestHeldBytes !== undefined;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      let newline = chunk.indexOf(NEWLINE, start);
      while (newline !== -1) {
        if (skipping) {
          skipping = false;
        } else if (pendingBytes + newline - start > maxLineBytes) {
          state.oversizedLines += 1;
          pending = [];
          pendingBytes = 0;
        } else if (pending.length === 0) {
          if (newline > start) yield chunk.subarray(start, newline);
        } else {
          pending.push(chunk.subarray(start, newline));
          const line = Buffer.concat(pending);
          pending = [];
          pendingBytes = 0;
          if (line.length > 0) yield line;
        }
        start = newline + 1;
        newline = chunk.indexOf(NEWLINE, start);
      }
      if (start < chunk.length && !skipping) {
        pendingBytes += chunk.length - start;
        if (pendingBytes > maxLineBytes) {
          pending = [];
          pendingBytes = 0;
          skipping = true;
          state.oversizedLines += 1;
        } else {
          pending.push(chunk.subarray(start));
          if (tracksHeld && pendingBytes > (state.longestHeldBytes as number))
            state.longestHeldBytes = pendingBytes;
        }
      }
    }
    state.tornTail = pendingBytes > 0 || skipping;
    state.tornTailOversized = skipping;
  } finally {
    stream.destroy();
  }
}
