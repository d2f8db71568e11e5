import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createByteRing, WRAP_MARKER } from '../../src/worker/byte-ring-layout.ts';
import { ByteRingReader } from '../../src/worker/byte-ring-reader.ts';
import { ByteRingWriter } from '../../src/worker/byte-ring-writer.ts';
import { frameIntact, frameSeq, frameSizes, writePatternFrame } from './fixtures/frame-pattern.ts';

function readAll(
  reader: ByteRingReader,
  max = Number.POSITIVE_INFINITY,
): Array<{ seq: number; length: number; intact: boolean }> {
  const frames: Array<{ seq: number; length: number; intact: boolean }> = [];
  while (frames.length < max) {
    const start = reader.next();
    if (start === -1) break;
    frames.push({
      seq: frameSeq(reader.bytes, start, reader.frameLength),
      length: reader.frameLength,
      intact: frameIntact(reader.bytes, start, reader.frameLength),
    });
  }
  reader.release();
  return frames;
}

describe('createByteRing', () => {
  it('rounds the capacity down to a power of two, so the bound is never exceeded', () => {
    const ring = createByteRing({ capacityBytes: 5000, maxRecords: 10 });
    expect(ring.data.byteLength).toBe(4096);
  });

  it('refuses sizes it cannot honour, naming the option', () => {
    expect(() => createByteRing({ capacityBytes: 100, maxRecords: 10 })).toThrow(
      /capacityBytes must be at least 1024/,
    );
    expect(() => createByteRing({ capacityBytes: 4096, maxRecords: 0 })).toThrow(/maxRecords/);
    expect(() => createByteRing({ capacityBytes: 4096, maxRecords: 1.5 })).toThrow(/maxRecords/);
  });
});

describe('ByteRingWriter and ByteRingReader on one thread', () => {
  it('hands frames over in order, intact, across many wrap-arounds', () => {
    const ring = createByteRing({ capacityBytes: 4096, maxRecords: 1000 });
    const writer = new ByteRingWriter(ring);
    const reader = new ByteRingReader(ring);
    const sizes = frameSizes(7, 5000, 1500);
    let next = 0;
    let expected = 0;
    let wraps = 0;
    let lastStart = -1;
    while (expected < sizes.length) {
      // Write until the ring refuses, then read a few: the ring is full or nearly full most of the time.
      while (next < sizes.length && writePatternFrame(writer, next, sizes[next] as number, 37)) next++;
      for (let n = 0; n < 3; n++) {
        const start = reader.next();
        if (start === -1) break;
        if (start < lastStart) wraps++;
        lastStart = start;
        const frame = { seq: frameSeq(reader.bytes, start, reader.frameLength), length: reader.frameLength };
        expect(frame).toEqual({ seq: expected, length: sizes[expected] });
        expect(frameIntact(reader.bytes, start, reader.frameLength)).toBe(true);
        expected++;
      }
      reader.release();
    }
    expect(writer.framesWritten).toBe(5000);
    expect(reader.framesTaken).toBe(5000);
    expect(writer.depth()).toBe(0);
    expect(writer.usedBytes()).toBe(0);
    expect(wraps).toBeGreaterThan(100);
  });

  it('moves a half-written frame to the start when the end of the buffer is in the way', () => {
    const ring = createByteRing({ capacityBytes: 1024, maxRecords: 100 });
    const writer = new ByteRingWriter(ring);
    const reader = new ByteRingReader(ring);
    // 900 bytes used and read: the next frame starts at offset 904, with 120 bytes to the end.
    expect(writePatternFrame(writer, 0, 900, 900)).toBe(true);
    readAll(reader);
    expect(writePatternFrame(writer, 1, 300, 50)).toBe(true);
    const view = new DataView(ring.data);
    expect(view.getUint32(904, true)).toBe(WRAP_MARKER);
    expect(view.getUint32(0, true)).toBe(300);
    expect(readAll(reader)).toEqual([{ seq: 1, length: 300, intact: true }]);
    // The padding counts as used until the frame after it is read.
    expect(writer.usedBytes()).toBe(0);
  });

  it('refuses a frame when the ring is full by bytes, and takes frames again once read', () => {
    const ring = createByteRing({ capacityBytes: 1024, maxRecords: 100 });
    const writer = new ByteRingWriter(ring);
    const reader = new ByteRingReader(ring);
    let written = 0;
    while (writePatternFrame(writer, written, 96, 96)) written++;
    // 100 bytes a frame (header included) in 1024 bytes.
    expect(written).toBe(10);
    expect(writer.framesRefused).toBe(1);
    expect(writer.depth()).toBe(10);
    expect(readAll(reader, 1)).toEqual([{ seq: 0, length: 96, intact: true }]);
    expect(writePatternFrame(writer, 10, 96, 96)).toBe(true);
    expect(writePatternFrame(writer, 11, 96, 96)).toBe(false);
    expect(readAll(reader).map((f) => f.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('refuses a frame when the ring holds maxRecords frames, however small', () => {
    const ring = createByteRing({ capacityBytes: 4096, maxRecords: 3 });
    const writer = new ByteRingWriter(ring);
    const reader = new ByteRingReader(ring);
    expect([0, 1, 2, 3].map((seq) => writePatternFrame(writer, seq, 8, 8))).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(writer.begin()).toBe(-1);
    expect(writer.framesRefused).toBe(2);
    readAll(reader, 1);
    expect(writePatternFrame(writer, 3, 8, 8)).toBe(true);
    expect(writer.depth()).toBe(3);
  });

  it('refuses a frame larger than the ring without touching what it holds', () => {
    const ring = createByteRing({ capacityBytes: 1024, maxRecords: 100 });
    const writer = new ByteRingWriter(ring);
    const reader = new ByteRingReader(ring);
    expect(writePatternFrame(writer, 0, 40, 40)).toBe(true);
    expect(writePatternFrame(writer, 1, 1021, 100)).toBe(false);
    expect(writePatternFrame(writer, 2, 40, 40)).toBe(true);
    expect(readAll(reader).map((f) => [f.seq, f.intact])).toEqual([
      [0, true],
      [2, true],
    ]);
  });

  it('keeps every byte and the order for arbitrary sizes, chunkings and read patterns', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            length: fc.integer({ min: 4, max: 700 }),
            chunk: fc.integer({ min: 1, max: 300 }),
            reads: fc.integer({ min: 0, max: 4 }),
          }),
          {
            minLength: 1,
            maxLength: 300,
          },
        ),
        (steps) => {
          const ring = createByteRing({ capacityBytes: 2048, maxRecords: 16 });
          const writer = new ByteRingWriter(ring);
          const reader = new ByteRingReader(ring);
          const committed: number[] = [];
          const seen: Array<{ seq: number; length: number; intact: boolean }> = [];
          steps.forEach((step, seq) => {
            if (writePatternFrame(writer, seq, step.length, step.chunk)) committed.push(seq);
            seen.push(...readAll(reader, step.reads));
          });
          seen.push(...readAll(reader));
          expect(seen.map((f) => f.seq)).toEqual(committed);
          expect(seen.every((f, i) => f.intact && f.length === steps[committed[i] as number]?.length)).toBe(
            true,
          );
          expect(writer.framesWritten + writer.framesRefused).toBe(steps.length);
          expect(writer.depth()).toBe(0);
        },
      ),
      { seed: 14, numRuns: 300 },
    );
  });

  it('hands over empty frames', () => {
    const ring = createByteRing({ capacityBytes: 1024, maxRecords: 1000 });
    const writer = new ByteRingWriter(ring);
    const reader = new ByteRingReader(ring);
    for (let round = 0; round < 600; round++) {
      expect(writePatternFrame(writer, round, 0, 1)).toBe(true);
      expect(reader.next()).not.toBe(-1);
      expect(reader.frameLength).toBe(0);
      expect(reader.next()).toBe(-1);
      reader.release();
    }
    expect(reader.framesTaken).toBe(600);
    expect(writer.usedBytes()).toBe(0);
  });

  it('a new reader resumes where the last one released, and frames it walked but did not release come again', () => {
    const ring = createByteRing({ capacityBytes: 4096, maxRecords: 100 });
    const writer = new ByteRingWriter(ring);
    for (let seq = 0; seq < 6; seq++) writePatternFrame(writer, seq, 50, 50);
    const first = new ByteRingReader(ring);
    expect(readAll(first, 2).map((f) => f.seq)).toEqual([0, 1]);
    // Walked, never released: as a worker killed while decoding leaves them.
    first.next();
    first.next();
    const second = new ByteRingReader(ring);
    expect(second.framesTaken).toBe(2);
    expect(readAll(second).map((f) => f.seq)).toEqual([2, 3, 4, 5]);
    expect(writer.framesTaken()).toBe(6);
  });
});

describe('the byte ring between two real worker threads', () => {
  const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

  async function run(options: {
    count: number;
    capacityBytes: number;
    maxRecords: number;
    maxFrameBytes: number;
    lossless: boolean;
    batch: number;
  }) {
    const ring = createByteRing({ capacityBytes: options.capacityBytes, maxRecords: options.maxRecords });
    const flags = new SharedArrayBuffer(8);
    const producerResults = new SharedArrayBuffer(4 * 8);
    const consumerResults = new SharedArrayBuffer(6 * 8);
    const consumer = new Worker(fixture('ring-consumer.ts'), {
      workerData: { ring, flags, batch: options.batch, results: consumerResults },
    });
    const producer = new Worker(fixture('ring-producer.ts'), {
      workerData: {
        ring,
        flags,
        count: options.count,
        seed: 2026,
        maxFrameBytes: options.maxFrameBytes,
        chunk: 64,
        lossless: options.lossless,
        results: producerResults,
      },
    });
    // once() rejects on an 'error' event: a thread that throws fails the test instead of hanging it.
    const [[producerExit], [consumerExit]] = await Promise.all([
      once(producer, 'exit'),
      once(consumer, 'exit'),
    ]);
    expect([producerExit, consumerExit]).toEqual([0, 0]);
    const p = new Float64Array(producerResults);
    const produced = {
      committed: p[0] as number,
      refused: p[1] as number,
      checksum: p[2],
      framesRefused: p[3],
    };
    const c = new Float64Array(consumerResults);
    const consumed = {
      received: c[0],
      checksum: c[1],
      corrupt: c[2],
      outOfOrder: c[3],
      sleeps: c[4],
      taken: c[5],
    };
    return { produced, consumed };
  }

  it('delivers every frame exactly once, intact and in order, when the producer waits for room', async () => {
    const { produced, consumed } = await run({
      count: 30_000,
      capacityBytes: 64 * 1024,
      maxRecords: 256,
      maxFrameBytes: 3000,
      lossless: true,
      batch: 16,
    });
    expect(produced.committed).toBe(30_000);
    expect(consumed.received).toBe(30_000);
    expect(consumed.taken).toBe(30_000);
    expect(consumed.corrupt).toBe(0);
    expect(consumed.outOfOrder).toBe(0);
    expect(consumed.checksum).toBe(produced.checksum);
  });

  it('counts every refused frame and delivers every committed one when the producer drops', async () => {
    const { produced, consumed } = await run({
      count: 60_000,
      capacityBytes: 8 * 1024,
      maxRecords: 32,
      maxFrameBytes: 2000,
      lossless: false,
      batch: 8,
    });
    expect(produced.refused).toBeGreaterThan(0);
    expect(produced.committed + produced.refused).toBe(60_000);
    expect(produced.framesRefused).toBe(produced.refused);
    expect(consumed.received).toBe(produced.committed);
    expect(consumed.corrupt).toBe(0);
    expect(consumed.outOfOrder).toBe(0);
    expect(consumed.checksum).toBe(produced.checksum);
  });
});

describe('waking the consumer', () => {
  it('a sleeping consumer is woken by the next frame, a napping one is left to look by itself', async () => {
    const ring = createByteRing({ capacityBytes: 4096, maxRecords: 100 });
    const writer = new ByteRingWriter(ring);
    const reader = new ByteRingReader(ring);
    const control = new Int32Array(ring.control);
    const sleeping = reader.wait(1000, true);
    // The wait has set the state before the last look; nothing was written, so it sleeps.
    expect(control[32]).toBe(2);
    expect(writePatternFrame(writer, 0, 10, 10)).toBe(true);
    await sleeping;
    expect(control[32]).toBe(0);
    expect(readAll(reader).map((f) => f.seq)).toEqual([0]);

    const napping = reader.wait(1, false);
    expect(control[32]).toBe(1);
    const signal = control[33];
    expect(writePatternFrame(writer, 1, 10, 10)).toBe(true);
    // No notify for a napping consumer while the ring is nearly empty.
    expect(control[33]).toBe(signal);
    await napping;
    expect(readAll(reader).map((f) => f.seq)).toEqual([1]);
  });

  it('wakes a napping consumer once the ring is half full', async () => {
    const ring = createByteRing({ capacityBytes: 4096, maxRecords: 10 });
    const writer = new ByteRingWriter(ring);
    const reader = new ByteRingReader(ring);
    const control = new Int32Array(ring.control);
    const napping = reader.wait(60_000, false);
    const signal = control[33] as number;
    for (let seq = 0; seq < 6; seq++) writePatternFrame(writer, seq, 10, 10);
    expect(control[33]).toBe(signal + 1);
    await napping;
    expect(readAll(reader)).toHaveLength(6);
  });

  it('returns at once when a frame is already waiting', async () => {
    const ring = createByteRing({ capacityBytes: 4096, maxRecords: 10 });
    const writer = new ByteRingWriter(ring);
    const reader = new ByteRingReader(ring);
    writePatternFrame(writer, 0, 10, 10);
    await reader.wait(60_000, true);
    expect(new Int32Array(ring.control)[32]).toBe(0);
    expect(readAll(reader)).toHaveLength(1);
  });
});
