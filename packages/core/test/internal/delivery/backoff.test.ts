import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../src/internal/delivery/backoff.ts';

const settings = { initialIntervalMs: 1000, maxIntervalMs: 2000, multiplier: 2, jitter: 0.2 };

describe('Backoff', () => {
  it('grows exponentially from the initial interval and is capped before the jitter', () => {
    const middle = new Backoff(settings, () => 0.5);
    expect([1, 2, 3, 4].map((n) => middle.delay(n))).toEqual([1000, 2000, 2000, 2000]);
    const uncapped = new Backoff({ ...settings, maxIntervalMs: 1e9 }, () => 0.5);
    expect(uncapped.delay(4)).toBe(8000);
  });

  it('spreads each interval within ±jitter of its base', () => {
    expect(new Backoff(settings, () => 0).delay(1)).toBeCloseTo(800);
    expect(new Backoff(settings, () => 0.999999).delay(1)).toBeCloseTo(1200, 0);
    expect(new Backoff(settings, () => 0.999999).delay(5)).toBeCloseTo(2400, 0);
    expect(new Backoff({ ...settings, jitter: 0 }, () => 0.9).delay(2)).toBe(2000);
  });

  it("uses the sink's requested delay instead, even a zero one", () => {
    const backoff = new Backoff(settings, () => 0.5);
    expect(backoff.delay(7, 120)).toBe(120);
    expect(backoff.delay(1, 0)).toBe(0);
  });
});
