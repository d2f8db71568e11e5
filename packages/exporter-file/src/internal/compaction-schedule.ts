import type { Clock, Diagnostics, TimerHandle } from '@predlog/core';
import type { CompactionConfig } from '../config.ts';
import { type CompactionReport, compactDirectory } from '../parquet-compaction.ts';
import { oldestKeptDate } from './retention-sweep.ts';

export interface CompactionScheduleOptions {
  readonly root: string;
  readonly config: CompactionConfig;
  readonly clock: Clock;
  readonly diagnostics: Diagnostics;
  readonly onReport: (report: CompactionReport) => void;
  /** The compaction itself (a seam for tests); default `compactDirectory`. */
  readonly compact?: typeof compactDirectory;
}

/**
 * The exporter's background compaction: closed days become Parquet, every `intervalMs` on the
 * injected clock, off the send path (a run never holds up a batch; the exporter only writes
 * today's and late files, which compaction leaves alone or picks up next time). One run at a
 * time; a failure leaves the NDJSON in place (compaction removes sources only after the Parquet
 * file is complete) and is reported once.
 */
export class CompactionSchedule {
  private readonly options: CompactionScheduleOptions;
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(options: CompactionScheduleOptions) {
    this.options = options;
  }

  /** Runs once now, then every `intervalMs`. */
  start(): void {
    this.runOnce();
    this.timer = this.options.clock.setInterval(() => this.runOnce(), this.options.config.intervalMs);
  }

  /** The run in progress, if any (tests and shutdown wait for it). */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** Stops the timer; a run in progress stops after its current partition. */
  async stop(): Promise<void> {
    this.timer?.cancel();
    this.abort.abort();
    await this.idle();
  }

  private runOnce(): void {
    if (this.running !== undefined || this.abort.signal.aborted) return;
    const { root, config, clock, diagnostics } = this.options;
    const nowMs = clock.now();
    const compact = this.options.compact ?? compactDirectory;
    this.running = compact({
      directory: root,
      before: oldestKeptDate(nowMs, config.afterDays),
      nowMs,
      memoryLimit: config.memoryLimit,
      // One thread: the serving process keeps its other cores.
      threads: 1,
      signal: this.abort.signal,
    })
      .then((report) => {
        this.options.onReport(report);
        if (report.skipped.length > 0) {
          const reasons = [...new Set(report.skipped.map((s) => s.reason))].join(', ');
          diagnostics.warnOnce(
            'file.compaction_skipped',
            `${report.skipped.length} partition(s) kept as NDJSON (${reasons}); see predlog compact`,
          );
        }
      })
      .catch((error: unknown) => {
        const code = (error as NodeJS.ErrnoException | undefined)?.code;
        diagnostics.warnOnce(
          'file.compaction_failed',
          `Parquet compaction failed (${typeof code === 'string' ? code : 'error'}); the NDJSON files stay in place and the next run tries again`,
        );
      })
      .finally(() => {
        this.running = undefined;
      });
  }
}
