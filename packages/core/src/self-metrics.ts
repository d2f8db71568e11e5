import type { Histogram, Meter } from '@opentelemetry/api';
import { SANITIZE_KINDS } from './internal/value-capture.ts';

/** Why a record did not reach an exporter. */
export type DropReason =
  | 'queue_full'
  | 'invalid'
  | 'export_queue_full'
  | 'export_failed'
  | 'export_rejected'
  | 'shutdown'
  | 'processor_error'
  | 'spill_full'
  | 'spill_torn'
  | 'spill_corrupt'
  | 'spill_failed'
  | (string & {});

/**
 * Snapshot of the pipeline's ledger: received + Σ spillRecovered = sampledOut + Σ dropped + Σ exported
 * + queueDepth + Σ exportQueueDepth (which includes the records spilled to disk).
 */
export interface PipelineStats {
  received: number;
  sampledOut: number;
  /** By reason; keyed `reason:exporterId` at an exporter, `reason@processorId` at a processor. */
  dropped: Record<string, number>;
  exported: Record<string, number>;
  exportFailures: Record<string, number>;
  /** Records waiting at the async boundary. */
  queueDepth: number;
  /** Records waiting in each exporter's queue (including the batch being sent and the disk spill). */
  exportQueueDepth: Record<string, number>;
  /** Of `exportQueueDepth`, the records waiting in each exporter's disk spill. */
  spilled: Record<string, number>;
  /** Records an exporter's spill held at start, left by an earlier run (they count as received here). */
  spillRecovered: Record<string, number>;
  sanitized: Record<string, number>;
}

/**
 * predlog's self-metrics. Counting on the hot path is a plain field increment; the OTel instruments
 * are observable and read these fields when the application's MeterProvider collects, so metrics
 * cost the caller nothing.
 */
export class SelfMetrics {
  received = 0;
  sampledOut = 0;
  readonly dropped = new Map<string, number>();
  readonly exported = new Map<string, number>();
  readonly exportFailures = new Map<string, number>();
  readonly exportDuration: Histogram;
  private readonly queueDepthSources = new Map<string, () => number>();
  private readonly spillSources = new Map<string, () => { records: number; bytes: number }>();
  readonly spillRecovered = new Map<string, number>();
  private sanitizeCounts: Float64Array = new Float64Array(SANITIZE_KINDS.length);
  /** Worker mode: the ledger of both threads, which the instruments then report instead of these fields. */
  private source: (() => PipelineStats) | undefined;

  constructor(meter: Meter) {
    meter
      .createObservableCounter('predlog.records.received', {
        description: 'Predictions and feedback records handed to predlog',
        unit: '{record}',
      })
      .addCallback((result) => result.observe(this.source?.().received ?? this.received));
    meter
      .createObservableCounter('predlog.records.sampled_out', {
        description: 'Records not logged because sampling dropped them',
        unit: '{record}',
      })
      .addCallback((result) => result.observe(this.source?.().sampledOut ?? this.sampledOut));
    meter
      .createObservableCounter('predlog.records.dropped', {
        description: 'Records lost, by reason (and exporter where the loss happened at one)',
        unit: '{record}',
      })
      .addCallback((result) => {
        for (const [key, n] of this.entries('dropped')) {
          const at = key.indexOf('@');
          const colon = key.indexOf(':');
          if (at !== -1) result.observe(n, { reason: key.slice(0, at), processor: key.slice(at + 1) });
          else if (colon !== -1)
            result.observe(n, { reason: key.slice(0, colon), exporter: key.slice(colon + 1) });
          else result.observe(n, { reason: key });
        }
      });
    meter
      .createObservableCounter('predlog.records.exported', {
        description: 'Records an exporter confirmed as sent',
        unit: '{record}',
      })
      .addCallback((result) => {
        for (const [exporter, n] of this.entries('exported')) result.observe(n, { exporter });
      });
    meter
      .createObservableCounter('predlog.export.failures', {
        description: 'Failed export attempts (each retry counts)',
        unit: '{attempt}',
      })
      .addCallback((result) => {
        for (const [exporter, n] of this.entries('exportFailures')) result.observe(n, { exporter });
      });
    meter
      .createObservableGauge('predlog.queue.depth', {
        description: 'Records waiting, at the async boundary (queue="boundary") or per exporter',
        unit: '{record}',
      })
      .addCallback((result) => {
        const source = this.source;
        if (source !== undefined) result.observe(source().queueDepth, { queue: 'boundary' });
        else for (const [queue, read] of this.queueDepthSources) result.observe(read(), { queue });
      });
    meter
      .createObservableGauge('predlog.spill.bytes', {
        description: "Bytes of segment files in each exporter's disk spill",
        unit: 'By',
      })
      .addCallback((result) => {
        for (const [exporter, read] of this.spillSources) result.observe(read().bytes, { exporter });
      });
    meter
      .createObservableCounter('predlog.spill.recovered', {
        description: 'Records found in a disk spill at start, left by an earlier run',
        unit: '{record}',
      })
      .addCallback((result) => {
        for (const [exporter, n] of this.spillRecovered) result.observe(n, { exporter });
      });
    meter
      .createObservableCounter('predlog.records.sanitized', {
        description: 'Values replaced, cut or marked because JSON cannot carry them as given',
        unit: '{value}',
      })
      .addCallback((result) => {
        const source = this.source;
        if (source !== undefined) {
          for (const [kind, n] of Object.entries(source().sanitized)) result.observe(n, { kind });
          return;
        }
        const counts = this.sanitizeCounts;
        for (let i = 0; i < counts.length; i++) {
          const n = counts[i] as number;
          if (n > 0) result.observe(n, { kind: SANITIZE_KINDS[i] as string });
        }
      });
    this.exportDuration = meter.createHistogram('predlog.export.duration_seconds', {
      description: 'Time one batch took to export, per attempt',
      unit: 's',
      advice: { explicitBucketBoundaries: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] },
    });
  }

  /** Counts a loss; `exporter` when it happened at an exporter's queue. */
  drop(reason: DropReason, count: number, exporter?: string): void {
    if (count <= 0) return;
    const key = exporter === undefined ? reason : `${reason}:${exporter}`;
    this.dropped.set(key, (this.dropped.get(key) ?? 0) + count);
  }

  /** Counts records a processor removed; a sampler's `sampled_out` goes to the sampled-out counter. */
  dropAtProcessor(reason: DropReason, count: number, processor: string): void {
    if (count <= 0) return;
    if (reason === 'sampled_out') {
      this.sampledOut += count;
      return;
    }
    const key = `${reason}@${processor}`;
    this.dropped.set(key, (this.dropped.get(key) ?? 0) + count);
  }

  addExported(exporter: string, count: number): void {
    this.exported.set(exporter, (this.exported.get(exporter) ?? 0) + count);
  }

  addFailure(exporter: string): void {
    this.exportFailures.set(exporter, (this.exportFailures.get(exporter) ?? 0) + 1);
  }

  watchQueue(name: string, read: () => number): void {
    this.queueDepthSources.set(name, read);
  }

  watchSpill(exporter: string, read: () => { records: number; bytes: number }): void {
    this.spillSources.set(exporter, read);
  }

  addSpillRecovered(exporter: string, count: number): void {
    if (count > 0) this.spillRecovered.set(exporter, (this.spillRecovered.get(exporter) ?? 0) + count);
  }

  /**
   * Worker mode: the instruments report `read()` (the façade's counts folded with the worker's
   * ledger) for received, sampled out, dropped, exported, failures, sanitized and queue depth.
   */
  foldIn(read: () => PipelineStats): void {
    this.source = read;
  }

  private entries(table: 'dropped' | 'exported' | 'exportFailures'): Iterable<[string, number]> {
    const source = this.source;
    return source === undefined ? this[table] : Object.entries(source()[table]);
  }

  useSanitizeCounts(counts: Float64Array): void {
    this.sanitizeCounts = counts;
  }

  snapshot(): PipelineStats {
    const queueDepth = this.queueDepthSources.get('boundary')?.() ?? 0;
    const exportQueueDepth: Record<string, number> = {};
    for (const [name, read] of this.queueDepthSources)
      if (name !== 'boundary') exportQueueDepth[name] = read();
    const spilled: Record<string, number> = {};
    for (const [exporter, read] of this.spillSources) spilled[exporter] = read().records;
    const sanitized: Record<string, number> = {};
    this.sanitizeCounts.forEach((n, i) => {
      if (n > 0) sanitized[SANITIZE_KINDS[i] as string] = n;
    });
    return {
      received: this.received,
      sampledOut: this.sampledOut,
      dropped: Object.fromEntries(this.dropped),
      exported: Object.fromEntries(this.exported),
      exportFailures: Object.fromEntries(this.exportFailures),
      queueDepth,
      exportQueueDepth,
      spilled,
      spillRecovered: Object.fromEntries(this.spillRecovered),
      sanitized,
    };
  }
}
