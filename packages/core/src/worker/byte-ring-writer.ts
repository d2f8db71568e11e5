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
  READ_CURSOR,
  ringCapacity,
  ringMaxRecords,
  WAKE_SIGNAL,
  WRAP_MARKER,
  WRITE_POS,
} from './byte-ring-layout.ts';
import type { EncodeTarget } from './encode-target.ts';

/**
 * The producer end of the byte ring (see byte-ring-layout.ts), on the serving thread. A frame is
 * written in place: `begin()` returns where its payload starts, the encoder writes and calls
 * `extend()` for room, `commit(start, length)` publishes it. Never blocks and never throws: a full
 * ring (by bytes or by frames) makes `begin()`/`extend()` refuse, and the caller drops and counts.
 *
 * The consumer's cursor is read only when the cached copy says there is no room, so a record costs
 * no shared read beyond one load of the consumer's state.
 */
export class ByteRingWriter implements EncodeTarget {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly buffer: Buffer;
  limit = 0;
  /** Frames published since this writer was created. */
  framesWritten = 0;
  /** Frames refused for want of room (by bytes or by frame count). */
  framesRefused = 0;
  private readonly control: Int32Array;
  private readonly cursor: BigUint64Array;
  private readonly capacity: number;
  private readonly mask: number;
  private readonly maxRecords: number;
  /** Write position (mod 2^32) and frames written (mod 2^32), as published. */
  private writePos: number;
  private written: number;
  private cachedReadPos: number;
  private cachedTaken: number;
  /** The frame being written: its header's offset, and whether it moved to offset 0. */
  private frameOffset = -1;
  private wrapped = false;

  constructor(shared: ByteRingShared) {
    this.control = new Int32Array(shared.control);
    this.cursor = new BigUint64Array(shared.control);
    this.capacity = ringCapacity(this.control);
    this.mask = this.capacity - 1;
    this.maxRecords = ringMaxRecords(this.control);
    this.bytes = new Uint8Array(shared.data);
    this.view = new DataView(shared.data);
    this.buffer = Buffer.from(shared.data);
    // A writer may take over a ring that already holds frames (its own earlier writer).
    this.writePos = Atomics.load(this.control, WRITE_POS) >>> 0;
    const cursor = Atomics.load(this.cursor, READ_CURSOR);
    this.cachedReadPos = cursorPosition(cursor);
    this.cachedTaken = cursorFrames(cursor);
    this.written = (this.cachedTaken + this.framesInRingAt(this.cachedReadPos)) >>> 0;
  }

  /**
   * Starts a frame; returns the absolute index its payload starts at, or -1 when the ring holds
   * `maxRecords` frames already. The room for the payload is settled by `extend()`.
   */
  begin(): number {
    if ((this.written - this.cachedTaken) >>> 0 >= this.maxRecords) {
      this.refresh();
      if ((this.written - this.cachedTaken) >>> 0 >= this.maxRecords) {
        this.framesRefused++;
        return -1;
      }
    }
    const offset = this.writePos & this.mask;
    this.frameOffset = offset;
    this.wrapped = false;
    const free = this.capacity - ((this.writePos - this.cachedReadPos) >>> 0);
    this.limit = offset + Math.min(free, this.capacity - offset);
    // The header must fit whatever the payload; extend() finds room for it or refuses.
    if (this.limit < offset + FRAME_HEADER_BYTES) return this.extend(offset + FRAME_HEADER_BYTES, 0, 0);
    return offset + FRAME_HEADER_BYTES;
  }

  extend(start: number, used: number, need: number): number {
    this.refresh();
    const capacity = this.capacity;
    const offset = this.frameOffset;
    const free = capacity - ((this.writePos - this.cachedReadPos) >>> 0);
    const tail = capacity - offset;
    const wanted = FRAME_HEADER_BYTES + used + need;
    if (!this.wrapped) {
      const contiguous = Math.min(free, tail);
      if (wanted <= contiguous) {
        this.limit = offset + contiguous;
        return start;
      }
      // The end of the buffer is in the way: the tail becomes padding and the frame moves to 0.
      if (offset !== 0 && wanted <= free - tail) {
        this.bytes.copyWithin(FRAME_HEADER_BYTES, start, start + used);
        this.wrapped = true;
        this.limit = free - tail;
        return FRAME_HEADER_BYTES;
      }
    } else if (wanted <= free - tail) {
      this.limit = free - tail;
      return start;
    }
    this.framesRefused++;
    this.frameOffset = -1;
    return -1;
  }

  /** Publishes the frame whose payload is `length` bytes at `start` (as returned by begin/extend). */
  commit(start: number, length: number): void {
    const view = this.view;
    let advance = FRAME_HEADER_BYTES + alignFrame(length);
    if (this.wrapped) {
      view.setUint32(this.frameOffset, WRAP_MARKER, true);
      advance += this.capacity - this.frameOffset;
    }
    view.setUint32(start - FRAME_HEADER_BYTES, length, true);
    this.frameOffset = -1;
    this.writePos = (this.writePos + advance) >>> 0;
    this.written = (this.written + 1) >>> 0;
    this.framesWritten++;
    Atomics.store(this.control, WRITE_POS, this.writePos | 0);
    const state = Atomics.load(this.control, CONSUMER_STATE);
    if (state !== CONSUMER_AWAKE) this.wakeIfNeeded(state);
  }

  /** Gives up the frame begun last (nothing was published). */
  abort(): void {
    this.frameOffset = -1;
  }

  /** Frames in the ring now (written, not yet taken by the consumer). */
  depth(): number {
    this.refresh();
    return (this.written - this.cachedTaken) >>> 0;
  }

  /** Bytes in the ring now, padding included. */
  usedBytes(): number {
    this.refresh();
    return (this.writePos - this.cachedReadPos) >>> 0;
  }

  /** Frames the consumer has taken, modulo 2^32 (it restarts from the shared cursor, so this survives it). */
  framesTaken(): number {
    this.refresh();
    return this.cachedTaken;
  }

  /** Frames published, modulo 2^32, the same count the consumer's `framesTaken` catches up with. */
  get publishedFrames(): number {
    return this.written;
  }

  /** Ends the consumer's wait whatever its state (a control message is waiting, say). */
  wakeConsumer(): void {
    Atomics.store(this.control, CONSUMER_STATE, CONSUMER_AWAKE);
    Atomics.add(this.control, WAKE_SIGNAL, 1);
    Atomics.notify(this.control, WAKE_SIGNAL);
  }

  private wakeIfNeeded(state: number): void {
    // A napping consumer looks again by itself within its nap; wake it early only when the ring is
    // half full, so a burst cannot fill the ring while it naps.
    if (state === CONSUMER_SLEEPING) {
      this.wakeConsumer();
      return;
    }
    if (state !== CONSUMER_NAPPING) return;
    if (
      ((this.writePos - this.cachedReadPos) >>> 0) * 2 > this.capacity ||
      ((this.written - this.cachedTaken) >>> 0) * 2 > this.maxRecords
    ) {
      this.refresh();
      if (
        ((this.writePos - this.cachedReadPos) >>> 0) * 2 > this.capacity ||
        ((this.written - this.cachedTaken) >>> 0) * 2 > this.maxRecords
      ) {
        this.wakeConsumer();
      }
    }
  }

  private refresh(): void {
    const cursor = Atomics.load(this.cursor, READ_CURSOR);
    this.cachedReadPos = cursorPosition(cursor);
    this.cachedTaken = cursorFrames(cursor);
  }

  /** Counts the frames between `readPos` and the write position (only when taking over a ring). */
  private framesInRingAt(readPos: number): number {
    let pos = readPos;
    let frames = 0;
    while (pos !== this.writePos) {
      const offset = pos & this.mask;
      const length = this.view.getUint32(offset, true);
      if (length === WRAP_MARKER) {
        pos = (pos + this.capacity - offset) >>> 0;
        continue;
      }
      pos = (pos + FRAME_HEADER_BYTES + alignFrame(length)) >>> 0;
      frames++;
    }
    return frames;
  }
}
