import { piecesIn, straddleCases, straddleShifts, straddling } from '@predlog/test-kit';
import { describe, expect, it } from 'vitest';
import { cutUtf8 } from '../../src/internal/line-encoder.ts';

describe('cutUtf8 (the last resort for a line over maxLineBytes)', () => {
  it('keeps no piece of a personal value that straddles the cut', () => {
    const limit = 300;
    for (const pii of straddleCases())
      for (const shift of straddleShifts(pii.value)) {
        const cut = cutUtf8(straddling(pii.value, limit, shift), limit);
        expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(limit);
        expect(piecesIn(cut, pii), `${pii.name} shifted by ${shift}`).toEqual([]);
      }
  });

  it('counts bytes, not UTF-16 units, and never splits a character', () => {
    const cut = cutUtf8('é'.repeat(2_000), 1_001);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(1_001);
    expect(cut).not.toContain('\uFFFD');
    expect(cutUtf8('short', 100)).toBe('short');
  });
});
