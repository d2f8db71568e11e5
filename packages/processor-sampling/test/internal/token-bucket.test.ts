import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/internal/token-bucket.ts';

describe('TokenBucket', () => {
  it('keeps a reserve that only anomalies may use, and refills at the rate up to the burst', () => {
    const bucket = new TokenBucket(10, 10, 0.3, 0);
    let ordinary = 0;
    while (bucket.take(0, false)) ordinary++;
    expect(ordinary).toBe(7); // 10 tokens, 3 reserved
    let anomalies = 0;
    while (bucket.take(0, true)) anomalies++;
    expect(anomalies).toBe(3);
    expect(bucket.take(100, true)).toBe(true); // 100 ms at 10/s = 1 token
    expect(bucket.take(100, true)).toBe(false);
    let refilled = 0;
    while (bucket.take(1_000_000, true)) refilled++;
    expect(refilled).toBe(10); // capped at the burst
  });

  it('a one-token bucket has no reserve', () => {
    const bucket = new TokenBucket(1, 1, 0.5, 0);
    expect(bucket.take(0, false)).toBe(true);
    expect(bucket.take(0, true)).toBe(false);
  });
});
