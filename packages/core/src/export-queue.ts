import path from 'node:path';
import { createNoopMeter } from '@opentelemetry/api';
import type { ExportQueueConfig } from './config.ts';
import { type Clock, type Exporter, systemClock, type TimerHandle } from './contracts.ts';
import { type Diagnostics, DiagnosticsChannel } from './diagnostics.ts';
import { Backoff } from './internal/delivery/backoff.ts';
import type { BatchLease, BatchQueue } from './internal/delivery/batch-queue.ts';
import { Batcher, type SealedBatch } from './internal/delivery/batcher.ts';
import { FlushWaiters } from './internal/delivery/flush-waiters.ts';
import { MemoryBatchQueue } from './internal/delivery/memory-queue.ts';
import { type SendOutcome, sendOutcome } from './internal/delivery/send-outcome.ts';
import { type SinkCondition, SinkState } from './internal/delivery/sink-state.ts';
import { SpillBatchQueue } from './internal/delivery/spill-queue.ts';
import { TimeoutSender } from './internal/delivery/timeout-sender.ts';
import { SpillLockedError, SpillStore } from './internal/spill-store.ts';
import type { LogRecordLike } from './log-record.ts';
import { SelfMetrics } from './self-metrics.ts';

export type { SinkCondition } from './internal/delivery/sink-state.ts';

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
  /** What the queue believes of its sink: `healthy`, `throttled` (429) or `unavailable`. */
  sinkState: SinkCondition;
}

/**
 * Where the queue is in its life: `running`; `draining` (shutdown waits for the queue to empty);
 * `spilling` (the shutdown deadline passed with a spill: nothing is sent, everything goes to disk);
 * `closed` (shut down: what arrives or is still in memory is counted as `shutdown`).
 */
type Lifecycle = 'running' | 'draining' | 'spilling' | 'closed';

/** How long one keep-alive hold lasts before it is renewed (the system clock caps timers at ~24.8 days). */
const HOLD_MS = 24 * 60 * 60 * 1000;

/**
 * One exporter's delivery, composed the way the Collector's exporterhelper composes senders:
 *
 *   batcher → queue (memory, or memory + disk spill, behind one interface) → retry → timeout → exporter
 *
 * - The batcher seals batches by count, bytes and age.
 * - The queue is one FIFO; batches are sent one at a time, in order, so a sink sees records in order.
 * - Retry reads what a failed send did from its `ExportError` (partial success by position: accepted,
 *   rejected, left) and puts back only what is left, first in line, in whichever tier it waits (a
 *   spilled segment is rewritten to hold just that). The sink's state gates the next attempt: after
 *   a failure nothing is sent until the backoff (exponential, jittered) or the sink's `Retry-After`
 *   has passed. `throttled` (429) only slows delivery; `unavailable` sends, with a spill, everything
 *   to disk, where the oldest segment probes the sink, and the spill drains as soon as it answers.
 * - The timeout aborts a send that takes longer than `timeoutMs`.
 *
 * Every record that enters leaves as exported or as a counted drop; the ledger is exact at any
 * moment. `forceFlush()` waits for the records queued before it (a sequence watermark), not for an
 * empty queue, so it ends under continuous traffic.
 */
export class ExportQueue {
  readonly exporter: Exporter;
  private readonly config: ExportQueueConfig;
  private readonly metrics: SelfMetrics;
  private readonly diagnostics: Diagnostics;
  private readonly clock: Clock;
  private readonly batcher: Batcher;
  private readonly queue: BatchQueue;
  private readonly sink: SinkState;
  private readonly sender: TimeoutSender;
  private readonly flushes = new FlushWaiters();
  /** The disk spill, once opened. */
  private store: SpillStore | undefined;

  private lifecycle: Lifecycle = 'running';
  /** Sequence number the next record gets. Records an earlier run spilled are older (0). */
  private nextSeq = 1;
  private current: { lease: BatchLease; done: Promise<void> } | undefined;
  private spillOpening: Promise<void> | undefined;
  private idleWaiters: Array<{ done: () => boolean; resolve: () => void }> = [];
  private shutdownPromise: Promise<void> | undefined;
  private holds = 0;
  private hold: TimerHandle | undefined;

  constructor(exporter: Exporter, config: ExportQueueConfig, services: ExportQueueServices = {}) {
    this.exporter = exporter;
    this.config = config;
    this.metrics = services.metrics ?? new SelfMetrics(createNoopMeter());
    this.diagnostics = services.diagnostics ?? new DiagnosticsChannel();
    this.clock = services.clock ?? systemClock;
    this.sink = new SinkState(this.clock, new Backoff(config.retry, services.random ?? Math.random), () =>
      this.pump(),
    );
    this.sender = new TimeoutSender(exporter, this.clock, config.timeoutMs);
    this.batcher = new Batcher(
      config,
      this.clock,
      (batch) => this.onSealed(batch),
      () => this.pump(),
    );
    const { spill } = config;
    this.queue =
      spill.enabled && spill.directory !== undefined
        ? new SpillBatchQueue(() => this.lifecycle === 'spilling' || this.sink.condition === 'unavailable')
        : new MemoryBatchQueue();
    this.metrics.watchQueue(exporter.id, () => this.queued);
    if (this.queue instanceof SpillBatchQueue && spill.directory !== undefined)
      this.openSpill(this.queue, spill.directory);
  }

  /** Records waiting, in memory and on disk. */
  get queued(): number {
    return this.batcher.records + this.queue.records;
  }

  /** Records waiting in the disk spill. */
  get spilled(): number {
    return this.queue.spilledRecords;
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
      spilled: this.queue.spilledRecords,
      spillBytes: this.store?.bytes ?? 0,
      spillRecovered: this.metrics.spillRecovered.get(id) ?? 0,
      sinkState: this.sink.condition,
    };
  }

  enqueue(records: readonly LogRecordLike[]): void {
    if (this.lifecycle === 'closed') {
      this.metrics.drop('shutdown', records.length, this.exporter.id);
      return;
    }
    const { maxQueueRecords } = this.config;
    const batcher = this.batcher;
    const queue = this.queue;
    let refused = 0;
    for (const record of records) {
      if (batcher.records + queue.memoryRecords >= maxQueueRecords) {
        if (queue.canSpill) {
          // Memory is full: its waiting batches (all newer than the spill) go to disk, in order.
          batcher.seal();
          queue.spillWaiting();
        } else {
          refused++;
          continue;
        }
      }
      batcher.add(record, this.nextSeq++);
    }
    if (refused > 0) {
      this.metrics.drop('export_queue_full', refused, this.exporter.id);
      this.diagnostics.warnOnce(
        `export_queue_full.${this.exporter.id}`,
        `exporter ${this.exporter.id} cannot keep up; records are being dropped and counted (raise queue.maxQueueRecords, enable queue.spill or fix the sink)`,
      );
    }
    this.pump();
  }

  /**
   * Resolves once every record enqueued before the call is exported or counted as dropped, whatever
   * arrives meanwhile. With a spill, while the sink is unavailable, a record written to disk counts
   * as flushed (it is durable and is sent when the sink is back, or at the next start).
   */
  async forceFlush(): Promise<void> {
    await this.spillOpening;
    const target = this.nextSeq;
    this.batcher.seal();
    this.pump();
    if (this.watermark() < target) {
      this.holdProcess(true);
      try {
        await this.flushes.wait(target);
      } finally {
        this.holdProcess(false);
      }
    }
    await this.queue.written();
    await this.exporter.forceFlush();
  }

  /**
   * Drains within `deadlineMs`; what is still queued then is aborted and counted as dropped
   * (reason `shutdown`), or with a spill, written to disk for the next start. Then shuts the
   * exporter down. Calling it again returns the same promise.
   */
  shutdown(deadlineMs: number): Promise<void> {
    this.shutdownPromise ??= this.shutdownOnce(deadlineMs);
    return this.shutdownPromise;
  }

  private async shutdownOnce(deadlineMs: number): Promise<void> {
    if (this.lifecycle === 'running') this.lifecycle = 'draining';
    const started = this.clock.monotonic();
    await this.spillOpening;
    this.batcher.seal();
    this.pump();
    const settled = () => this.isIdle() && this.current === undefined;
    if (!settled()) {
      let deadline: TimerHandle | undefined;
      const remaining = Math.max(0, deadlineMs - (this.clock.monotonic() - started));
      // The application awaits this: the deadline holds the process open until it passes.
      const reached = new Promise<'deadline'>((resolve) => {
        deadline = this.clock.setTimeout(() => resolve('deadline'), remaining, { keepAlive: true });
      });
      const idle = this.waitFor(settled).then(() => 'idle' as const);
      const outcome = await Promise.race([idle, reached]);
      deadline?.cancel();
      if (outcome === 'deadline') {
        if (this.queue.canSpill) await this.spillEverything();
        else await this.dropEverything();
      }
    }
    this.batcher.stop();
    this.sink.stop();
    this.lifecycle = 'closed';
    // Anything that slipped in meanwhile (a batch put back by a send that just ended) is counted.
    this.dropMemory();
    const store = this.store;
    if (store !== undefined) {
      const left = store.records;
      await store.close();
      if (left > 0)
        this.diagnostics.info(
          'spill_pending',
          `exporter ${this.exporter.id}: ${left} records stay in the disk spill and are sent at the next start`,
        );
    }
    this.flushes.release(Number.POSITIVE_INFINITY);
    try {
      await this.exporter.shutdown();
    } catch {
      this.diagnostics.error(
        'exporter_shutdown_failed',
        `exporter ${this.exporter.id} failed to shut down cleanly`,
      );
    }
  }

  private openSpill(queue: SpillBatchQueue, root: string): void {
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
    this.spillOpening = store.open().then(
      (recovery) => {
        this.store = store;
        queue.attach(store);
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

  private onSealed(batch: SealedBatch): void {
    this.queue.push({ records: batch.records, firstSeq: batch.firstSeq, firstAttemptAt: undefined });
  }

  /** Starts the next delivery when the sink may be tried and nothing is in flight. */
  private pump(): void {
    if (this.current === undefined && this.spillOpening === undefined) {
      if (this.lifecycle === 'closed') this.dropMemory();
      else if (this.lifecycle !== 'spilling' && this.sink.ready) {
        const lease = this.queue.take();
        if (lease !== undefined) {
          const done = this.deliver(lease)
            .catch((error: unknown) =>
              // Not expected (every step settles its own failures); reported rather than unhandled.
              this.diagnostics.error(
                'delivery_failed',
                `exporter ${this.exporter.id}: a delivery step failed unexpectedly (${error instanceof Error ? error.name : 'error'})`,
              ),
            )
            .finally(() => {
              this.current = undefined;
              this.pump();
            });
          this.current = { lease, done };
        }
      }
    }
    this.notify();
  }

  /** One lease through retry and timeout: count what the sink settled, put back what is left. */
  private async deliver(lease: BatchLease): Promise<void> {
    const id = this.exporter.id;
    const records = await lease.records();
    const n = records.length;
    if (n === 0) {
      lease.done();
      return;
    }
    lease.firstAttemptAt ??= this.clock.monotonic();
    const failure = await this.attempt(records);
    if (failure === undefined) {
      this.metrics.addExported(id, n);
      lease.done();
      this.sink.answered();
      return;
    }
    const outcome = sendOutcome(n, failure);
    this.countSettled(outcome, failure);
    const left = outcome.remaining;
    if (left.length === 0 || !outcome.retryable) {
      this.countLost(left.length, outcome.retryable ? 'export_failed' : 'export_rejected', failure);
      lease.done();
      // A sink that answers, even with a refusal, is up: the next batch goes now.
      this.sink.answered();
      return;
    }
    if (this.lifecycle === 'closed') {
      this.metrics.drop('shutdown', left.length, id);
      lease.done();
      return;
    }
    if (this.lifecycle === 'spilling') {
      // Past the shutdown deadline: what is left waits on disk for the next start.
      lease.keep(left);
      return;
    }
    if (!this.config.retry.enabled) {
      this.countLost(left.length, 'export_failed', failure);
      lease.done();
      return;
    }
    const condition = outcome.throttled ? 'throttled' : 'unavailable';
    const elapsed = this.clock.monotonic() - (lease.firstAttemptAt ?? 0);
    if (!this.queue.canSpill && elapsed >= this.config.retry.maxElapsedMs) {
      // Without a spill a batch has a retry budget; with one, it waits on disk instead.
      this.countLost(left.length, 'export_failed', failure);
      lease.done();
      this.sink.failed(condition, outcome.retryAfterMs);
      return;
    }
    const wasUnavailable = this.sink.condition === 'unavailable';
    this.sink.failed(condition, outcome.retryAfterMs);
    // The condition is set first: with the sink unavailable, what is kept goes to disk.
    lease.keep(left);
    if (condition === 'unavailable' && this.queue.canSpill) {
      if (!wasUnavailable)
        this.diagnostics.warnOnce(
          `sink_down.${id}`,
          `exporter ${id}: sending failed (${errorText(failure)}); batches go to the disk spill until the sink is back`,
        );
      // What waits in memory follows to disk: nothing is sent out of order, and a crash loses nothing sealed.
      this.queue.spillWaiting();
    }
  }

  /** One send through the timeout stage; returns the failure, if any, after counting the attempt. */
  private async attempt(records: readonly LogRecordLike[]): Promise<unknown> {
    const id = this.exporter.id;
    const started = this.clock.monotonic();
    const failure = await this.sender.send(records);
    this.metrics.exportDuration.record((this.clock.monotonic() - started) / 1000, {
      exporter: id,
      outcome: failure === undefined ? 'success' : 'failure',
    });
    if (failure !== undefined) this.metrics.addFailure(id);
    return failure;
  }

  /** Counts what a failed send did settle: the sink's accepted and rejected records. */
  private countSettled(outcome: SendOutcome, failure: unknown): void {
    const id = this.exporter.id;
    if (outcome.accepted.length > 0) this.metrics.addExported(id, outcome.accepted.length);
    if (outcome.rejected.length > 0) {
      this.metrics.drop('export_rejected', outcome.rejected.length, id);
      this.diagnostics.warnOnce(
        `export_rejected.${id}`,
        `exporter ${id}: the sink rejected records: ${errorText(failure)}`,
      );
    }
  }

  private countLost(n: number, reason: 'export_failed' | 'export_rejected', failure: unknown): void {
    if (n === 0) return;
    const id = this.exporter.id;
    this.metrics.drop(reason, n, id);
    if (reason === 'export_rejected')
      this.diagnostics.warnOnce(
        `export_rejected.${id}`,
        `exporter ${id}: the sink rejected records: ${errorText(failure)}`,
      );
    else
      this.diagnostics.warnOnce(
        `export_failed.${id}`,
        `exporter ${id}: a batch failed and was dropped: ${errorText(failure)}`,
      );
  }

  /**
   * The oldest sequence number not yet flushed: records below it are exported or counted. While the
   * sink is unavailable (or past the shutdown deadline) with a spill, records on disk count as flushed.
   */
  private watermark(): number {
    let oldest = this.nextSeq;
    const consider = (seq: number | undefined) => {
      if (seq !== undefined && seq < oldest) oldest = seq;
    };
    consider(this.batcher.oldestSeq);
    consider(this.queue.oldestMemorySeq());
    if (!this.diskCountsAsFlushed()) consider(this.queue.oldestDiskSeq());
    return oldest;
  }

  private diskCountsAsFlushed(): boolean {
    return this.queue.canSpill && (this.lifecycle === 'spilling' || this.sink.condition === 'unavailable');
  }

  /** Nothing left to do now: memory is empty, and the spill is empty or waiting for the sink. */
  private isIdle(): boolean {
    if (this.batcher.records + this.queue.memoryRecords !== 0) return false;
    return this.queue.spilledRecords === 0 || this.diskCountsAsFlushed();
  }

  private notify(): void {
    if (this.flushes.size > 0) this.flushes.release(this.watermark());
    if (this.idleWaiters.length === 0) return;
    const waiting: typeof this.idleWaiters = [];
    for (const waiter of this.idleWaiters) {
      if (waiter.done()) waiter.resolve();
      else waiting.push(waiter);
    }
    this.idleWaiters = waiting;
  }

  private waitFor(done: () => boolean): Promise<void> {
    return new Promise<void>((resolve) => this.idleWaiters.push({ done, resolve }));
  }

  /** Counts what waits in memory as dropped at shutdown. */
  private dropMemory(): void {
    const left = this.batcher.takePending().length + this.queue.dropWaiting();
    if (left > 0) this.metrics.drop('shutdown', left, this.exporter.id);
  }

  /** Shutdown deadline without a spill: stop, count everything left as `shutdown`. */
  private async dropEverything(): Promise<void> {
    const left = this.queued;
    this.lifecycle = 'closed';
    this.sink.stop();
    this.sender.abort(new Error('shutdown deadline reached'));
    // The aborted delivery counts its batch; pump() then counts everything still queued.
    this.pump();
    await this.current?.done;
    this.diagnostics.error(
      'shutdown_incomplete',
      `exporter ${this.exporter.id}: ${left} records could not be sent before the shutdown deadline and were dropped`,
    );
  }

  /** Shutdown deadline with a spill: stop sending, put everything in memory on disk. */
  private async spillEverything(): Promise<void> {
    this.lifecycle = 'spilling';
    this.sink.stop();
    this.batcher.seal();
    this.queue.spillWaiting();
    this.sender.abort(new Error('shutdown deadline reached'));
    // An aborted memory batch goes to the front of the spill, an aborted segment stays where it is.
    await this.current?.done;
    this.queue.spillWaiting();
  }

  /**
   * While a caller awaits a flush, one keep-alive timer holds the process open: the queue's own
   * timers (backoff, batch age) never do, so without it a process with nothing else to do would exit
   * in the middle of `await forceFlush()`.
   */
  private holdProcess(on: boolean): void {
    this.holds += on ? 1 : -1;
    if (this.holds > 0 && this.hold === undefined) {
      const renew = () => {
        this.hold = this.clock.setTimeout(renew, HOLD_MS, { keepAlive: true });
      };
      renew();
    } else if (this.holds === 0) {
      this.hold?.cancel();
      this.hold = undefined;
    }
  }
}

function errorText(error: unknown): string {
  // Exporter errors carry the sink's message (status, reason), never record values.
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
