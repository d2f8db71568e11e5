import type { Clock, TimerHandle } from '../../contracts.ts';
import type { Backoff } from './backoff.ts';

/**
 * What the queue believes of its sink:
 * - `healthy`: the last attempt was answered (accepted, or refused for good);
 * - `throttled`: it is up but asked for less (429): delivery slows down, records stay where they are;
 * - `unavailable`: it failed (network error, timeout, 5xx): with a disk spill, records go to disk.
 */
export type SinkCondition = 'healthy' | 'throttled' | 'unavailable';

/**
 * The sink's condition and the gate in front of it: after a failure, nothing is sent until the
 * backoff (or the sink's own `Retry-After`) has passed; `onReady` then lets delivery try again. One
 * gate for both tiers: memory retries and disk probes wait the same way.
 */
export class SinkState {
  private current: SinkCondition = 'healthy';
  private failures = 0;
  private wait: TimerHandle | undefined;
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private readonly onReady: () => void;

  constructor(clock: Clock, backoff: Backoff, onReady: () => void) {
    this.clock = clock;
    this.backoff = backoff;
    this.onReady = onReady;
  }

  get condition(): SinkCondition {
    return this.current;
  }

  /** False while a backoff runs: nothing may be sent until it has passed. */
  get ready(): boolean {
    return this.wait === undefined;
  }

  /** Failed attempts since the last answer. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** The sink answered (it accepted, or refused records for good): it is up, send on at once. */
  answered(): void {
    this.current = 'healthy';
    this.failures = 0;
    this.stop();
  }

  /** An attempt failed retryably; returns the delay before the next one. */
  failed(condition: Exclude<SinkCondition, 'healthy'>, requestedDelayMs?: number): number {
    this.current = condition;
    this.failures++;
    const delay = this.backoff.delay(this.failures, requestedDelayMs);
    this.stop();
    this.wait = this.clock.setTimeout(() => {
      this.wait = undefined;
      this.onReady();
    }, delay);
    return delay;
  }

  /** Cancels a running backoff (shutdown); the condition stays as it was. */
  stop(): void {
    this.wait?.cancel();
    this.wait = undefined;
  }
}
