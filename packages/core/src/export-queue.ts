import type { ExportQueueConfig } from './config.ts';
import { type Clock, ExportError, type Exporter } from './contracts.ts';
import type { Diagnostics } from './diagnostics.ts';
import type { LogRecordLike } from './log-record.ts';
import type { SelfMetrics } from './self-metrics.ts';

interface Batch {
  records: LogRecordLike[];
  /** Monotonic ms of the first send attempt, for the retry budget. */
  firstAttemptAt: number;
  attempts: number;
}

/**
 * One exporter's queue: batches by count, bytes and age; sends one batch at a time (so a sink sees
 * records in order); retries retryable failures with exponential backoff and jitter; aborts a send
 * that exceeds its timeout; and on shutdown drains within a deadline, counting what it could not
 * send. Every record that enters leaves as exported or as a counted drop.
 */
export class ExportQueue {
  readonly exporter: Exporter;
  private readonly config: ExportQueueConfig;
  private readonly metrics: SelfMetrics;
  private readonly diagnostics: Diagnostics;
  private readonly clock: Clock;
  private readonly random: () => number;

  private pending: LogRecordLike[] = [];
  private pendingBytes = 0;
  private readonly ready: Batch[] = [];
  /** Records in pending + ready + the batch in flight. */
  private depth = 0;
  private inFlight: Promise<void> | undefined;
  private ageTimer: NodeJS.Timeout | undefined;
  private retryWait: { timer: NodeJS.Timeout; resolve: () => void } | undefined;
  private abortInFlight: AbortController | undefined;
  private idleWaiters: Array<() => void> = [];
  private closing = false;
  private giveUp = false;

  constructor(
    exporter: Exporter,
    config: ExportQueueConfig,
    services: { metrics: SelfMetrics; diagnostics: Diagnostics; clock: Clock; random?: () => number },
  ) {
    this.exporter = exporter;
    this.config = config;
    this.metrics = services.metrics;
    this.diagnostics = services.diagnostics;
    this.clock = services.clock;
    this.random = services.random ?? Math.random;
    services.metrics.watchQueue(exporter.id, () => this.depth);
  }

  get queued(): number {
    return this.depth;
  }

  enqueue(records: readonly LogRecordLike[]): void {
    if (this.closing && this.giveUp) {
      this.metrics.drop('shutdown', records.length, this.exporter.id);
      return;
    }
    const { maxBatchSize, maxBatchBytes, maxQueueRecords } = this.config;
    let refused = 0;
    for (const record of records) {
      if (this.depth >= maxQueueRecords) {
        refused++;
        continue;
      }
      this.pending.push(record);
      this.pendingBytes += (record as { approxBytes?: number }).approxBytes ?? 512;
      this.depth++;
      if (this.pending.length >= maxBatchSize || this.pendingBytes >= maxBatchBytes) this.seal();
    }
    if (refused > 0) {
      this.metrics.drop('export_queue_full', refused, this.exporter.id);
      this.diagnostics.warnOnce(
        `export_queue_full.${this.exporter.id}`,
        `exporter ${this.exporter.id} cannot keep up; records are being dropped and counted (raise queue.maxQueueRecords or fix the sink)`,
      );
    }
    if (this.pending.length > 0 && this.ageTimer === undefined) {
      this.ageTimer = setTimeout(() => {
        this.ageTimer = undefined;
        this.seal();
        this.pump();
      }, this.config.maxBatchAgeMs);
      this.ageTimer.unref();
    }
    this.pump();
  }

  /** Sends everything queued now and resolves when the queue is empty (or the sink gave up). */
  async forceFlush(): Promise<void> {
    this.seal();
    this.pump();
    if (this.depth === 0) return this.exporter.forceFlush();
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await this.exporter.forceFlush();
  }

  /**
   * Drains within `deadlineMs`; what is still queued then is aborted and counted as dropped
   * (reason `shutdown`). Then shuts the exporter down.
   */
  async shutdown(deadlineMs: number): Promise<void> {
    this.closing = true;
    this.seal();
    this.pump();
    if (this.depth > 0) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), deadlineMs);
      });
      const idle = new Promise<'idle'>((resolve) => this.idleWaiters.push(() => resolve('idle')));
      const outcome = await Promise.race([idle, deadline]);
      clearTimeout(timer);
      if (outcome === 'deadline') {
        const left = this.depth;
        this.giveUp = true;
        this.abortInFlight?.abort(new Error('shutdown deadline reached'));
        this.retryWait?.resolve();
        // The aborted delivery counts its batch; pump() then counts everything still queued.
        this.pump();
        await this.inFlight;
        this.diagnostics.error(
          'shutdown_incomplete',
          `exporter ${this.exporter.id}: ${left} records could not be sent before the shutdown deadline and were dropped`,
        );
      }
    }
    if (this.ageTimer !== undefined) clearTimeout(this.ageTimer);
    try {
      await this.exporter.shutdown();
    } catch {
      this.diagnostics.error(
        'exporter_shutdown_failed',
        `exporter ${this.exporter.id} failed to shut down cleanly`,
      );
    }
  }

  private seal(): void {
    if (this.ageTimer !== undefined) {
      clearTimeout(this.ageTimer);
      this.ageTimer = undefined;
    }
    if (this.pending.length === 0) return;
    this.ready.push({ records: this.pending, firstAttemptAt: 0, attempts: 0 });
    this.pending = [];
    this.pendingBytes = 0;
  }

  private pump(): void {
    if (this.inFlight !== undefined) return;
    if (this.giveUp) {
      this.seal();
      let left = 0;
      for (const batch of this.ready) left += batch.records.length;
      this.ready.length = 0;
      this.metrics.drop('shutdown', left, this.exporter.id);
      this.depth -= left;
      this.notifyIdle();
      return;
    }
    const batch = this.ready.shift();
    if (batch === undefined) {
      if (this.pending.length === 0) this.notifyIdle();
      return;
    }
    this.inFlight = this.deliver(batch).finally(() => {
      this.inFlight = undefined;
      this.depth -= batch.records.length;
      this.pump();
    });
  }

  private notifyIdle(): void {
    if (this.depth !== 0 || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async deliver(batch: Batch): Promise<void> {
    const id = this.exporter.id;
    const n = batch.records.length;
    batch.firstAttemptAt = this.clock.monotonic();
    for (;;) {
      if (this.giveUp) {
        this.metrics.drop('shutdown', n, id);
        return;
      }
      batch.attempts++;
      const started = this.clock.monotonic();
      let failure: unknown;
      try {
        await this.sendWithTimeout(batch.records);
        this.metrics.exportDuration.record((this.clock.monotonic() - started) / 1000, {
          exporter: id,
          outcome: 'success',
        });
        this.metrics.addExported(id, n);
        return;
      } catch (error) {
        failure = error;
      }
      this.metrics.exportDuration.record((this.clock.monotonic() - started) / 1000, {
        exporter: id,
        outcome: 'failure',
      });
      this.metrics.addFailure(id);
      const retryable = !(failure instanceof ExportError) || failure.retryable;
      if (!retryable) {
        this.metrics.drop('export_rejected', n, id);
        this.diagnostics.warnOnce(
          `export_rejected.${id}`,
          `exporter ${id}: the sink rejected a batch: ${errorText(failure)}`,
        );
        return;
      }
      const elapsed = this.clock.monotonic() - batch.firstAttemptAt;
      if (!this.config.retry.enabled || this.giveUp || elapsed >= this.config.retry.maxElapsedMs) {
        this.metrics.drop(this.giveUp ? 'shutdown' : 'export_failed', n, id);
        this.diagnostics.warnOnce(
          `export_failed.${id}`,
          `exporter ${id}: a batch failed and was dropped: ${errorText(failure)}`,
        );
        return;
      }
      const hinted = failure instanceof ExportError ? failure.retryAfterMs : undefined;
      await this.sleep(hinted ?? this.backoff(batch.attempts));
    }
  }

  /** Exponential backoff with ±jitter, capped. */
  private backoff(attempt: number): number {
    const { initialIntervalMs, maxIntervalMs, multiplier, jitter } = this.config.retry;
    const base = Math.min(maxIntervalMs, initialIntervalMs * multiplier ** (attempt - 1));
    return Math.max(0, base * (1 - jitter + 2 * jitter * this.random()));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.retryWait = undefined;
        resolve();
      }, ms);
      this.retryWait = {
        timer,
        resolve: () => {
          clearTimeout(timer);
          this.retryWait = undefined;
          resolve();
        },
      };
    });
  }

  private async sendWithTimeout(records: LogRecordLike[]): Promise<void> {
    const controller = new AbortController();
    this.abortInFlight = controller;
    const timer = setTimeout(
      () =>
        controller.abort(
          new ExportError(`export timed out after ${this.config.timeoutMs} ms`, { retryable: true }),
        ),
      this.config.timeoutMs,
    );
    try {
      await new Promise<void>((resolve, reject) => {
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
        this.exporter.send(records, controller.signal).then(resolve, reject);
      });
    } finally {
      clearTimeout(timer);
      this.abortInFlight = undefined;
    }
  }
}

function errorText(error: unknown): string {
  // Exporter errors carry the sink's message (status, reason), never record values.
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
