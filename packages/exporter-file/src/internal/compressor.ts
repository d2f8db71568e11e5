import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat, unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { compressionTempName } from './file-names.ts';
import { isInUse, markLive, unmarkLive } from './live-files.ts';

export interface CompressorOptions {
  readonly fileMode: number;
  readonly fsync: boolean;
  readonly onCompressed: (closedPath: string, gzipBytes: number) => void;
  readonly onError: (error: unknown) => void;
}

/**
 * Gzips closed files in the background, one at a time, through zlib streams (the work runs on the
 * libuv pool, off the event loop that serves requests). The .gz is written under a temp name and
 * renamed only when complete; the original is removed after that, so at every instant one complete
 * copy exists, and a crash leaves at worst a temp file (removed at the next start) or both copies
 * (the original is removed at the next start).
 */
export class Compressor {
  private readonly options: CompressorOptions;
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private running: Promise<void> | undefined;

  constructor(options: CompressorOptions) {
    this.options = options;
  }

  /** Queues a closed `.ndjson` file; a file already queued is not queued twice. */
  enqueue(closedPath: string): void {
    if (this.queued.has(closedPath)) return;
    this.queued.add(closedPath);
    this.queue.push(closedPath);
    if (this.running === undefined) this.running = this.run();
  }

  /** Resolves when every queued file has been compressed (or has failed). */
  async drain(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async run(): Promise<void> {
    for (let path = this.queue.shift(); path !== undefined; path = this.queue.shift()) {
      try {
        const bytes = await compressFile(path, this.options.fileMode, this.options.fsync);
        if (bytes !== undefined) this.options.onCompressed(path, bytes);
      } catch (error) {
        this.options.onError(error);
      } finally {
        this.queued.delete(path);
      }
    }
    this.running = undefined;
  }
}

/**
 * Compresses one closed file to `<path>.gz`. Returns the compressed size, or undefined when the file
 * was already gone (compressed by another process).
 */
export async function compressFile(
  closedPath: string,
  fileMode: number,
  fsync: boolean,
): Promise<number | undefined> {
  const tempPath = compressionTempName(closedPath, process.pid);
  // Another exporter in this process is compressing the same file under the same temp name.
  if (isInUse(tempPath, process.pid)) return undefined;
  markLive(tempPath);
  try {
    await pipeline(
      createReadStream(closedPath, { highWaterMark: 1024 * 1024 }),
      createGzip(),
      createWriteStream(tempPath, { mode: fileMode, flags: 'w', flush: fsync }),
    );
    await rename(tempPath, `${closedPath}.gz`);
    const { size } = await stat(`${closedPath}.gz`);
    await unlink(closedPath);
    return size;
  } catch (error) {
    await rm(tempPath, { force: true }).catch(() => undefined);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  } finally {
    unmarkLive(tempPath);
  }
}
