import { seededRandom } from '@predlog/test-kit';
import { uncompress } from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { maxCompressedLength, snappyCompress } from '../../src/internal/snappy-compressor.ts';

function jsonLines(count: number, random: () => number): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    lines.push(
      JSON.stringify({
        event: 'ml.prediction',
        request_id: `req-${Math.floor(random() * 1e12).toString(36)}`,
        score: random(),
        features: Array.from({ length: 23 }, () => Math.round(random() * 1e4) / 1e4),
        note: 'ü€'.repeat(Math.floor(random() * 5)),
      }),
    );
  }
  return Buffer.from(lines.join('\n'));
}

/** Decoded by snappyjs, an independent implementation of the format. */
function roundTrip(input: Uint8Array): Buffer {
  const compressed = snappyCompress(input);
  expect(compressed.length).toBeLessThanOrEqual(maxCompressedLength(input.length));
  return Buffer.from(uncompress(compressed));
}

describe('snappyCompress', () => {
  const random = seededRandom(42);
  const cases: Array<[string, Uint8Array]> = [
    ['empty', new Uint8Array(0)],
    ['one byte', Buffer.from('a')],
    ['shorter than the input margin', Buffer.from('abcdefghij')],
    ['a short repeat', Buffer.from('abcabcabcabcabcabcabcabcabcabc')],
    ['one byte repeated over several fragments', Buffer.alloc(200_000, 7)],
    [
      'random bytes (incompressible)',
      Buffer.from(Array.from({ length: 150_000 }, () => Math.floor(random() * 256))),
    ],
    ['JSON lines over several 64 KiB fragments', jsonLines(2000, random)],
    [
      'a literal longer than 65536 bytes',
      Buffer.from(Array.from({ length: 70_000 }, () => Math.floor(random() * 256))),
    ],
  ];
  for (const [name, input] of cases) {
    it(`round-trips ${name}`, () => {
      expect(roundTrip(input).equals(Buffer.from(input))).toBe(true);
    });
  }

  it('round-trips many random mixes of repeats and noise', () => {
    for (let round = 0; round < 200; round++) {
      const parts: number[] = [];
      const length = Math.floor(random() * 5000);
      while (parts.length < length) {
        if (random() < 0.5 && parts.length > 8) {
          const from = Math.floor(random() * parts.length);
          const count = 1 + Math.floor(random() * 80);
          for (let i = 0; i < count; i++) parts.push(parts[from + (i % (parts.length - from))] as number);
        } else parts.push(Math.floor(random() * 4));
      }
      const input = Buffer.from(parts);
      expect(roundTrip(input).equals(input)).toBe(true);
    }
  });

  it('compresses JSON log lines (random numbers included) to under 60%', () => {
    const input = jsonLines(2000, seededRandom(7));
    expect(snappyCompress(input).length / input.length).toBeLessThan(0.6);
  });
});
