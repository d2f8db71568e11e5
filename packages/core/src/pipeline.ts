import type { Processor } from './contracts.ts';
import type { Diagnostics } from './diagnostics.ts';
import type { ExportQueue } from './export-queue.ts';
import { type LogRecordLike, PredlogLogRecord } from './log-record.ts';
import type { SelfMetrics } from './self-metrics.ts';

/**
 * One configured pipeline: processors in config order, then fan-out to the export queues. A
 * processor that throws loses its batch (counted as `processor_error`), never the process.
 */
export class Pipeline {
  readonly name: string;
  private readonly events: ReadonlySet<string>;
  private readonly processors: readonly Processor[];
  private readonly queues: readonly ExportQueue[];
  private readonly metrics: SelfMetrics;
  private readonly diagnostics: Diagnostics;

  constructor(options: {
    name: string;
    events: readonly string[];
    processors: readonly Processor[];
    queues: readonly ExportQueue[];
    metrics: SelfMetrics;
    diagnostics: Diagnostics;
  }) {
    this.name = options.name;
    this.events = new Set(options.events);
    this.processors = options.processors;
    this.queues = options.queues;
    this.metrics = options.metrics;
    this.diagnostics = options.diagnostics;
    this.processors.forEach((processor, i) => {
      processor.connect(
        (records) => this.runFrom(i + 1, records),
        (count, reason) => this.metrics.dropAtProcessor(reason, count, processor.id),
      );
    });
  }

  accepts(eventName: string | undefined): boolean {
    return eventName !== undefined && this.events.has(eventName);
  }

  get exportQueues(): readonly ExportQueue[] {
    return this.queues;
  }

  run(records: LogRecordLike[]): void {
    this.runFrom(0, records);
  }

  private runFrom(start: number, records: LogRecordLike[]): void {
    let batch = records;
    for (let i = start; i < this.processors.length && batch.length > 0; i++) {
      const processor = this.processors[i] as Processor;
      const before = batch.length;
      try {
        batch = processor.process(batch);
      } catch (error) {
        this.metrics.dropAtProcessor('processor_error', before, processor.id);
        this.diagnostics.warnOnce(
          `processor_error.${processor.id}`,
          `processor ${processor.id} threw (${error instanceof Error ? error.name : 'non-error'}); its batch was dropped and counted`,
        );
        return;
      }
      if (batch.length < before && processor.holdsRecords !== true) {
        this.metrics.dropAtProcessor(processor.dropReason ?? 'filtered', before - batch.length, processor.id);
      }
    }
    if (batch.length === 0) return;
    for (const queue of this.queues) queue.enqueue(batch);
  }

  async forceFlush(): Promise<void> {
    for (const processor of this.processors) await processor.forceFlush();
  }

  async shutdownProcessors(): Promise<void> {
    for (const processor of this.processors) {
      try {
        await processor.shutdown();
      } catch {
        this.diagnostics.error(
          'processor_shutdown_failed',
          `processor ${processor.id} failed to shut down cleanly`,
        );
      }
    }
  }
}

/** A deep copy for a second pipeline, whose processors may mutate the record independently. */
export function cloneRecord(record: LogRecordLike): PredlogLogRecord {
  return PredlogLogRecord.withEnvelopeOf(record, {
    attributes: structuredClone(record.attributes),
    body: structuredClone(record.body),
    approxBytes: (record as { approxBytes?: number }).approxBytes ?? 512,
    jsonSafe: (record as { jsonSafe?: boolean }).jsonSafe === true,
  });
}
