import type { Clock, TimerHandle, TimerOptions } from '@predlog/core';

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

/** Timers one `runAll()` may run before it decides an interval (or a timer that re-arms itself) never ends. */
const MAX_TIMERS_PER_RUN = 10_000;

interface FakeTimer {
  /** Creation order: timers due at the same instant run in the order they were set. */
  readonly order: number;
  dueAt: number;
  readonly callback: () => void;
  /** Period of an interval; undefined for a one-shot timer. */
  readonly every: number | undefined;
  cancelled: boolean;
}

/** Lets promise continuations run: one macrotask turn drains every queued microtask first. */
function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A clock the test moves by hand; wall and monotonic time always advance together. Its timers run
 * only when the test moves time: `advance()` runs every timer that falls due on the way, in due
 * order (ties in the order they were set), each at its own due time. `advanceAsync()` does the
 * same and lets promise continuations run between timers, for code that awaits after a timer fires.
 */
export class FakeClock implements Clock {
  #wallMs: number;
  #monotonicMs: number;
  #timers: FakeTimer[] = [];
  #created = 0;

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

  setTimeout(callback: () => void, ms: number, _options?: TimerOptions): TimerHandle {
    return this.#add(callback, ms, undefined);
  }

  setInterval(callback: () => void, ms: number, _options?: TimerOptions): TimerHandle {
    // A zero period would run forever within one advance().
    return this.#add(callback, ms, Math.max(1, delayOf(ms)));
  }

  /** Timers set and neither run (one-shot) nor cancelled. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Monotonic time of the next timer, or `undefined` when none is pending. */
  nextTimerAt(): number | undefined {
    return this.#next()?.dueAt;
  }

  /** Moves time forward by `ms`, running the timers that fall due on the way. */
  advance(ms: number): void {
    // Monotonic time going back would be a bug in the test, not a case for the component to handle.
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError('FakeClock: advance by a finite ms >= 0');
    this.#runUntil(this.#monotonicMs + ms);
  }

  /**
   * Moves both times forward so that `monotonic()` is exactly `monotonicMs`, running the timers due
   * by then. Tests that place events at `start + i * step` use it so rounding does not accumulate
   * over a million steps.
   */
  advanceTo(monotonicMs: number): void {
    const ms = monotonicMs - this.#monotonicMs;
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError('FakeClock: advanceTo cannot go back');
    this.#runUntil(monotonicMs);
  }

  /**
   * `advance(ms)` for code that awaits: before each due timer and at the end it yields one event-loop
   * turn, so promise chains started by a timer (a retry sending, a batch settling) run and may set
   * the next timer before time moves past it.
   */
  async advanceAsync(ms: number): Promise<void> {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError('FakeClock: advance by a finite ms >= 0');
    const target = this.#monotonicMs + ms;
    await yieldTurn();
    for (;;) {
      const timer = this.#next();
      if (timer === undefined || timer.dueAt > target) break;
      this.#fire(timer);
      await yieldTurn();
    }
    this.#moveTo(target);
    await yieldTurn();
  }

  /**
   * Runs every pending timer, moving time to each one's due time, with a turn of the event loop
   * between them, until none is left (timers set meanwhile included). Throws after
   * 10,000 timers: an interval never ends, so cancel intervals before calling this.
   */
  async runAllAsync(): Promise<void> {
    await yieldTurn();
    for (let run = 0; ; run++) {
      const timer = this.#next();
      if (timer === undefined) return;
      if (run >= MAX_TIMERS_PER_RUN) throw new Error('FakeClock: runAllAsync ran 10000 timers; an interval?');
      this.#fire(timer);
      await yieldTurn();
    }
  }

  #add(callback: () => void, ms: number, every: number | undefined): TimerHandle {
    const timer: FakeTimer = {
      order: this.#created++,
      dueAt: this.#monotonicMs + delayOf(ms),
      callback,
      every,
      cancelled: false,
    };
    this.#timers.push(timer);
    return {
      cancel: () => {
        if (timer.cancelled) return;
        timer.cancelled = true;
        const index = this.#timers.indexOf(timer);
        if (index !== -1) this.#timers.splice(index, 1);
      },
    };
  }

  #next(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const timer of this.#timers) {
      if (
        best === undefined ||
        timer.dueAt < best.dueAt ||
        (timer.dueAt === best.dueAt && timer.order < best.order)
      )
        best = timer;
    }
    return best;
  }

  #runUntil(target: number): void {
    for (;;) {
      const timer = this.#next();
      if (timer === undefined || timer.dueAt > target) break;
      this.#fire(timer);
    }
    this.#moveTo(target);
  }

  /** Moves time to the timer's due time (never back), then runs it; an interval is re-armed first. */
  #fire(timer: FakeTimer): void {
    this.#moveTo(Math.max(this.#monotonicMs, timer.dueAt));
    if (timer.every === undefined) {
      timer.cancelled = true;
      this.#timers.splice(this.#timers.indexOf(timer), 1);
    } else {
      timer.dueAt += timer.every;
    }
    timer.callback();
  }

  #moveTo(monotonicMs: number): void {
    this.#wallMs += monotonicMs - this.#monotonicMs;
    this.#monotonicMs = monotonicMs;
  }
}

function delayOf(ms: number): number {
  return ms > 0 && Number.isFinite(ms) ? ms : ms === Number.POSITIVE_INFINITY ? Number.MAX_VALUE : 0;
}
