import { BaseExporter, type ExporterFactory, type LogRecordLike } from '@predlog/core';
import { z } from 'zod';

/** Keeps what predlog exports, so a test reads back exactly what was sent. */
export class MemoryExporter extends BaseExporter {
  readonly records: LogRecordLike[] = [];

  constructor(id = 'memory') {
    super(id);
  }

  async send(records: readonly LogRecordLike[]): Promise<void> {
    this.records.push(...records);
  }
}

/** Registers MemoryExporter as `type: memory` for config tests; each one created is pushed to `target`. */
export function memoryExporterFactory(target: MemoryExporter[] = []): ExporterFactory {
  return {
    kind: 'exporter',
    type: 'memory',
    configSchema: z.strictObject({}),
    create: (_config, services) => {
      const exporter = new MemoryExporter(services.id);
      target.push(exporter);
      return exporter;
    },
  };
}
