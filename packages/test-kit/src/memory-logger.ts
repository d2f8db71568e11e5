import {
  type DiagnosticEvent,
  DiagnosticsChannel,
  type LogRecordLike,
  PredictionLogger,
} from '@predlog/core';
import { MemoryExporter } from './memory-exporter.ts';

export interface MemoryLogger {
  logger: PredictionLogger;
  diagnostics: DiagnosticsChannel;
  events: DiagnosticEvent[];
  /** Everything logged so far (flushes first). */
  records(): Promise<LogRecordLike[]>;
}

/** A PredictionLogger with one pipeline into a MemoryExporter, as instrumentation tests need. */
export function memoryLogger(): MemoryLogger {
  const exporter = new MemoryExporter();
  const events: DiagnosticEvent[] = [];
  const diagnostics = new DiagnosticsChannel((event) => events.push(event));
  const logger = new PredictionLogger({ pipelines: [{ exporters: [exporter] }], diagnostics });
  return {
    logger,
    diagnostics,
    events,
    records: async () => {
      await logger.forceFlush();
      return exporter.records;
    },
  };
}

export function attr(record: LogRecordLike | undefined, key: string): unknown {
  return record?.attributes[key];
}

export function bodyOf(record: LogRecordLike | undefined): Record<string, unknown> {
  return (record?.body ?? {}) as Record<string, unknown>;
}
