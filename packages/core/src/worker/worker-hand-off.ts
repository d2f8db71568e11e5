import type { CaptureOptions } from '../internal/record-capture.ts';
import type { SanitizeKind } from '../internal/value-capture.ts';
import type { PredlogLogRecord } from '../log-record.ts';
import type { PredictionInput } from '../prediction-input.ts';
import type { PipelineStats } from '../self-metrics.ts';
import type { ForeignLogRecordFrame, LoggerValueFrame } from './logger-frames.ts';
import type { PipelineWorkerHost } from './pipeline-worker-host.ts';
import { PredictionFrameWriter } from './prediction-frame-writer.ts';
import { ValueFrameWriter } from './value-frame-writer.ts';

/** Ledger counter prefixes the logger's worker sink publishes (logger-worker-sink.ts). */
export const LEDGER_SAMPLED_OUT = 'sampled_out';
export const LEDGER_DROPPED = 'dropped:';
export const LEDGER_EXPORTED = 'exported:';
export const LEDGER_FAILURES = 'failures:';
export const LEDGER_SANITIZED = 'sanitized:';

/**
 * The serving thread's side of `logger.thread: worker`: predictions are captured straight into ring
 * frames, feedback and foreign OTel records (already captured) are written as value frames, and
 * `stats()` folds the worker's shared ledger into the façade's own counts, synchronously.
 */
export class WorkerHandOff {
  readonly host: PipelineWorkerHost;
  private readonly predictions: PredictionFrameWriter;
  private readonly values: ValueFrameWriter;

  constructor(host: PipelineWorkerHost, options: CaptureOptions, onFirst: (kind: SanitizeKind) => void) {
    this.host = host;
    this.predictions = new PredictionFrameWriter(host.ring, options, onFirst, host.shapes);
    this.values = new ValueFrameWriter(host.ring, options, host.shapes);
  }

  /** Sanitisation counts of the prediction capture (by SANITIZE_KINDS index). */
  get sanitizeCounts(): Float64Array {
    return this.predictions.encoder.counts;
  }

  /**
   * Writes one kept prediction; its id, or `null` when the ring had no room (nothing written).
   * Throws what the input threw outside a value walk (the caller counts it as invalid).
   */
  writePrediction(
    input: PredictionInput,
    latencyMs: number | undefined,
    weight: number,
    reason: string | undefined,
  ): string | undefined | null {
    if (!this.predictions.write(input, latencyMs, weight, reason)) return null;
    return this.predictions.lastPredictionId;
  }

  /** False when the ring had no room. */
  writeValue(frame: LoggerValueFrame): boolean {
    return this.values.write(frame);
  }

  /** A foreign record's envelope and captured values, as a worker rebuilds it. */
  static foreignFrame(record: PredlogLogRecord): LoggerValueFrame {
    const scope = record.instrumentationScope;
    const frame: ForeignLogRecordFrame = {
      hrTime: record.hrTime,
      hrTimeObserved: record.hrTimeObserved,
      scope: {
        name: scope.name,
        ...(scope.version === undefined ? {} : { version: scope.version }),
        ...(scope.schemaUrl === undefined ? {} : { schemaUrl: scope.schemaUrl }),
      },
      resource: { ...record.resource.attributes },
      ...(record.eventName === undefined ? {} : { eventName: record.eventName }),
      ...(record.severityNumber === undefined ? {} : { severityNumber: record.severityNumber }),
      ...(record.severityText === undefined ? {} : { severityText: record.severityText }),
      ...(record.spanContext === undefined
        ? {}
        : {
            spanContext: {
              traceId: record.spanContext.traceId,
              spanId: record.spanContext.spanId,
              traceFlags: record.spanContext.traceFlags,
            },
          }),
      attributes: record.attributes as Record<string, unknown>,
      body: record.body,
      approxBytes: record.approxBytes,
    };
    return { k: 'otel', record: frame };
  }

  /**
   * The façade's counts (received, head sampling, refusals, invalid input, capture sanitising)
   * merged with the worker's ledger: what is in the ring or held by the worker is `queueDepth`, so
   * received = sampledOut + Σ dropped + Σ exported + queueDepth holds across both threads.
   */
  mergeStats(local: PipelineStats, extraSanitized: Record<string, number>): PipelineStats {
    const worker = this.host.stats();
    const dropped = { ...local.dropped };
    const exported: Record<string, number> = {};
    const exportFailures: Record<string, number> = {};
    const sanitized = { ...local.sanitized };
    const add = (table: Record<string, number>, key: string, n: number) => {
      if (n > 0) table[key] = (table[key] ?? 0) + n;
    };
    for (const [key, n] of Object.entries(extraSanitized)) add(sanitized, key, n);
    let sampledOut = local.sampledOut;
    for (const [name, n] of Object.entries(worker.counters)) {
      if (name === LEDGER_SAMPLED_OUT) sampledOut += n;
      else if (name.startsWith(LEDGER_DROPPED)) add(dropped, name.slice(LEDGER_DROPPED.length), n);
      else if (name.startsWith(LEDGER_EXPORTED)) add(exported, name.slice(LEDGER_EXPORTED.length), n);
      else if (name.startsWith(LEDGER_FAILURES)) add(exportFailures, name.slice(LEDGER_FAILURES.length), n);
      else if (name.startsWith(LEDGER_SANITIZED)) add(sanitized, name.slice(LEDGER_SANITIZED.length), n);
      else add(dropped, name, n);
    }
    add(dropped, 'worker_died', worker.workerDied);
    add(dropped, 'shutdown', worker.abandoned);
    return {
      ...local,
      sampledOut,
      dropped,
      exported,
      exportFailures,
      queueDepth: local.queueDepth + worker.ringDepth + worker.held,
      sanitized,
    };
  }
}
