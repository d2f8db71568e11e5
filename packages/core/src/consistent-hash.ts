/**
 * Maps a key (a request id) to a number uniform on [0, 1), the same in every process and replica
 * for the same key and seed. Consistent sampling keeps a record when this value is below its rate,
 * so a lower rate keeps a subset of what a higher rate keeps, and the sampling processor and tail
 * retention's probabilistic policy agree on every request.
 *
 * cyrb53 (a public-domain 53-bit string hash): two 32-bit multiply-xorshift lanes over UTF-16 code
 * units, fast on short ids and well distributed even for ids that differ in one character.
 */
export function consistentHash(key: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < key.length; i++) {
    const ch = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  // 21 bits of h2 and 32 of h1: a 53-bit integer, exactly representable, divided by 2^53.
  return ((h2 & 0x1fffff) * 4294967296 + (h1 >>> 0)) / 9007199254740992;
}
