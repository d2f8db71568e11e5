import { describe, expect, it } from 'vitest';
import { STREAM_IDLE_MS, StreamLimiter } from '../../src/internal/stream-limiter.ts';

describe('StreamLimiter', () => {
  it('admits up to maxStreams label sets, then refuses new ones; known ones stay admitted', () => {
    const limiter = new StreamLimiter(3, () => 0);
    expect(['a', 'b', 'c'].map((k) => limiter.admit(k))).toEqual([true, true, true]);
    expect(limiter.admit('d')).toBe(false);
    expect(limiter.admit('a')).toBe(true);
    expect(limiter.admit('d')).toBe(false);
    expect(limiter.size).toBe(3);
  });

  it('gives the place of a label set idle for STREAM_IDLE_MS back, least recently used first', () => {
    let now = 0;
    const limiter = new StreamLimiter(2, () => now);
    limiter.admit('a');
    now = 10;
    limiter.admit('b');
    now = STREAM_IDLE_MS - 1;
    expect(limiter.admit('c')).toBe(false);
    now = STREAM_IDLE_MS;
    // "a" has been idle for STREAM_IDLE_MS; "b" not yet.
    expect(limiter.admit('c')).toBe(true);
    expect(limiter.admit('d')).toBe(false);
    now = STREAM_IDLE_MS + 10;
    expect(limiter.admit('d')).toBe(true);
    expect(limiter.size).toBe(2);
    expect(limiter.admit('a')).toBe(false);
  });

  it('a label set in use keeps its place however long ago it first came', () => {
    let now = 0;
    const limiter = new StreamLimiter(1, () => now);
    limiter.admit('a');
    for (let hour = 1; hour <= 5; hour++) {
      now = hour * (STREAM_IDLE_MS / 2);
      expect(limiter.admit('a')).toBe(true);
      expect(limiter.admit('b')).toBe(false);
    }
  });
});
