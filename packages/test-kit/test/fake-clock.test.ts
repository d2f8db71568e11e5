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
});
