/**
 * Where an encoder writes one frame: the ring's shared memory on the serving thread, or a growable
 * scratch buffer (tests, tools, the inline fallback). The encoder writes straight into `bytes`, so a
 * record is never built as an object first; when it needs room past `limit` it asks `extend()`,
 * which may move the frame (the ring does, to wrap around) or refuse (the ring is full).
 */
export interface EncodeTarget {
  /** The whole memory the frame lives in; `view` and `buffer` are views of the same bytes. */
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly buffer: Buffer;
  /** Absolute index the current frame may not reach or pass. */
  readonly limit: number;
  /**
   * Called when `need` more bytes do not fit after the `used` bytes of the frame at `start`. Returns
   * the frame's start (moved, with its `used` bytes copied, when the target had to), with `limit`
   * updated, or -1 when there is no room.
   */
  extend(start: number, used: number, need: number): number;
}

/** A plain (non-shared) buffer that doubles when a frame outgrows it; the frame always starts at 0. */
export class ScratchTarget implements EncodeTarget {
  bytes: Uint8Array;
  view: DataView;
  buffer: Buffer;
  limit: number;
  private readonly maxBytes: number;

  constructor(initialBytes = 4096, maxBytes = 2 ** 30) {
    this.maxBytes = maxBytes;
    this.buffer = Buffer.allocUnsafeSlow(Math.min(initialBytes, maxBytes));
    this.bytes = this.buffer;
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
    this.limit = this.buffer.byteLength;
  }

  extend(start: number, used: number, need: number): number {
    const wanted = start + used + need;
    if (wanted > this.maxBytes) return -1;
    let size = this.buffer.byteLength * 2;
    while (size < wanted) size *= 2;
    const next = Buffer.allocUnsafeSlow(Math.min(size, this.maxBytes));
    this.buffer.copy(next, 0, 0, start + used);
    this.buffer = next;
    this.bytes = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
    this.limit = next.byteLength;
    return start;
  }
}
