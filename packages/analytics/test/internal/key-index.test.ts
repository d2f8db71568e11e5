import { describe, expect, it } from 'vitest';
import { KeyIndex } from '../../src/internal/key-index.ts';

describe('KeyIndex', () => {
  it('maps keys to dense ids exactly, through growth and rehashing', () => {
    const index = new KeyIndex();
    const keys = Array.from({ length: 20_000 }, (_, i) => (i % 7 === 0 ? `ключ-${i}-é` : `req-${i}`));
    keys.forEach((key, i) => {
      expect(index.add(key)).toBe(i);
    });
    expect(index.size).toBe(20_000);
    keys.forEach((key, i) => {
      expect(index.get(key)).toBe(i);
    });
    expect(index.key(7)).toBe('ключ-7-é');
    expect(index.get('req-20000')).toBeUndefined();
    // A prefix of a key, and a key differing in one byte, are other keys.
    expect(index.get('req-1')).toBe(1);
    expect(index.get('req-')).toBeUndefined();
    expect(index.get('req-1x')).toBeUndefined();
  });

  it('holds long keys', () => {
    const index = new KeyIndex();
    const long = 'x'.repeat(100_000);
    index.add(long);
    expect(index.get(long)).toBe(0);
    expect(index.get(`${long}y`)).toBeUndefined();
  });
});
