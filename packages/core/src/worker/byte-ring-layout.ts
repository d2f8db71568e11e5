/**
 * The shared memory of the byte ring between the serving thread (the one producer) and the pipeline
 * worker (the one consumer), and the rules both sides follow. Two SharedArrayBuffers, so they can be
 * handed to a worker in `workerData` and survive it: a restarted worker resumes at the read cursor.
 *
 * Data: `capacity` bytes (a power of two), frames `[u32 length][payload][pad to 4]`, little-endian. A
 * frame never wraps: when it does not fit before the end, the producer writes {@link WRAP_MARKER} in
 * the tail's first word and the frame starts at offset 0, so the consumer decodes contiguous bytes.
 *
 * Positions are byte counters that only grow, kept modulo 2^32 (capacity divides 2^32, so `pos &
 * (capacity - 1)` is the offset): `used = (write - read) >>> 0` without a separate full/empty flag.
 *
 * Control (Int32 slots, producer-written and consumer-written ones on separate cache lines):
 * - `WRITE_POS`: the producer's write position, stored (seq-cst) after the frame's bytes, so a
 *   consumer that loads it sees every byte before it.
 * - the read cursor, one BigUint64 (`frames taken << 32 | read position`): the consumer stores both
 *   with one atomic write after it has decoded the frames, so a worker killed at any instruction
 *   leaves them consistent, and a frame is either still in the ring or counted as taken.
 * - `CONSUMER_STATE` and `WAKE_SIGNAL`: the consumer naps (a timed wait nobody needs to end) while
 *   records flow and sleeps (an untimed wait) once idle; only a sleeping consumer costs the producer
 *   an `Atomics.notify` (≈10 µs with a waiter on this VM: once per idle-to-busy edge, never per record).
 */

export const WRITE_POS = 0;
/** BigUint64 index of the read cursor (byte offset 64: its own cache line). */
export const READ_CURSOR = 8;
export const CONSUMER_STATE = 32;
export const WAKE_SIGNAL = 33;
const CAPACITY_SLOT = 48;
const MAX_RECORDS_SLOT = 49;
const CONTROL_BYTES = 256;

export const CONSUMER_AWAKE = 0;
/** In a timed wait: the producer wakes it only when the ring is filling up. */
export const CONSUMER_NAPPING = 1;
/** In an untimed wait: the next frame must wake it. */
export const CONSUMER_SLEEPING = 2;

/** A length word that means "the rest of the buffer is padding; the next frame is at offset 0". */
export const WRAP_MARKER = 0xffffffff;
export const FRAME_HEADER_BYTES = 4;

/** The smallest and largest data sizes; a frame's length word must stay below WRAP_MARKER. */
export const MIN_RING_BYTES = 1024;
export const MAX_RING_BYTES = 2 ** 30;

/** What both ends are given (in `workerData` for the worker). */
export interface ByteRingShared {
  readonly control: SharedArrayBuffer;
  readonly data: SharedArrayBuffer;
}

export interface ByteRingOptions {
  /** Bytes of frame data; rounded down to a power of two (the bound is never exceeded). */
  capacityBytes: number;
  /** Frames the ring holds at most, whatever their size. */
  maxRecords: number;
}

/** Allocates a ring. Throws a RangeError for sizes it cannot honour (a start-up error, never later). */
export function createByteRing(options: ByteRingOptions): ByteRingShared {
  const { capacityBytes, maxRecords } = options;
  if (!Number.isFinite(capacityBytes) || capacityBytes < MIN_RING_BYTES) {
    throw new RangeError(
      `byte ring: capacityBytes must be at least ${MIN_RING_BYTES} (got ${capacityBytes})`,
    );
  }
  if (!Number.isInteger(maxRecords) || maxRecords < 1 || maxRecords > 2 ** 31 - 1) {
    throw new RangeError(`byte ring: maxRecords must be a whole number from 1 to 2^31-1 (got ${maxRecords})`);
  }
  const capacity = 2 ** Math.floor(Math.log2(Math.min(capacityBytes, MAX_RING_BYTES)));
  const control = new SharedArrayBuffer(CONTROL_BYTES);
  const ints = new Int32Array(control);
  ints[CAPACITY_SLOT] = capacity;
  ints[MAX_RECORDS_SLOT] = maxRecords;
  return { control, data: new SharedArrayBuffer(capacity) };
}

export function ringCapacity(control: Int32Array): number {
  return control[CAPACITY_SLOT] as number;
}

export function ringMaxRecords(control: Int32Array): number {
  return control[MAX_RECORDS_SLOT] as number;
}

/** Frames start at multiples of 4, so the tail before the end is always room for a wrap marker. */
export function alignFrame(length: number): number {
  return (length + 3) & ~3;
}

/** `frames << 32 | position` as the consumer stores it. */
export function packCursor(frames: number, position: number): bigint {
  return (BigInt(frames >>> 0) << 32n) | BigInt(position >>> 0);
}

export function cursorFrames(cursor: bigint): number {
  return Number(cursor >> 32n);
}

export function cursorPosition(cursor: bigint): number {
  return Number(cursor & 0xffffffffn);
}
