import type { Clock } from '@predlog/core';

export interface FakeClockOptions {
  /** Wall time to start at. Give this or `startMs`, not both. */
  startIso?: string;
  /** Wall time to start at, in Unix epoch milliseconds. */
  startMs?: number;
  /** Where monotonic time starts; components only ever look at its differences. */
  monotonicStartMs?: number;
}

export const DEFAULT_START_ISO = '2026-01-31T12:00:00.000Z';
export const DEFAULT_MONOTONIC_START_MS = 1_000;

/** A clock the test moves by hand; wall and monotonic time always advance together. */
export class FakeClock implements Clock {
  #wallMs: number;
  #monotonicMs: number;

  constructor(options: FakeClockOptions = {}) {
    if (options.startIso !== undefined && options.startMs !== undefined) {
      throw new TypeError('FakeClock: give startIso or startMs, not both');
    }
    const wallMs = options.startMs ?? Date.parse(options.startIso ?? DEFAULT_START_ISO);
    if (!Number.isFinite(wallMs)) throw new RangeError('FakeClock: the start is not a valid instant');
    this.#wallMs = wallMs;
    this.#monotonicMs = options.monotonicStartMs ?? DEFAULT_MONOTONIC_START_MS;
  }

  now(): number {
    return this.#wallMs;
  }

  monotonic(): number {
    return this.#monotonicMs;
  }

  advance(ms: number): void {
    // Monotonic time going back would be a bug in the test, not a case for the component to handle.
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError('FakeClock: advance by a finite ms >= 0');
    this.#wallMs += ms;
    this.#monotonicMs += ms;
  }

  /**
   * Moves both times forward so that `monotonic()` is exactly `monotonicMs`. Tests that place
   * events at `start + i * step` use it so rounding does not accumulate over a million steps.
   */
  advanceTo(monotonicMs: number): void {
    const ms = monotonicMs - this.#monotonicMs;
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError('FakeClock: advanceTo cannot go back');
    this.#wallMs += ms;
    this.#monotonicMs = monotonicMs;
  }
}
