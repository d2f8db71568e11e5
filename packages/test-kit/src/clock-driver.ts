import type { FakeClock } from './fake-clock.ts';

/**
 * Driving a `FakeClock` while real I/O (files, local sockets) happens: fake time moves only between
 * steps, after the promise continuations and the file operations started so far have finished, so
 * timers never run ahead of a disk that is merely slow, and no test waits on real time for logic.
 */

/** One macrotask turn: queued promise continuations and ready I/O callbacks run first. */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const ioPoll = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

/**
 * File operations in flight in this process: `fs.promises` and callback requests, and the closing of
 * a file handle (the last step of `writeFile`, reported as `CloseReq`).
 */
function fileRequestsPending(): boolean {
  return process.getActiveResourcesInfo().some((kind) => kind.startsWith('FSReq') || kind === 'CloseReq');
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
