import { seededRandom } from '@predlog/test-kit';
import { describe, expect, it } from 'vitest';
import { FingerprintMap, keyFingerprint } from '../../src/internal/fingerprint-map.ts';

describe('keyFingerprint', () => {
  it('is a non-zero 53-bit integer, stable per key, distinct across 100,000 request ids', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 100_000; i++) {
      const fingerprint = keyFingerprint(`req-${i}`);
      expect(Number.isSafeInteger(fingerprint) && fingerprint > 0).toBe(true);
      seen.add(fingerprint);
    }
    expect(seen.size).toBe(100_000);
    expect(keyFingerprint('req-1')).toBe(keyFingerprint('req-1'));
  });
});

describe('FingerprintMap', () => {
  it('gets, replaces and deletes', () => {
    const map = new FingerprintMap<string>(4);
    map.set(5, 'a');
    map.set(9, 'b');
    map.set(5, 'c');
    expect([map.get(5), map.get(9), map.get(7), map.size]).toEqual(['c', 'b', undefined, 2]);
    map.delete(5);
    map.delete(7);
    expect([map.get(5), map.get(9), map.size]).toEqual([undefined, 'b', 1]);
  });

  it('agrees with a plain Map through colliding probe runs, wrap-around and deletions', () => {
    const random = seededRandom(7);
    const maxEntries = 8;
    const map = new FingerprintMap<number>(maxEntries);
    const model = new Map<number, number>();
    for (let step = 0; step < 50_000; step++) {
      // Low 32 bits from a handful of values around the end of the 16-slot table: long runs that wrap.
      const low = [14, 15, 0, 1, 2][Math.floor(random() * 5)] as number;
      const fingerprint = (1 + Math.floor(random() * 12)) * 4294967296 + low;
      const action = random();
      if (action < 0.4 && (model.size < maxEntries || model.has(fingerprint))) {
        model.set(fingerprint, step);
        map.set(fingerprint, step);
      } else if (action < 0.7) {
        model.delete(fingerprint);
        map.delete(fingerprint);
      }
      expect(map.get(fingerprint)).toBe(model.get(fingerprint));
      expect(map.size).toBe(model.size);
    }
    for (const [fingerprint, value] of model) expect(map.get(fingerprint)).toBe(value);
  });
});
