import {
  BaseExporter,
  type DiagnosticEvent,
  DiagnosticsChannel,
  type LogRecordLike,
  PredictionLogger,
} from '@predlog/core';

/** Keeps what predlog exports, so a test reads back exactly what was logged. */
export class MemoryExporter extends BaseExporter {
  readonly records: LogRecordLike[] = [];

  constructor() {
    super('memory');
  }

  async send(records: readonly LogRecordLike[]): Promise<void> {
    this.records.push(...records);
  }
}

export interface MemoryLogger {
  logger: PredictionLogger;
  diagnostics: DiagnosticsChannel;
  events: DiagnosticEvent[];
  /** Everything logged so far (flushes first). */
  records(): Promise<LogRecordLike[]>;
}

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

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until `check()` is true (polling), failing after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}
