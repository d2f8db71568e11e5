import { describe, expect, it } from 'vitest';
import { KeyFilter } from '../../src/internal/key-filter.ts';
import { keyHash } from '../../src/internal/spill-partitions.ts';

describe('KeyFilter', () => {
  it('never misses a key it holds and rarely claims one it does not', () => {
    const filter = new KeyFilter(2 ** 20);
    for (let i = 0; i < 50_000; i++) filter.add(keyHash(`req-${i}`, 0));
    for (let i = 0; i < 50_000; i++) expect(filter.mightContain(keyHash(`req-${i}`, 0))).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 50_000; i++) if (filter.mightContain(keyHash(`other-${i}`, 0))) falsePositives++;
    // 2²⁰ bits, 7 hashes, 50k keys: (1 − e^(−7·50000/2²⁰))⁷ ≈ 0.05%.
    expect(falsePositives / 50_000).toBeLessThan(0.005);
  });
});
