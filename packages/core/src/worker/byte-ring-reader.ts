import {
  alignFrame,
  type ByteRingShared,
  CONSUMER_AWAKE,
  CONSUMER_NAPPING,
  CONSUMER_SLEEPING,
  CONSUMER_STATE,
  cursorFrames,
  cursorPosition,
  FRAME_HEADER_BYTES,
  packCursor,
  READ_CURSOR,
  ringCapacity,
  WAKE_SIGNAL,
  WRAP_MARKER,
  WRITE_POS,
} from './byte-ring-layout.ts';

function keepThreadAlive(): void {}

/** `Atomics.waitAsync` (Node ≥ 16), which the ES2023 lib the project compiles against does not declare. */
interface AtomicsWaitAsync {
  waitAsync(
    array: Int32Array,
    index: number,
    value: number,
    timeoutMs: number,
  ): { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
}
const atomics = Atomics as unknown as AtomicsWaitAsync;

/**
 * The consumer end of the byte ring (see byte-ring-layout.ts), in the pipeline worker. `next()` walks
 * the frames written so far without freeing them; `release()` frees everything walked, with one
 * atomic store of the cursor. Decode between the two: the bytes stay valid until `release()`, and a
 * worker that dies before it leaves the frames in the ring for the next one.
 *
 * A new reader starts at the shared cursor, where the last one released.
 */
export class ByteRingReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly buffer: Buffer;
  /** Payload length of the frame `next()` returned last. */
  frameLength = 0;
  private readonly control: Int32Array;
  private readonly cursor: BigUint64Array;
  private readonly capacity: number;
  private readonly mask: number;
  private releasedPos: number;
  private releasedFrames: number;
  private pendingPos: number;
  private pendingFrames = 0;
  private cachedWritePos: number;

  constructor(shared: ByteRingShared) {
    this.control = new Int32Array(shared.control);
    this.cursor = new BigUint64Array(shared.control);
    this.capacity = ringCapacity(this.control);
    this.mask = this.capacity - 1;
    this.bytes = new Uint8Array(shared.data);
    this.view = new DataView(shared.data);
    this.buffer = Buffer.from(shared.data);
    const cursor = Atomics.load(this.cursor, READ_CURSOR);
    this.releasedPos = cursorPosition(cursor);
    this.releasedFrames = cursorFrames(cursor);
    this.pendingPos = this.releasedPos;
    this.cachedWritePos = this.releasedPos;
  }

  /** The absolute index of the next frame's payload (its length in `frameLength`), or -1 when none is written. */
  next(): number {
    let pos = this.pendingPos;
    if (pos === this.cachedWritePos) {
      this.cachedWritePos = Atomics.load(this.control, WRITE_POS) >>> 0;
      if (pos === this.cachedWritePos) return -1;
    }
    let offset = pos & this.mask;
    let length = this.view.getUint32(offset, true);
    if (length === WRAP_MARKER) {
      pos = (pos + this.capacity - offset) >>> 0;
      offset = 0;
      length = this.view.getUint32(0, true);
    }
    if (length > this.capacity - offset - FRAME_HEADER_BYTES) {
      // Only a bug in the producer could get here; stopping beats decoding garbage.
      throw new RangeError(`byte ring: frame of ${length} bytes at offset ${offset} does not fit`);
    }
    this.frameLength = length;
    this.pendingPos = (pos + FRAME_HEADER_BYTES + alignFrame(length)) >>> 0;
    this.pendingFrames++;
    return offset + FRAME_HEADER_BYTES;
  }

  /** Frees every frame `next()` returned; returns how many that was. */
  release(): number {
    const n = this.pendingFrames;
    if (n === 0) return 0;
    this.releasedFrames = (this.releasedFrames + n) >>> 0;
    this.releasedPos = this.pendingPos;
    this.pendingFrames = 0;
    Atomics.store(this.cursor, READ_CURSOR, packCursor(this.releasedFrames, this.releasedPos));
    return n;
  }

  /** Frames taken (released) so far, modulo 2^32, as the producer sees them. */
  get framesTaken(): number {
    return this.releasedFrames;
  }

  /** True when a frame is written beyond what `next()` walked. */
  hasData(): boolean {
    if (this.pendingPos !== this.cachedWritePos) return true;
    this.cachedWritePos = Atomics.load(this.control, WRITE_POS) >>> 0;
    return this.pendingPos !== this.cachedWritePos;
  }

  /**
   * Resolves when a frame may be waiting: at once if one is, else after `napMs` (while records
   * flow; the producer does not have to wake a napping consumer) or, with `deep`, when the
   * producer (or `interrupt()`) wakes it. The state is set before the last look, so a frame
   * published in between is never missed (the producer then sees the state and notifies). A
   * caller that waits for another condition too (another thread's flag) reads `wakeSignal()`
   * before it looks at that condition and passes it as `since`: a wake in between then ends
   * the wait at once.
   */
  async wait(napMs: number, deep: boolean, since: number = this.wakeSignal()): Promise<void> {
    const control = this.control;
    const signal = since;
    if (this.hasData()) return;
    Atomics.store(control, CONSUMER_STATE, deep ? CONSUMER_SLEEPING : CONSUMER_NAPPING);
    if (!this.hasData()) {
      const result = atomics.waitAsync(control, WAKE_SIGNAL, signal, deep ? Number.POSITIVE_INFINITY : napMs);
      if (result.async) {
        // A pending waitAsync does not keep a thread's event loop alive; a thread whose only work
        // is this wait would otherwise exit in the middle of it.
        const keepAlive = setInterval(keepThreadAlive, 2 ** 30);
        await result.value;
        clearInterval(keepAlive);
      }
    }
    Atomics.store(control, CONSUMER_STATE, CONSUMER_AWAKE);
  }

  /** The wake counter, for `wait(…, since)`. */
  wakeSignal(): number {
    return Atomics.load(this.control, WAKE_SIGNAL);
  }

  /** Ends a `wait()` in progress, from this thread (a control message arrived). */
  interrupt(): void {
    Atomics.add(this.control, WAKE_SIGNAL, 1);
    Atomics.notify(this.control, WAKE_SIGNAL);
  }
}
