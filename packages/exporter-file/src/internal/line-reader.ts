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

export async function* readLines(stream: Readable, state: LineReadState): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      let newline = chunk.indexOf(NEWLINE, start);
      while (newline !== -1) {
        if (skipping) {
          skipping = false;
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
        pending.push(chunk.subarray(start));
        pendingBytes += chunk.length - start;
        if (pendingBytes > MAX_LINE_BYTES) {
          pending = [];
          pendingBytes = 0;
          skipping = true;
          state.oversizedLines += 1;
        }
      }
    }
    state.tornTail = pendingBytes > 0 || skipping;
  } finally {
    stream.destroy();
  }
}
