import { Worker } from 'node:worker_threads';
import { snappyCompress } from './snappy-compressor.ts';
import type { CompressReply, CompressRequest } from './snappy-worker.ts';

interface Pending {
  resolve: (compressed: Buffer) => void;
  reject: (error: Error) => void;
}

/** The worker's file next to this one: `.ts` when run from source, `.js` once built. */
const workerUrl = new URL(
  import.meta.url.endsWith('.ts') ? './snappy-worker.ts' : './snappy-worker.js',
  import.meta.url,
);

/**
 * Snappy compression on a worker thread. Compressing a 1 MiB request takes a few milliseconds of
 * CPU; on the worker it neither pauses the application's event loop nor holds up the encoding of
 * the next batch (bench/loki-otlp). The input's memory is transferred to the worker, not copied: the
 * caller must not use the buffer afterwards. If the worker cannot start or dies, requests in flight
 * reject (the push is retried) and compression continues on the calling thread (`onFallback` is told
 * once).
 */
export class SnappyWorker {
  private worker: Worker | undefined;
  private failed = false;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly onFallback: (reason: string) => void;

  constructor(onFallback: (reason: string) => void) {
    this.onFallback = onFallback;
  }

  compress(input: Buffer): Promise<Buffer> {
    const worker = this.failed ? undefined : this.start();
    if (worker === undefined) return Promise.resolve(snappyCompress(input));
    const id = ++this.nextId;
    return new Promise<Buffer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const request: CompressRequest = {
        id,
        buffer: input.buffer as ArrayBuffer,
        offset: input.byteOffset,
        length: input.length,
      };
      // Transfer only a buffer that holds nothing but this input (a pooled slab is shared: copy it).
      const owned = input.byteOffset === 0 && input.buffer.byteLength === input.length;
      worker.postMessage(request, owned ? [input.buffer as ArrayBuffer] : []);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failed = true;
    this.rejectPending('the compression worker was closed');
    if (worker !== undefined) await worker.terminate();
  }

  private start(): Worker | undefined {
    if (this.worker !== undefined) return this.worker;
    try {
      const worker = new Worker(workerUrl);
      worker.unref();
      worker.on('message', (reply: CompressReply) => this.settle(reply));
      worker.on('error', (error) => this.fail(`the compression worker failed (${error.name})`));
      worker.on('exit', (code) => {
        if (this.worker === worker) this.fail(`the compression worker exited (code ${code})`);
      });
      this.worker = worker;
      return worker;
    } catch (error) {
      this.fail(`the compression worker could not start (${error instanceof Error ? error.name : 'error'})`);
      return undefined;
    }
  }

  private settle(reply: CompressReply): void {
    const pending = this.pending.get(reply.id);
    if (pending === undefined) return;
    this.pending.delete(reply.id);
    if ('error' in reply) {
      try {
        const { buffer, offset, length } = reply.input;
        pending.resolve(snappyCompress(new Uint8Array(buffer, offset, length)));
      } catch (error) {
        pending.reject(error instanceof Error ? error : new Error(String(error)));
      }
    } else {
      pending.resolve(Buffer.from(reply.buffer, 0, reply.length));
    }
  }

  private fail(reason: string): void {
    if (this.failed) return;
    this.failed = true;
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    this.onFallback(reason);
    this.rejectPending(reason);
  }

  private rejectPending(reason: string): void {
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      pending.reject(new Error(reason));
    }
  }
}
