import { parentPort } from 'node:worker_threads';
import { snappyCompress } from './snappy-compressor.ts';

/** A request to compress `length` bytes at `offset` of a transferred buffer. */
export interface CompressRequest {
  readonly id: number;
  readonly buffer: ArrayBuffer;
  readonly offset: number;
  readonly length: number;
}

/** The compressed bytes, or (not expected) the failure with the input handed back. */
export type CompressReply =
  | { readonly id: number; readonly buffer: ArrayBuffer; readonly length: number }
  | { readonly id: number; readonly error: string; readonly input: CompressRequest };

// The worker side of SnappyWorker: compresses what it is sent and transfers the result back.
parentPort?.on('message', (request: CompressRequest) => {
  try {
    const compressed = snappyCompress(new Uint8Array(request.buffer, request.offset, request.length));
    // An exact-size copy: the compressor's output sits in a larger worst-case buffer.
    const out = new Uint8Array(compressed.length);
    out.set(compressed);
    const reply: CompressReply = { id: request.id, buffer: out.buffer, length: out.length };
    parentPort?.postMessage(reply, [out.buffer]);
  } catch (error) {
    const reply: CompressReply = {
      id: request.id,
      error: error instanceof Error ? error.name : 'Error',
      input: request,
    };
    parentPort?.postMessage(reply, [request.buffer]);
  }
});
