import { type Clock, ExportError, type Exporter } from '../../contracts.ts';
import type { LogRecordLike } from '../../log-record.ts';

/**
 * The last stage: one `exporter.send()` with a deadline. A send running longer than `timeoutMs` is
 * aborted through its `AbortSignal` and fails retryably; `abort()` ends the send in flight early
 * (shutdown). Resolves with the failure, or `undefined` on success; never rejects, and an exporter
 * that throws synchronously fails like one that rejects.
 */
export class TimeoutSender {
  private readonly exporter: Exporter;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private inFlight: AbortController | undefined;

  constructor(exporter: Exporter, clock: Clock, timeoutMs: number) {
    this.exporter = exporter;
    this.clock = clock;
    this.timeoutMs = timeoutMs;
  }

  async send(records: readonly LogRecordLike[]): Promise<unknown> {
    const controller = new AbortController();
    this.inFlight = controller;
    const timer = this.clock.setTimeout(
      () =>
        controller.abort(new ExportError(`export timed out after ${this.timeoutMs} ms`, { retryable: true })),
      this.timeoutMs,
    );
    try {
      await new Promise<void>((resolve, reject) => {
        const { signal } = controller;
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        this.exporter.send(records, signal).then(resolve, reject);
      });
      return undefined;
    } catch (error) {
      return error ?? new Error('send failed');
    } finally {
      timer.cancel();
      if (this.inFlight === controller) this.inFlight = undefined;
    }
  }

  /** Aborts the send in flight, if any; it then fails (retryably) with `reason`. */
  abort(reason: Error): void {
    this.inFlight?.abort(reason);
  }
}
