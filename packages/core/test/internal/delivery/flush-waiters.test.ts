import { describe, expect, it } from 'vitest';
import { FlushWaiters } from '../../../src/internal/delivery/flush-waiters.ts';

describe('FlushWaiters', () => {
  it('releases each caller once the watermark reaches its target, not before, whatever the order', async () => {
    const waiters = new FlushWaiters();
    const released: number[] = [];
    for (const target of [10, 30, 20]) void waiters.wait(target).then(() => released.push(target));
    waiters.release(9);
    await Promise.resolve();
    expect(released).toEqual([]);
    waiters.release(20);
    await Promise.resolve();
    expect(released.sort((a, b) => a - b)).toEqual([10, 20]);
    expect(waiters.size).toBe(1);
    waiters.release(Number.POSITIVE_INFINITY);
    await Promise.resolve();
    expect(released).toContain(30);
    expect(waiters.size).toBe(0);
  });
});
