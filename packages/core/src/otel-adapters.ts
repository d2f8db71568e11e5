import type { Context } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { LogRecordProcessor, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { Exporter, Processor, Sampler } from './contracts.ts';
import type { LogRecordLike } from './log-record.ts';

/**
 * Base of every predlog processor. Subclasses implement `process()`; this class makes them OTel
 * `LogRecordProcessor`s too: inside a plain `LoggerProvider`, `pipeTo(next)` forwards what the
 * processor keeps to `next` (a `BatchLogRecordProcessor`, another predlog processor, ...). Without
 * `pipeTo`, `onEmit` still mutates the record in place (redaction works) but cannot stop it.
 */
export abstract class BaseProcessor implements Processor {
  readonly id: string;
  readonly headSampler?: Sampler;
  private downstream: ((records: LogRecordLike[]) => void) | undefined;
  private otelNext: LogRecordProcessor | undefined;
  private droppedSink: ((count: number, reason: string) => void) | undefined;

  constructor(id: string) {
    this.id = id;
  }

  abstract process(records: LogRecordLike[]): LogRecordLike[];

  connect(
    downstream: (records: LogRecordLike[]) => void,
    dropped?: (count: number, reason: string) => void,
  ): void {
    this.downstream = downstream;
    this.droppedSink = dropped;
  }

  /** Counts records a holding processor decided to drop (see `Processor.holdsRecords`). */
  protected reportDropped(count: number, reason: string): void {
    if (count > 0) this.droppedSink?.(count, reason);
  }

  /** Chains this processor in front of `next` for use inside an OTel `LoggerProvider`. */
  pipeTo(next: LogRecordProcessor): this {
    this.otelNext = next;
    this.downstream = (records) => {
      for (const record of records) next.onEmit(record);
    };
    return this;
  }

  onEmit(logRecord: LogRecordLike, context?: Context): void {
    let kept: LogRecordLike[];
    try {
      kept = this.process([logRecord]);
    } catch {
      // A processor bug must not reach the code that emitted the log; pass the record on untouched
      // would risk leaking what a redaction processor failed to mask, so it is dropped.
      return;
    }
    const next = this.otelNext;
    if (next === undefined) return;
    for (const record of kept) next.onEmit(record, context);
  }

  /** Releases held records to whatever follows this processor. */
  protected emitDownstream(records: LogRecordLike[]): void {
    if (records.length > 0) this.downstream?.(records);
  }

  async forceFlush(): Promise<void> {
    await this.flushHeld();
    await this.otelNext?.forceFlush();
  }

  async shutdown(): Promise<void> {
    await this.flushHeld();
    await this.otelNext?.shutdown();
  }

  /** Processors that hold records release them here. */
  protected async flushHeld(): Promise<void> {}
}

/**
 * Base of every predlog exporter. Subclasses implement `send()`; this class provides OTel's
 * callback-style `export()` so a predlog exporter can sit behind a stock `BatchLogRecordProcessor`.
 */
export abstract class BaseExporter implements Exporter {
  readonly id: string;

  constructor(id: string) {
    this.id = id;
  }

  abstract send(records: readonly LogRecordLike[], signal: AbortSignal): Promise<void>;

  export(logs: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    // ReadableLogRecord lacks the setters of LogRecordLike; exporters only read, so this is sound.
    this.send(logs as unknown as LogRecordLike[], new AbortController().signal).then(
      () => resultCallback({ code: ExportResultCode.SUCCESS }),
      (error: unknown) =>
        resultCallback({
          code: ExportResultCode.FAILED,
          error: error instanceof Error ? error : new Error(String(error)),
        }),
    );
  }

  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}
