const HASHES = 7;

/** The step of double hashing, from the first hash by another avalanche (one pass over the key). */
function secondHash(h1: number): number {
  let h = Math.imul(h1 ^ (h1 >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return (h ^ (h >>> 15)) | 1;
}

/**
 * A Bloom filter of join keys: once a join spills, a prediction whose key is certainly not among
 * the labels is not written to disk at all. 2²⁶ bits (8 MiB) and 7 hashes: under 1% false
 * positives up to ~7 million labels, more past that (only less is filtered; the join stays exact).
 */
export class KeyFilter {
  private readonly words: Uint32Array;
  private readonly mask: number;

  constructor(bits = 2 ** 26) {
    this.words = new Uint32Array(bits / 32);
    this.mask = bits - 1;
  }

  /** Adds a key by its 32-bit hash (the one that also picks its spill partition). */
  add(h1: number): void {
    const h2 = secondHash(h1);
    for (let i = 0; i < HASHES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & this.mask;
      this.words[bit >>> 5] = (this.words[bit >>> 5] as number) | (1 << (bit & 31));
    }
  }

  mightContain(h1: number): boolean {
    const h2 = secondHash(h1);
    for (let i = 0; i < HASHES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & this.mask;
      if (((this.words[bit >>> 5] as number) & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}
