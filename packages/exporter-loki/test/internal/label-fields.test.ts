import { piecesIn, straddleCases, straddleShifts, straddling } from '@predlog/test-kit';
import { describe, expect, it } from 'vitest';
import { cutLabelValue, labelReader, MAX_LABEL_VALUE_BYTES } from '../../src/internal/label-fields.ts';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('cutLabelValue', () => {
  it('keeps a value of 2048 bytes whole, whatever its length in characters', () => {
    for (const text of ['a'.repeat(2048), 'é'.repeat(1024), '😀'.repeat(512), 'x'])
      expect(cutLabelValue(text)).toBe(text);
  });

  it('cuts 2,048 × "é" (4,096 bytes, 2,048 UTF-16 units) to at most 2048 bytes: Loki would refuse the push', () => {
    const text = 'é'.repeat(2048);
    const cut = cutLabelValue(text);
    expect(bytes(cut)).toBeLessThanOrEqual(MAX_LABEL_VALUE_BYTES);
    expect(cut.length).toBeGreaterThan(0);
    expect(text.startsWith(cut)).toBe(true);
  });

  it('never splits a code point: 4-byte characters stay whole', () => {
    for (const text of [
      '😀'.repeat(600),
      `a${'😀'.repeat(600)}`,
      `ab${'😀'.repeat(600)}`,
      `${'é'.repeat(1023)}😀😀`,
    ]) {
      const cut = cutLabelValue(text);
      expect(bytes(cut)).toBeLessThanOrEqual(MAX_LABEL_VALUE_BYTES);
      expect(text.startsWith(cut)).toBe(true);
      // A lone half of a surrogate pair would be re-encoded as U+FFFD.
      expect(Buffer.from(cut, 'utf8').toString('utf8')).toBe(cut);
    }
  });

  it('keeps no piece of a personal value that straddles the cut (safeCut semantics)', () => {
    for (const pii of straddleCases())
      for (const shift of straddleShifts(pii.value)) {
        const text = straddling(pii.value, MAX_LABEL_VALUE_BYTES, shift);
        const cut = cutLabelValue(text);
        expect(bytes(cut)).toBeLessThanOrEqual(MAX_LABEL_VALUE_BYTES);
        expect(piecesIn(cut, pii), `${pii.name} shifted by ${shift}`).toEqual([]);
      }
  });
});

describe('labelReader', () => {
  it('reads a long value cut in bytes, and leaves out a value that cuts to nothing', () => {
    const read = labelReader('model_name');
    const long = read({ 'ml.model.name': 'é'.repeat(2048) }, {}, 'ml.prediction') ?? '';
    expect(bytes(long)).toBeLessThanOrEqual(MAX_LABEL_VALUE_BYTES);
    expect(long.length).toBeGreaterThan(0);
    expect(read({ 'ml.model.name': 'fraud' }, {}, 'ml.prediction')).toBe('fraud');
    expect(read({ 'ml.model.name': '' }, {}, 'ml.prediction')).toBeUndefined();
  });
});
