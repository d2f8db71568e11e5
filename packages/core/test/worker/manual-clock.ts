import type { Clock, TimerHandle, TimerOptions } from '../../src/contracts.ts';

interface Scheduled {
  callback: () => void;
  ms: number;
  keepAlive: boolean;
  repeat: boolean;
  cancelled: boolean;
}

/** A Clock whose timers run only when the test says so; it records each delay asked for. */
export class ManualClock implements Clock {
  readonly timers: Scheduled[] = [];
  private time = 0;

  now(): number {
    return this.time;
  }

  monotonic(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number, options?: TimerOptions): TimerHandle {
    return this.schedule(callback, ms, options, false);
  }

  setInterval(callback: () => void, ms: number, options?: TimerOptions): TimerHandle {
    return this.schedule(callback, ms, options, true);
  }

  /** Delays of the one-shot timers still pending, in the order they were set. */
  pendingDelays(): number[] {
    return this.timers.filter((t) => !t.cancelled && !t.repeat).map((t) => t.ms);
  }

  /** Runs the oldest pending one-shot timer; returns its delay. */
  runNext(): number {
    const timer = this.timers.find((t) => !t.cancelled && !t.repeat);
    if (timer === undefined) throw new Error('no timer pending');
    timer.cancelled = true;
    this.time += timer.ms;
    timer.callback();
    return timer.ms;
  }

  private schedule(
    callback: () => void,
    ms: number,
    options: TimerOptions | undefined,
    repeat: boolean,
  ): TimerHandle {
    const timer: Scheduled = {
      callback,
      ms,
      keepAlive: options?.keepAlive === true,
      repeat,
      cancelled: false,
    };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }
}
