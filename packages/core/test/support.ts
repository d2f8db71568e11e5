import type { Clock } from '../src/contracts.ts';
import { type DiagnosticEvent, DiagnosticsChannel } from '../src/diagnostics.ts';
import type { LogRecordLike } from '../src/log-record.ts';
import { BaseExporter } from '../src/otel-adapters.ts';

// Core cannot depend on @predlog/test-kit (test-kit depends on core), so its tests take the fake
// clock and its driver from the files themselves; they need nothing of core but the Clock type.
export { advanceUntil, type DriveOptions, settle, turn } from '../../test-kit/src/clock-driver.ts';
export { eventually } from '../../test-kit/src/eventually.ts';
export { FakeClock } from '../../test-kit/src/fake-clock.ts';

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
