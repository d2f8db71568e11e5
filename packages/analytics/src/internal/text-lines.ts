import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { forEachChunk, type ReadBuffers } from './file-chunks.ts';

/** A longer line is skipped (counted), so one damaged file cannot take the memory. */
const MAX_LINE_BYTES = 16 * 1024 * 1024;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export interface TextLineState {
  oversizedLines: number;
}

function text(data: Buffer, start: number, end: number): string {
  const stop = end > start && data[end - 1] === CARRIAGE_RETURN ? end - 1 : end;
  return data.toString('utf8', start, stop);
}

/**
 * Calls `onLine` with each line of a text file (gunzipped when its name ends in `.gz`), without the
 * `\n` or a `\r\n`'s `\r`. The last line is passed even without its newline: label files written by
 * hand or by spreadsheets often lack it. A chunk's lines are handled synchronously, one after the
 * other; promises returned by `onLine` are awaited before the next chunk is read. Memory: one read
 * buffer (reused for plain files) plus the longest line.
 */
export async function forEachLine(
  path: string,
  onLine: (line: string) => void | Promise<void>,
  state: TextLineState = { oversizedLines: 0 },
  buffers?: ReadBuffers,
): Promise<void> {
  let carry: Buffer | undefined;
  let skipping = false;
  let pending: Array<Promise<void>> = [];
  const handle = (line: string) => {
    const done = onLine(line);
    if (done !== undefined) pending.push(done);
  };
  const consume = (chunk: Buffer): void | Promise<void> => {
    let from = 0;
    if (carry !== undefined || skipping) {
      const newline = chunk.indexOf(NEWLINE);
      if (newline === -1) {
        if (!skipping) {
          carry = carry === undefined ? Buffer.from(chunk) : Buffer.concat([carry, chunk]);
          if (carry.length > MAX_LINE_BYTES) {
            carry = undefined;
            skipping = true;
            state.oversizedLines += 1;
          }
        }
        return undefined;
      }
      if (skipping) skipping = false;
      else if (carry !== undefined) {
        const line = Buffer.concat([carry, chunk.subarray(0, newline)]);
        handle(text(line, 0, line.length));
      }
      carry = undefined;
      from = newline + 1;
    }
    let start = from;
    for (
      let newline = chunk.indexOf(NEWLINE, start);
      newline !== -1;
      newline = chunk.indexOf(NEWLINE, start)
    ) {
      handle(text(chunk, start, newline));
      start = newline + 1;
    }
    // The chunk may be a reused buffer: a cut line is copied out.
    if (start < chunk.length) carry = Buffer.from(chunk.subarray(start));
    if (pending.length === 0) return undefined;
    const waiting = pending;
    pending = [];
    return Promise.all(waiting).then(() => undefined);
  };
  await forEachChunk(await open(path, 'r'), path.endsWith('.gz'), consume, buffers);
  if (carry !== undefined && carry.length > 0) handle(text(carry, 0, carry.length));
  if (pending.length > 0) await Promise.all(pending);
}

/**
 * The same lines as an async iterator, for the few places that pull lines one at a time (merging
 * two sorted files); everything that streams large files uses `forEachLine`.
 */
export async function* readTextLines(path: string): AsyncGenerator<string> {
  const file = createReadStream(path, { highWaterMark: 64 * 1024 });
  const stream: Readable = path.endsWith('.gz') ? file.pipe(createGunzip()) : file;
  // A chunk may end inside a multi-byte character; the decoder keeps it for the next chunk.
  const decoder = new StringDecoder('utf8');
  let carry = '';
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const parts = (carry + decoder.write(chunk)).split('\n');
      carry = parts.pop() ?? '';
      for (const part of parts) yield part.endsWith('\r') ? part.slice(0, -1) : part;
    }
    if (carry !== '') yield carry.endsWith('\r') ? carry.slice(0, -1) : carry;
  } finally {
    stream.destroy();
    file.destroy();
  }
}
