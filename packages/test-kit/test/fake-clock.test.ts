import { describe, expect, it } from 'vitest';
import { DEFAULT_MONOTONIC_START_MS, DEFAULT_START_ISO, FakeClock } from '../src/index.ts';

describe('FakeClock', () => {
  it('starts at the default instant with its own monotonic origin', () => {
    const clock = new FakeClock();
    expect(clock.now()).toBe(Date.parse(DEFAULT_START_ISO));
    expect(clock.monotonic()).toBe(DEFAULT_MONOTONIC_START_MS);
  });

  it('starts wall time from an ISO string or from milliseconds, monotonic time where told', () => {
    expect(new FakeClock({ startIso: '2026-02-01T00:00:00.000Z' }).now()).toBe(Date.UTC(2026, 1, 1));
    const clock = new FakeClock({ startMs: 1_000_000, monotonicStartMs: 1_000_000 });
    expect([clock.now(), clock.monotonic()]).toEqual([1_000_000, 1_000_000]);
  });

  it('advances wall and monotonic time by the same amount, step after step', () => {
    const clock = new FakeClock();
    const wall = clock.now();
    const mono = clock.monotonic();
    clock.advance(1_500);
    clock.advance(0.25);
    expect(clock.now() - wall).toBe(1_500.25);
    expect(clock.monotonic() - mono).toBe(1_500.25);
  });

  it('advanceTo lands monotonic time exactly on the target and moves wall time by the same step', () => {
    const clock = new FakeClock({ startMs: 5_000, monotonicStartMs: 1_000 });
    const step = 86_400_000 / 1_000_000;
    clock.advanceTo(1_000 + 777_777 * step);
    expect(clock.monotonic()).toBe(1_000 + 777_777 * step);
    expect(clock.now() - 5_000).toBeCloseTo(777_777 * step, 6);
  });

  it('refuses to go back in time or to start from an ambiguous or invalid instant', () => {
    const clock = new FakeClock();
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
    expect(() => clock.advanceTo(clock.monotonic() - 1)).toThrow(RangeError);
    expect(clock.monotonic()).toBe(DEFAULT_MONOTONIC_START_MS);
    expect(() => new FakeClock({ startIso: DEFAULT_START_ISO, startMs: 0 })).toThrow(TypeError);
    expect(() => new FakeClock({ startIso: 'not a date' })).toThrow(RangeError);
  });

  it('runs timers only as time moves, in due order, each at its own due time', () => {
    const clock = new FakeClock({ startMs: 0, monotonicStartMs: 0 });
    const ran: Array<[string, number, number]> = [];
    const note = (name: string) => () => ran.push([name, clock.monotonic(), clock.now()]);
    clock.setTimeout(note('late'), 300);
    clock.setTimeout(note('early'), 100);
    clock.setTimeout(note('tie-1'), 200);
    clock.setTimeout(note('tie-2'), 200);
    expect(clock.pendingTimers).toBe(4);
    expect(clock.nextTimerAt()).toBe(100);
    clock.advance(99);
    expect(ran).toEqual([]);
    clock.advance(150);
    expect(ran).toEqual([
      ['early', 100, 100],
      ['tie-1', 200, 200],
      ['tie-2', 200, 200],
    ]);
    expect(clock.monotonic()).toBe(249);
    clock.advanceTo(1_000);
    expect(ran.at(-1)).toEqual(['late', 300, 300]);
    expect(clock.pendingTimers).toBe(0);
    expect(clock.nextTimerAt()).toBeUndefined();
  });

  it('cancels timers, repeats intervals, runs timers set by a timer in the same advance, treats bad delays as 0', () => {
    const clock = new FakeClock({ startMs: 0, monotonicStartMs: 0 });
    const ran: string[] = [];
    const cancelled = clock.setTimeout(() => ran.push('cancelled'), 10);
    cancelled.cancel();
    cancelled.cancel();
    const tick = clock.setInterval(() => ran.push(`tick@${clock.monotonic()}`), 40);
    clock.setTimeout(() => {
      ran.push('outer');
      clock.setTimeout(() => ran.push(`inner@${clock.monotonic()}`), 5);
    }, 50);
    clock.setTimeout(() => ran.push(`now@${clock.monotonic()}`), Number.NaN);
    clock.setTimeout(() => ran.push(`negative@${clock.monotonic()}`), -5);
    clock.advance(100);
    tick.cancel();
    clock.advance(1_000);
    expect(ran).toEqual(['now@0', 'negative@0', 'tick@40', 'outer', 'inner@55', 'tick@80']);
  });

  it('advanceAsync lets promise continuations run between timers, so a chain of awaits and timers completes', async () => {
    const clock = new FakeClock({ startMs: 0, monotonicStartMs: 0 });
    const delay = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
    const times: number[] = [];
    const chain = (async () => {
      for (let i = 0; i < 3; i++) {
        await delay(100);
        await Promise.resolve();
        times.push(clock.monotonic());
      }
    })();
    // A synchronous advance fires the first timer only: the next one is set after an await.
    clock.advance(350);
    expect(times).toEqual([]);
    await Promise.resolve();
    await clock.advanceAsync(0);
    expect(times).toEqual([350]);
    await clock.advanceAsync(250);
    await chain;
    expect(times).toEqual([350, 450, 550]);
    expect(clock.monotonic()).toBe(600);
  });

  it('runAllAsync runs every pending timer, moving time to each, and refuses a never-ending interval', async () => {
    const clock = new FakeClock({ startMs: 0, monotonicStartMs: 0 });
    const seen: number[] = [];
    clock.setTimeout(() => {
      seen.push(clock.monotonic());
      void Promise.resolve().then(() => clock.setTimeout(() => seen.push(clock.monotonic()), 1_000));
    }, 500);
    await clock.runAllAsync();
    expect(seen).toEqual([500, 1_500]);
    expect(clock.now()).toBe(1_500);
    clock.setInterval(() => undefined, 1);
    await expect(clock.runAllAsync()).rejects.toThrow(/interval/);
  });
});
