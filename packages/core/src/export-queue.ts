import path from 'node:path';
import { createNoopMeter } from '@opentelemetry/api';
import type { ExportQueueConfig } from './config.ts';
import { type Clock, ExportError, type Exporter, systemClock } from './contracts.ts';
import { type Diagnostics, DiagnosticsChannel } from './diagnostics.ts';
import { sendOutcome } from './internal/delivery/send-outcome.ts';
import { SpillLockedError, type SpillSegment, SpillStore } from './internal/spill-store.ts';
import type { LogRecordLike } from './log-record.ts';
import { SelfMetrics } from './self-metrics.ts';

interface Batch {
  records: LogRecordLike[];
  /** Monotonic ms of the first send attempt, for the retry budget. */
  firstAttemptAt: number;
  attempts: number;
}

export interface ExportQueueServices {
  /** Where the queue counts; a queue of its own when absent (a standalone queue, e.g. `predlog replay`). */
  metrics?: SelfMetrics;
  diagnostics?: Diagnostics;
  clock?: Clock;
  random?: () => number;
}

/** One queue's part of the ledger: what entered = exported + Σ dropped + queued. */
export interface ExportQueueStats {
  exported: number;
  /** By reason (`export_rejected`, `spill_full`, ...). */
  dropped: Record<string, number>;
  /** Failed send attempts (each retry and each failed probe counts). */
  failures: number;
  /** Records waiting: in memory and in the disk spill. */
  queued: number;
  /** Of `queued`, records in the disk spill. */
  spilled: number;
  spillBytes: number;
  /** Records found in the spill at start (left by an earlier run). */
  spillRecovered: number;
  /** True while the sink is failing and batches go to the spill. */
  sinkDown: boolean;
}

type SpillState = 'off' | 'opening' | 'open';

/**
 * One exporter's queue: batches by count, bytes and age; sends one batch at a time (so a sink sees
 * records in order); retries retryable failures with exponential backoff and jitter; aborts a send
 * that exceeds its timeout; and on shutdown drains within a deadline, counting what it could not
 * send. Every record that enters leaves as exported or as a counted drop.
 *
 * With `spill.enabled`, the queue is one FIFO over two tiers, everything on disk older than
 * everything in memory. A batch whose send fails retryably goes to disk instead of being retried in
 * memory, and while the sink is down every sealed batch follows it; a backoff timer probes the sink
 * with the oldest segment. A full memory queue moves its batches to disk instead of dropping. The
 * oldest segment is sent before any memory batch, so order holds across the tiers and restarts.
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
  /** Records in memory: pending + ready + a memory batch in flight. */
  private depth = 0;
  private inFlight: Promise<void> | undefined;
  private ageTimer: NodeJS.Timeout | undefined;
  private retryWait: { timer: NodeJS.Timeout; resolve: () => void } | undefined;
  private abortInFlight: AbortController | undefined;
  private idleWaiters: Array<{ done: () => boolean; resolve: () => void }> = [];
  private closing = false;
  private giveUp = false;

  private spillState: SpillState = 'off';
  private store: SpillStore | undefined;
  private spillOpening: Promise<void> | undefined;
  /** A send failed retryably: batches go to disk, and only the probe timer sends. */
  private sinkDown = false;
  private probeDue = false;
  private probeTimer: NodeJS.Timeout | undefined;
  private probeAttempts = 0;
  /** Past the shutdown deadline: nothing more is sent, everything left goes to disk. */
  private spillOnly = false;

  constructor(exporter: Exporter, config: ExportQueueConfig, services: ExportQueueServices = {}) {
    this.exporter = exporter;
    this.config = config;
    this.metrics = services.metrics ?? new SelfMetrics(createNoopMeter());
    this.diagnostics = services.diagnostics ?? new DiagnosticsChannel();
    this.clock = services.clock ?? systemClock;
    this.random = services.random ?? Math.random;
    this.metrics.watchQueue(exporter.id, () => this.depth + this.spilledRecords);
    const { spill } = config;
    if (spill.enabled && spill.directory !== undefined) this.openSpill(spill.directory);
  }

  /** Records waiting, in memory and on disk. */
  get queued(): number {
    return this.depth + this.spilledRecords;
  }

  /** Records waiting in the disk spill. */
  get spilled(): number {
    return this.spilledRecords;
  }

  /** Resolves once the spill (when configured) has been opened and indexed; never rejects. */
  async opened(): Promise<void> {
    await this.spillOpening;
  }

  stats(): ExportQueueStats {
    const id = this.exporter.id;
    const suffix = `:${id}`;
    const dropped: Record<string, number> = {};
    for (const [key, n] of this.metrics.dropped)
      if (key.endsWith(suffix)) dropped[key.slice(0, -suffix.length)] = n;
    return {
      exported: this.metrics.exported.get(id) ?? 0,
      dropped,
      failures: this.metrics.exportFailures.get(id) ?? 0,
      queued: this.queued,
      spilled: this.spilledRecords,
      spillBytes: this.spillState === 'open' ? (this.store?.bytes ?? 0) : 0,
      spillRecovered: this.metrics.spillRecovered.get(id) ?? 0,
      sinkDown: this.sinkDown,
    };
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
        if (this.spillState === 'open') this.overflowToDisk();
        else {
          refused++;
          continue;
        }
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
        `exporter ${this.exporter.id} cannot keep up; records are being dropped and counted (raise queue.maxQueueRecords, enable queue.spill or fix the sink)`,
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

  /**
   * Sends everything queued now and resolves when the queue is empty (or the sink gave up). With a
   * spill, while the sink is down, it resolves once everything in memory is written to disk.
   */
  async forceFlush(): Promise<void> {
    await this.spillOpening;
    this.seal();
    this.pump();
    if (!this.isIdle()) await this.waitFor(() => this.isIdle());
    await this.store?.flush();
    await this.exporter.forceFlush();
  }

  /**
   * Drains within `deadlineMs`; what is still queued then is aborted and counted as dropped
   * (reason `shutdown`), or with a spill, written to disk for the next start. Then shuts the
   * exporter down.
   */
  async shutdown(deadlineMs: number): Promise<void> {
    this.closing = true;
    const started = this.clock.monotonic();
    await this.spillOpening;
    this.seal();
    this.pump();
    const settled = () => this.isIdle() && this.inFlight === undefined;
    if (!settled()) {
      let timer: NodeJS.Timeout | undefined;
      const remaining = Math.max(0, deadlineMs - (this.clock.monotonic() - started));
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), remaining);
      });
      const idle = this.waitFor(settled).then(() => 'idle' as const);
      const outcome = await Promise.race([idle, deadline]);
      clearTimeout(timer);
      if (outcome === 'deadline') {
        if (this.spillState === 'open') await this.spillEverything();
        else await this.dropEverything();
      }
    }
    this.clearTimers();
    if (this.spillState === 'open' && this.store !== undefined) {
      // Records enqueued from now on have nowhere to go.
      this.giveUp = true;
      const left = this.store.records;
      await this.store.close();
      if (left > 0)
        this.diagnostics.info(
          'spill_pending',
          `exporter ${this.exporter.id}: ${left} records stay in the disk spill and are sent at the next start`,
        );
    }
    try {
      await this.exporter.shutdown();
    } catch {
      this.diagnostics.error(
        'exporter_shutdown_failed',
        `exporter ${this.exporter.id} failed to shut down cleanly`,
      );
    }
  }

  private get spilledRecords(): number {
    return this.spillState === 'open' ? (this.store?.records ?? 0) : 0;
  }

  private openSpill(root: string): void {
    const id = this.exporter.id;
    const store = new SpillStore({
      // One folder per exporter: ids may hold a `/`, which must not become a path level.
      directory: path.join(path.resolve(root), encodeURIComponent(id)),
      exporterId: id,
      maxBytes: this.config.spill.maxBytes,
      fsync: this.config.spill.fsync,
      maxSegmentRecords: this.config.maxBatchSize,
      maxSegmentApproxBytes: this.config.maxBatchBytes,
      now: () => this.clock.now(),
      onDrop: (reason, count) => this.metrics.drop(reason, count, id),
      onIoError: (operation, code) =>
        this.diagnostics.warnOnce(
          `spill_io_error.${id}`,
          `exporter ${id}: a disk spill ${operation} failed (${code}); affected records are counted as dropped`,
        ),
    });
    this.spillState = 'opening';
    this.spillOpening = store.open().then(
      (recovery) => {
        this.store = store;
        this.spillState = 'open';
        // Counted in the same turn as the store's records appear, so the ledger balances throughout.
        this.metrics.addSpillRecovered(id, recovery.records + recovery.tornLines);
        this.metrics.drop('spill_torn', recovery.tornLines, id);
        this.metrics.watchSpill(id, () => ({ records: store.records, bytes: store.bytes }));
        if (recovery.records > 0)
          this.diagnostics.info(
            'spill_recovered',
            `exporter ${id}: ${recovery.records} records left in the disk spill by an earlier run are sent first`,
          );
        if (recovery.tornLines > 0)
          this.diagnostics.warnOnce(
            `spill_torn.${id}`,
            `exporter ${id}: ${recovery.tornLines} partial record(s) cut by a crash were skipped and counted`,
          );
        if (recovery.unreadableFiles > 0)
          this.diagnostics.warnOnce(
            `spill_unreadable.${id}`,
            `exporter ${id}: ${recovery.unreadableFiles} spill file(s) in a format this version cannot read were left in place`,
          );
      },
      (error: unknown) => {
        this.spillState = 'off';
        const reason =
          error instanceof SpillLockedError
            ? `it is in use by process ${error.ownerPid}`
            : `${(error as NodeJS.ErrnoException).code ?? 'error'}`;
        this.diagnostics.error(
          'spill_unavailable',
          `exporter ${id}: the disk spill cannot be used (${reason}); records wait in memory only`,
        );
      },
    );
    void this.spillOpening.finally(() => {
      this.spillOpening = undefined;
      this.pump();
    });
  }

  private seal(): void {
    if (this.ageTimer !== undefined) {
      clearTimeout(this.ageTimer);
      this.ageTimer = undefined;
    }
    if (this.pending.length === 0) return;
    const records = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (this.spillState === 'open' && (this.sinkDown || this.spillOnly)) this.toDisk(records, false);
    else this.ready.push({ records, firstAttemptAt: 0, attempts: 0 });
  }

  /** Moves records from memory to the spill; both counts change together, so the ledger stays exact. */
  private toDisk(records: LogRecordLike[], front: boolean): void {
    const store = this.store as SpillStore;
    this.depth -= records.length;
    if (front) store.prepend(records);
    else store.append(records);
  }

  /** Memory is full: its waiting batches (all newer than the spill) go to the spill, in order. */
  private overflowToDisk(): void {
    this.seal();
    for (const batch of this.ready) this.toDisk(batch.records, false);
    this.ready.length = 0;
  }

  private pump(): void {
    if (this.inFlight !== undefined) return;
    // Segments left by an earlier run go first, so nothing is sent before they are indexed.
    if (this.spillOpening !== undefined) return;
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
    const store = this.spillState === 'open' ? this.store : undefined;
    if (store === undefined) {
      const batch = this.ready.shift();
      if (batch === undefined) {
        this.notifyIdle();
        return;
      }
      this.inFlight = this.deliver(batch).finally(() => {
        this.inFlight = undefined;
        this.depth -= batch.records.length;
        this.pump();
      });
      return;
    }
    if (this.spillOnly || (this.sinkDown && !this.probeDue)) {
      this.notifyIdle();
      return;
    }
    const segment = store.head();
    if (segment !== undefined) {
      this.probeDue = false;
      this.inFlight = this.deliverSegment(store, segment).finally(() => {
        this.inFlight = undefined;
        this.pump();
      });
      return;
    }
    // A probe is due but the spill emptied meanwhile (evicted, rejected): the next memory batch probes.
    if (this.sinkDown) this.markSinkUp();
    const batch = this.ready.shift();
    if (batch === undefined) {
      this.notifyIdle();
      return;
    }
    this.inFlight = this.deliverOnce(batch).finally(() => {
      this.inFlight = undefined;
      this.pump();
    });
  }

  /** Nothing left to do now: memory is empty and the spill is empty or waiting for the sink. */
  private isIdle(): boolean {
    if (this.depth !== 0) return false;
    if (this.spillState !== 'open') return true;
    return this.spilledRecords === 0 || this.sinkDown || this.spillOnly;
  }

  private waitFor(done: () => boolean): Promise<void> {
    return new Promise<void>((resolve) => this.idleWaiters.push({ done, resolve }));
  }

  private notifyIdle(): void {
    if (this.idleWaiters.length === 0) return;
    const waiting: typeof this.idleWaiters = [];
    for (const waiter of this.idleWaiters) {
      if (waiter.done()) waiter.resolve();
      else waiting.push(waiter);
    }
    this.idleWaiters = waiting;
  }

  private async dropEverything(): Promise<void> {
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

  /** Shutdown deadline with a spill: stop sending, put everything in memory on disk. */
  private async spillEverything(): Promise<void> {
    this.spillOnly = true;
    this.overflowToDisk();
    this.abortInFlight?.abort(new Error('shutdown deadline reached'));
    // An aborted memory batch goes to the front of the spill, an aborted segment stays where it is.
    await this.inFlight;
    this.overflowToDisk();
  }

  private clearTimers(): void {
    if (this.ageTimer !== undefined) clearTimeout(this.ageTimer);
    this.ageTimer = undefined;
    if (this.probeTimer !== undefined) clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
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
      const failure = await this.attempt(batch.records);
      if (failure === undefined) {
        this.metrics.addExported(id, n);
        return;
      }
      const retryable = !(failure instanceof ExportError) || failure.retryable;
      if (!retryable) {
        this.reject(n, failure);
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

  /** A memory batch with a spill: one attempt; a retryable failure sends it to the front of the spill. */
  private async deliverOnce(batch: Batch): Promise<void> {
    const n = batch.records.length;
    const failure = await this.attempt(batch.records);
    if (failure === undefined) {
      this.depth -= n;
      this.metrics.addExported(this.exporter.id, n);
      return;
    }
    const retryable = !(failure instanceof ExportError) || failure.retryable;
    if (!retryable || !this.config.retry.enabled) {
      this.depth -= n;
      if (retryable) this.fail(n, failure);
      else this.reject(n, failure);
      return;
    }
    // Nothing on disk is older than a memory batch in flight, so it goes in front of all of it.
    this.toDisk(batch.records, true);
    if (!this.spillOnly) this.markSinkDown(failure);
  }

  /** The oldest spill segment: deleted once the sink acknowledged it, kept (first in line) if not. */
  private async deliverSegment(store: SpillStore, segment: SpillSegment): Promise<void> {
    const records = await store.load(segment);
    if (records.length === 0) {
      store.remove(segment);
      return;
    }
    const failure = await this.attempt(records);
    if (failure === undefined) {
      // Removal and the export count change in the same turn: the ledger never counts these twice.
      store.remove(segment);
      this.metrics.addExported(this.exporter.id, records.length);
      this.markSinkUp();
      return;
    }
    const retryable = !(failure instanceof ExportError) || failure.retryable;
    if (!retryable || !this.config.retry.enabled) {
      store.remove(segment);
      if (retryable) this.fail(records.length, failure);
      else this.reject(records.length, failure);
      // A sink that answers with a rejection is up: the next segment goes now, not after a backoff.
      this.markSinkUp();
      return;
    }
    store.release(segment);
    if (!this.spillOnly) this.markSinkDown(failure);
  }

  /** One send with its timeout; returns the failure, if any, after counting the attempt. */
  private async attempt(records: LogRecordLike[]): Promise<unknown> {
    const id = this.exporter.id;
    const started = this.clock.monotonic();
    try {
      await this.sendWithTimeout(records);
      this.metrics.exportDuration.record((this.clock.monotonic() - started) / 1000, {
        exporter: id,
        outcome: 'success',
      });
      return undefined;
    } catch (error) {
      this.metrics.exportDuration.record((this.clock.monotonic() - started) / 1000, {
        exporter: id,
        outcome: 'failure',
      });
      this.metrics.addFailure(id);
      return error ?? new Error('send failed');
    }
  }

  private reject(n: number, failure: unknown): void {
    const id = this.exporter.id;
    // A sink may have accepted part of the batch: only what it did not take is lost.
    const outcome = sendOutcome(n, failure);
    const rejected = n - outcome.accepted.length;
    if (outcome.accepted.length > 0) this.metrics.addExported(id, outcome.accepted.length);
    this.metrics.drop('export_rejected', rejected, id);
    this.diagnostics.warnOnce(
      `export_rejected.${id}`,
      `exporter ${id}: the sink rejected a batch: ${errorText(failure)}`,
    );
  }

  private fail(n: number, failure: unknown): void {
    const id = this.exporter.id;
    this.metrics.drop('export_failed', n, id);
    this.diagnostics.warnOnce(
      `export_failed.${id}`,
      `exporter ${id}: a batch failed and was dropped: ${errorText(failure)}`,
    );
  }

  /**
   * The sink is failing: what waits in memory follows the failed batch to disk (so nothing is sent
   * out of order, and a crash loses nothing sealed), and a timer probes the sink with the oldest
   * segment after the backoff, or after the delay the sink asked for.
   */
  private markSinkDown(failure: unknown): void {
    const id = this.exporter.id;
    if (!this.sinkDown)
      this.diagnostics.warnOnce(
        `sink_down.${id}`,
        `exporter ${id}: sending failed (${errorText(failure)}); batches go to the disk spill until the sink is back`,
      );
    this.sinkDown = true;
    this.probeAttempts++;
    for (const batch of this.ready) this.toDisk(batch.records, false);
    this.ready.length = 0;
    const hinted = failure instanceof ExportError ? failure.retryAfterMs : undefined;
    if (this.probeTimer !== undefined) clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      this.probeDue = true;
      this.pump();
    }, hinted ?? this.backoff(this.probeAttempts));
    // A process with nothing else to do may exit; its spill is sent at the next start.
    this.probeTimer.unref();
    this.notifyIdle();
  }

  private markSinkUp(): void {
    if (!this.sinkDown) return;
    this.sinkDown = false;
    this.probeAttempts = 0;
    this.probeDue = false;
    if (this.probeTimer !== undefined) clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
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
