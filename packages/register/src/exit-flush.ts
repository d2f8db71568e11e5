import { type Clock, type Diagnostics, type PipelineStats, systemClock } from '@predlog/core';
import { REGISTER_DIAGNOSTICS } from './diagnostic-codes.ts';

/** The signals whose default action ends the process, and which predlog flushes before. */
export const FLUSH_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
type FlushSignal = (typeof FLUSH_SIGNALS)[number];

type Listener = (...args: unknown[]) => void;
type Emit = (event: string | symbol, ...args: unknown[]) => boolean;

/** The part of `process` this needs, so tests drive it with an EventEmitter. */
export interface ProcessLike {
  emit: Emit;
  on(event: string, listener: Listener): unknown;
  removeListener(event: string, listener: Listener): unknown;
  listeners(event: string): ReadonlyArray<(...args: never[]) => unknown>;
  kill(pid: number, signal: string): unknown;
  readonly pid: number;
}

export interface FlushedLogger {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
  stats(): PipelineStats;
}

export interface ExitFlushOptions {
  readonly logger: FlushedLogger;
  /** How long a signal waits for predlog before the app's handlers (or the default action) run. */
  readonly flushTimeoutMs: number;
  readonly diagnostics: Diagnostics;
  readonly process?: ProcessLike;
  readonly clock?: Clock;
}

/**
 * Flushes predlog when the process is about to end, without taking a signal from the app:
 * - SIGTERM/SIGINT: the first of each is held while predlog flushes (at most `flushTimeoutMs`),
 *   then delivered to the app's own listeners, which run as they would have, only later. An app
 *   with no listener of its own gets predlog shut down, then the signal again, with Node's default
 *   handler back: the process ends by the signal, as it would have without predlog. A repeat of
 *   the signal is not held.
 * - `beforeExit` (the event loop ran dry): predlog shuts down, which lets the process end.
 * - `exit` (`process.exit()` or the end after shutdown): records still waiting are reported,
 *   counted, since whatever has not been written by then is lost.
 * Returns a function that takes the hooks off.
 */
export function flushOnExit(options: ExitFlushOptions): () => void {
  const { logger, flushTimeoutMs, diagnostics } = options;
  const proc = options.process ?? (process as unknown as ProcessLike);
  const clock = options.clock ?? systemClock;
  // A listener makes Node hand the signal to process.emit instead of ending the process at once.
  const holder: Listener = () => {};
  // Each signal is held once; a repeat goes straight on (the user asked twice).
  const held = new Set<FlushSignal>();
  const originalEmit = proc.emit;
  let shuttingDown = false;

  const appListeners = (signal: FlushSignal) => proc.listeners(signal).filter((l) => l !== holder);
  const endBySignal = (signal: FlushSignal) => {
    reportUnexported(logger, diagnostics, `${signal} ended the process`);
    proc.removeListener(signal, holder);
    proc.kill(proc.pid, signal);
  };
  const onSignal = async (signal: FlushSignal, args: unknown[]) => {
    if (appListeners(signal).length === 0) {
      shuttingDown = true;
      await within(logger.shutdown(), flushTimeoutMs, clock, diagnostics, signal);
      // Checked again: the app may have added a listener while predlog flushed.
      if (appListeners(signal).length === 0) return endBySignal(signal);
    } else {
      await within(logger.forceFlush(), flushTimeoutMs, clock, diagnostics, signal);
    }
    originalEmit.call(proc, signal, ...args);
  };

  const emit: Emit = function emit(this: unknown, event, ...args) {
    if (event !== 'SIGTERM' && event !== 'SIGINT') return originalEmit.call(this, event, ...args);
    if (!held.has(event)) {
      held.add(event);
      void onSignal(event, args);
      return true;
    }
    // A repeat (during the flush or after it): an app without listeners ends now, as it asked.
    if (appListeners(event).length === 0) {
      endBySignal(event);
      return true;
    }
    return originalEmit.call(this, event, ...args);
  };
  proc.emit = emit;
  for (const signal of FLUSH_SIGNALS) proc.on(signal, holder);

  const onBeforeExit: Listener = () => {
    if (shuttingDown) return;
    shuttingDown = true;
    // Pending work keeps the loop alive; when shutdown is done the loop runs dry again and the process ends.
    void logger.shutdown();
  };
  const onExit: Listener = () => reportUnexported(logger, diagnostics, 'the process exited');
  proc.on('beforeExit', onBeforeExit);
  proc.on('exit', onExit);

  return () => {
    if (proc.emit === emit) proc.emit = originalEmit;
    for (const signal of FLUSH_SIGNALS) proc.removeListener(signal, holder);
    proc.removeListener('beforeExit', onBeforeExit);
    proc.removeListener('exit', onExit);
  };
}

/** Waits for `work`, at most `ms`; a longer wait is reported and given up on (the work goes on). */
async function within(
  work: Promise<void>,
  ms: number,
  clock: Clock,
  diagnostics: Diagnostics,
  signal: FlushSignal,
): Promise<void> {
  let timer: { cancel(): void } | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    // Held open: the process is waiting on this, not the other way round.
    timer = clock.setTimeout(() => resolve('timeout'), ms, { keepAlive: true });
  });
  const done = work.then(
    () => 'done' as const,
    () => 'done' as const, // shutdown and forceFlush report their own failures
  );
  const outcome = await Promise.race([done, timedOut]);
  timer?.cancel();
  if (outcome === 'timeout')
    diagnostics.error(
      REGISTER_DIAGNOSTICS.flushTimedOut,
      `${signal}: predlog did not finish flushing within flushTimeoutMs (${ms} ms); the signal goes on now`,
    );
}

/**
 * Records still waiting (at the async boundary or in an exporter's memory queue; a disk spill
 * survives the process) are lost once the process is gone: said, with their number.
 */
function reportUnexported(logger: FlushedLogger, diagnostics: Diagnostics, why: string): void {
  const stats = logger.stats();
  let waiting = stats.queueDepth;
  for (const [exporter, depth] of Object.entries(stats.exportQueueDepth))
    waiting += depth - (stats.spilled[exporter] ?? 0);
  if (waiting > 0)
    diagnostics.error(
      REGISTER_DIAGNOSTICS.exitUnexported,
      `${why} with ${waiting} prediction record(s) not yet exported; they are lost (stop the app with SIGTERM, or let it end, so predlog can flush)`,
    );
}
