/**
 * Snappy block-format compressor (the format Loki's push API reads for protobuf bodies), written for
 * V8: the greedy hash-and-match loop of the reference implementation, with 4-byte compares for
 * match extension and native copies for long literals. About twice the throughput of a byte-by-byte
 * port on JSON log lines (bench/loki-otlp), and no runtime dependency.
 *
 * Format: a varint of the uncompressed length, then elements. An element's tag byte says literal
 * (low bits 00) or copy (01: 1-byte offset, length 4-11; 10: 2-byte offset, length 1-64).
 */

/** The reference implementation compresses in independent 64 KiB fragments; offsets stay < 65536. */
const FRAGMENT_BYTES = 1 << 16;
const HASH_BITS = 14;
const HASH_SHIFT = 32 - HASH_BITS;
/** No match search within the last bytes of a fragment: the loop reads 4 bytes ahead. */
const INPUT_MARGIN = 15;
/** Literals shorter than this are copied in a loop; longer ones with one native copy. */
const NATIVE_COPY_FROM = 24;

/**
 * Positions (relative to the fragment start) by hash of the 4 bytes there. 16-bit entries keep the
 * table at 32 KiB, inside the L1 cache. Shared between calls: compression is synchronous, and the
 * table is cleared per fragment, so every entry points before the cursor in the current fragment.
 */
const table = new Uint16Array(1 << HASH_BITS);

function load32(data: Uint8Array, i: number): number {
  return (
    (data[i] as number) |
    ((data[i + 1] as number) << 8) |
    ((data[i + 2] as number) << 16) |
    ((data[i + 3] as number) << 24)
  );
}

function hash32(value: number): number {
  return Math.imul(value, 0x1e35a7bd) >>> HASH_SHIFT;
}

/** Worst case size of the output for `length` input bytes (snappy's MaxCompressedLength). */
export function maxCompressedLength(length: number): number {
  return 32 + length + Math.floor(length / 6);
}

function writeVarint(out: Uint8Array, op: number, value: number): number {
  let v = value;
  while (v >= 0x80) {
    out[op++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[op++] = v;
  return op;
}

function emitLiteral(input: Uint8Array, from: number, to: number, out: Uint8Array, at: number): number {
  let op = at;
  const n = to - from - 1;
  if (n < 60) {
    out[op++] = n << 2;
  } else if (n < 0x100) {
    out[op++] = 60 << 2;
    out[op++] = n;
  } else if (n < 0x10000) {
    out[op++] = 61 << 2;
    out[op++] = n & 0xff;
    out[op++] = n >>> 8;
  } else {
    out[op++] = 62 << 2;
    out[op++] = n & 0xff;
    out[op++] = (n >>> 8) & 0xff;
    out[op++] = n >>> 16;
  }
  const length = to - from;
  if (length < NATIVE_COPY_FROM) {
    for (let i = 0; i < length; i++) out[op + i] = input[from + i] as number;
  } else {
    out.set(input.subarray(from, to), op);
  }
  return op + length;
}

function emitCopyUpTo64(out: Uint8Array, at: number, offset: number, length: number): number {
  let op = at;
  if (length < 12 && offset < 2048) {
    out[op++] = 1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
    out[op++] = offset & 0xff;
  } else {
    out[op++] = 2 | ((length - 1) << 2);
    out[op++] = offset & 0xff;
    out[op++] = offset >>> 8;
  }
  return op;
}

function emitCopy(out: Uint8Array, at: number, offset: number, length: number): number {
  let op = at;
  let left = length;
  while (left >= 68) {
    op = emitCopyUpTo64(out, op, offset, 64);
    left -= 64;
  }
  if (left > 64) {
    op = emitCopyUpTo64(out, op, offset, 60);
    left -= 60;
  }
  return emitCopyUpTo64(out, op, offset, left);
}

function compressFragment(
  input: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  at: number,
): number {
  let op = at;
  let nextEmit = start;
  table.fill(0);
  if (end - start >= INPUT_MARGIN) {
    const ipLimit = end - INPUT_MARGIN;
    let ip = start + 1;
    let nextHash = hash32(load32(input, ip));
    search: for (;;) {
      // Skip faster through data that does not compress: one more byte per lookup every 32 misses.
      let skip = 32;
      let nextIp = ip;
      let candidate: number;
      do {
        ip = nextIp;
        const h = nextHash;
        nextIp = ip + (skip >>> 5);
        skip++;
        if (nextIp > ipLimit) break search;
        nextHash = hash32(load32(input, nextIp));
        candidate = start + (table[h] as number);
        table[h] = ip - start;
      } while (load32(input, candidate) !== load32(input, ip));

      op = emitLiteral(input, nextEmit, ip, out, op);
      do {
        let a = candidate + 4;
        let b = ip + 4;
        while (b + 4 <= end && load32(input, a) === load32(input, b)) {
          a += 4;
          b += 4;
        }
        while (b < end && input[a] === input[b]) {
          a++;
          b++;
        }
        op = emitCopy(out, op, ip - candidate, b - ip);
        ip = b;
        nextEmit = ip;
        if (ip >= ipLimit) break search;
        table[hash32(load32(input, ip - 1))] = ip - 1 - start;
        const h = hash32(load32(input, ip));
        candidate = start + (table[h] as number);
        table[h] = ip - start;
      } while (load32(input, candidate) === load32(input, ip));
      ip++;
      nextHash = hash32(load32(input, ip));
    }
  }
  if (nextEmit < end) op = emitLiteral(input, nextEmit, end, out, op);
  return op;
}

/** Compresses `input` into one snappy block. */
export function snappyCompress(input: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(maxCompressedLength(input.length));
  let op = writeVarint(out, 0, input.length);
  for (let start = 0; start < input.length; start += FRAGMENT_BYTES) {
    op = compressFragment(input, start, Math.min(input.length, start + FRAGMENT_BYTES), out, op);
  }
  return out.subarray(0, op);
}
