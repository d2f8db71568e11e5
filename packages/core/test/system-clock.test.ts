import { describe, expect, it } from 'vitest';
import { systemClock } from '../src/contracts.ts';

const refTimers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('systemClock timers', () => {
  it('runs a timeout once and an interval until cancelled; cancel is idempotent', async () => {
    let once = 0;
    let repeated = 0;
    const done = new Promise<void>((resolve) => {
      systemClock.setTimeout(() => {
        once++;
        resolve();
      }, 1);
    });
    const interval = systemClock.setInterval(() => {
      repeated++;
      if (repeated === 3) interval.cancel();
    }, 1);
    await done;
    const cancelled = systemClock.setTimeout(() => once++, 1);
    cancelled.cancel();
    cancelled.cancel();
    await new Promise<void>((resolve) => {
      const check = systemClock.setInterval(() => {
        if (repeated >= 3) {
          check.cancel();
          resolve();
        }
      }, 1);
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(once).toBe(1);
    expect(repeated).toBe(3);
  });

  it('never keeps the process alive unless asked to (keepAlive, for a shutdown deadline)', () => {
    const before = refTimers();
    const quiet = systemClock.setTimeout(() => undefined, 60_000);
    const quietInterval = systemClock.setInterval(() => undefined, 60_000);
    expect(refTimers()).toBe(before);
    const held = systemClock.setTimeout(() => undefined, 60_000, { keepAlive: true });
    expect(refTimers()).toBe(before + 1);
    held.cancel();
    expect(refTimers()).toBe(before);
    quiet.cancel();
    quietInterval.cancel();
  });

  it('clamps delays Node would misread: negative and NaN run at once, beyond 2^31 - 1 ms does not fire early', async () => {
    const order: string[] = [];
    const far = systemClock.setTimeout(() => order.push('far'), 2 ** 40);
    await new Promise<void>((resolve) => {
      systemClock.setTimeout(() => order.push('nan'), Number.NaN);
      systemClock.setTimeout(() => {
        order.push('negative');
        resolve();
      }, -10);
    });
    await new Promise((resolve) => setImmediate(resolve));
    far.cancel();
    expect(order).toEqual(['nan', 'negative']);
  });
});
