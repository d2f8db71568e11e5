import type { Clock } from '../src/contracts.ts';
import { type DiagnosticEvent, DiagnosticsChannel } from '../src/diagnostics.ts';
import type { LogRecordLike } from '../src/log-record.ts';
import { BaseExporter } from '../src/otel-adapters.ts';

// Core cannot depend on @predlog/test-kit (test-kit depends on core), so its tests take the
// fake clock from the file itself; it needs nothing of core but the Clock type.
export { FakeClock } from '../../test-kit/src/fake-clock.ts';

import type { FakeClock } from '../../test-kit/src/fake-clock.ts';

/**
 * An exporter that keeps what it is sent and can be told to fail, to take `delayMs` of the given
 * clock per send, or to hold sends until released (`hold()`).
 */
export class MemoryExporter extends BaseExporter {
  readonly batches: LogRecordLike[][] = [];
  failWith: ((attempt: number, records: readonly LogRecordLike[]) => Error | undefined) | undefined;
  delayMs = 0;
  attempts = 0;
  shutdownCalled = false;
  private readonly clock: Clock | undefined;
  private held: Array<() => void> | undefined;

  constructor(id: string, clock?: Clock) {
    super(id);
    this.clock = clock;
  }

  get records(): LogRecordLike[] {
    return this.batches.flat();
  }

  /** From now on sends wait until `release()`; returns how many are waiting via `waiting()`. */
  hold(): { release: () => void; waiting: () => number } {
    const held: Array<() => void> = [];
    this.held = held;
    return {
      release: () => {
        this.held = undefined;
        for (const go of held.splice(0)) go();
      },
      waiting: () => held.length,
    };
  }

  async send(records: readonly LogRecordLike[], signal: AbortSignal): Promise<void> {
    this.attempts++;
    const attempt = this.attempts;
    const held = this.held;
    if (held !== undefined || this.delayMs > 0) {
      await new Promise<void>((resolve, reject) => {
        const timer =
          held === undefined ? (this.clock as Clock).setTimeout(resolve, this.delayMs) : undefined;
        held?.push(resolve);
        signal.addEventListener('abort', () => {
          timer?.cancel();
          reject(signal.reason);
        });
      });
    }
    const error = this.failWith?.(attempt, records);
    if (error !== undefined) throw error;
    this.batches.push([...records]);
  }

  override async shutdown(): Promise<void> {
    this.shutdownCalled = true;
  }
}

/** Diagnostics that remember every event instead of writing to stderr. */
export function recordingDiagnostics(): { diagnostics: DiagnosticsChannel; events: DiagnosticEvent[] } {
  const events: DiagnosticEvent[] = [];
  return { diagnostics: new DiagnosticsChannel((event) => events.push(event)), events };
}

export const demoFeatures = (): Record<string, number | string | boolean> => {
  const features: Record<string, number | string | boolean> = {};
  for (let i = 0; i < 23; i++) features[`f${i}`] = i * 1.5;
  features.merchant = 'grocery';
  features.card_present = true;
  return features;
};

/** One macrotask turn: queued promise continuations and ready I/O callbacks run first. */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const ioPoll = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

/** File operations in flight in this process (`fs.promises` and callback requests). */
function fileRequestsPending(): boolean {
  return process.getActiveResourcesInfo().some((kind) => kind.startsWith('FSReq'));
}

/**
 * Waits until `check()` holds, letting real I/O (files, sockets) complete: polls on a 1 ms real
 * timer, which lets the event loop block for I/O instead of spinning. For conditions only I/O can
 * bring about; fake time stands still. Fails after `maxPolls`.
 */
export async function waitForIo(check: () => boolean | Promise<boolean>, maxPolls = 20_000): Promise<void> {
  for (let poll = 0; !(await check()); poll++) {
    if (poll >= maxPolls) throw new Error('the condition was not reached by I/O');
    await ioPoll();
  }
}

export interface DriveOptions {
  /** Fake time moved per step. */
  stepMs?: number;
  /** Fake time after which the condition counts as never reached. */
  limitMs?: number;
  /** Event-loop turns between steps, for file and socket I/O to complete. */
  turnsPerStep?: number;
  /** Steps after which the condition counts as never reached (with `stepMs: 0`, time stands still). */
  maxSteps?: number;
  /**
   * 1 ms real polls per step, for socket I/O (a request to a local server): unlike file requests,
   * a socket in use cannot be told from an idle keep-alive one, so the step waits this long for it.
   */
  ioPollsPerStep?: number;
}

/**
 * Moves fake time in steps, letting promises and file I/O finish between them, until `done()`
 * holds. Fails after `limitMs` of fake time, so a condition that is never reached fails the test
 * instead of hanging it.
 */
export async function advanceUntil(
  clock: FakeClock,
  done: () => boolean,
  {
    stepMs = 10,
    limitMs = 3_600_000,
    turnsPerStep = 4,
    maxSteps = 200_000,
    ioPollsPerStep = 0,
  }: DriveOptions = {},
): Promise<void> {
  const until = clock.monotonic() + limitMs;
  for (let step = 0; ; step++) {
    for (let i = 0; i < turnsPerStep; i++) {
      if (done()) return;
      await turn();
    }
    // Fake time only moves once the file work started so far has finished: otherwise timers would
    // run ahead of a disk that is merely slow.
    for (let polls = 0; fileRequestsPending() && polls < 10_000; polls++) await ioPoll();
    for (let polls = 0; polls < ioPollsPerStep && !done(); polls++) await ioPoll();
    if (done()) return;
    if (clock.monotonic() >= until || step >= maxSteps)
      throw new Error(`not reached within ${limitMs} ms of fake time or ${maxSteps} steps`);
    await clock.advanceAsync(stepMs);
  }
}

/** Settles `promise`, moving fake time in steps while it is pending; returns its value. */
export async function settle<T>(clock: FakeClock, promise: Promise<T>, options?: DriveOptions): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  watched.catch(() => undefined);
  await advanceUntil(clock, () => settled, options);
  return watched;
}
