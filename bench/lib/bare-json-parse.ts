/**
 * The peer of the analytics bench, run as its own process: every line of every data file below a
 * directory (`.ndjson`, `.ndjson.gz`, `.ndjson.inprogress`), read in 1 MiB chunks (gunzipped where
 * needed), split on newlines and passed to JSON.parse, nothing else. Prints `{ lines, bytes }`.
 *
 *   node bench/lib/bare-json-parse.ts <dir>
 */
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

const DATA_FILE = /\.ndjson(\.gz|\.inprogress)?$/;

async function* files(dir: string): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (entry.isFile() && DATA_FILE.test(entry.name)) yield full;
  }
}

export async function parseEveryLine(dir: string): Promise<{ lines: number; bytes: number; sink: number }> {
  let lines = 0;
  let bytes = 0;
  let sink = 0;
  for await (const file of files(dir)) {
    const raw = createReadStream(file, { highWaterMark: 1024 * 1024 });
    const stream: Readable = file.endsWith('.gz') ? raw.pipe(createGunzip({ chunkSize: 1024 * 1024 })) : raw;
    let pending: Buffer | undefined;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      const data = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
      let start = 0;
      for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
        if (nl > start) {
          const value = JSON.parse(data.toString('utf8', start, nl)) as { event?: unknown };
          if (value.event !== undefined) sink++;
          lines++;
        }
        start = nl + 1;
      }
      pending = start < data.length ? data.subarray(start) : undefined;
    }
  }
  return { lines, bytes, sink };
}

if (process.argv[1] !== undefined && import.meta.filename === path.resolve(process.argv[1])) {
  const dir = process.argv[2];
  if (dir === undefined) throw new Error('usage: bare-json-parse.ts <dir>');
  process.stdout.write(`${JSON.stringify(await parseEveryLine(dir))}\n`);
}
