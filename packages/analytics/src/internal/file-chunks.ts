import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

const READ_BYTES = 1024 * 1024;
const GUNZIP_CHUNK_BYTES = 256 * 1024;

/** The two read buffers of plain files; one pair serves every file of a scan (no per-file garbage). */
export type ReadBuffers = readonly [Buffer, Buffer];

export function readBuffers(): ReadBuffers {
  return [Buffer.allocUnsafe(READ_BYTES), Buffer.allocUnsafe(READ_BYTES)];
}

/**
 * Hands the content of an open file to `onChunk` chunk by chunk, gunzipped when `gzip`, and closes
 * the file. Plain files are read into two buffers in turn, the next read already in flight while a
 * chunk is handled (the disk and the parser overlap); a chunk buffer is reused two chunks later, so
 * `onChunk` must copy what it keeps. A promise returned by `onChunk` is awaited before the next.
 * Files are read one at a time per `buffers` pair.
 */
export async function forEachChunk(
  handle: FileHandle,
  gzip: boolean,
  onChunk: (chunk: Buffer) => void | Promise<void>,
  buffers: ReadBuffers = readBuffers(),
): Promise<void> {
  if (gzip) {
    const source = handle.createReadStream({ highWaterMark: READ_BYTES });
    const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
    source.on('error', (error) => gunzip.destroy(error));
    const stream: Readable = source.pipe(gunzip);
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        const done = onChunk(chunk);
        if (done !== undefined) await done;
      }
    } finally {
      stream.destroy();
      source.destroy();
    }
    return;
  }
  let turn = 0;
  let reading: Promise<{ bytesRead: number }> = handle.read(buffers[0], 0, READ_BYTES, null);
  try {
    for (;;) {
      const { bytesRead } = await reading;
      if (bytesRead === 0) break;
      const current = buffers[turn] as Buffer;
      turn ^= 1;
      reading = handle.read(buffers[turn] as Buffer, 0, READ_BYTES, null);
      const done = onChunk(bytesRead === READ_BYTES ? current : current.subarray(0, bytesRead));
      if (done !== undefined) await done;
    }
  } finally {
    // A read may still be in flight when a chunk handler threw.
    await reading.catch(() => undefined);
    await handle.close().catch(() => undefined);
  }
}
