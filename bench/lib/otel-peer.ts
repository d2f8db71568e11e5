import type { Logger } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchLogRecordProcessor,
  type BatchLogRecordProcessorOptions,
  LoggerProvider,
  type LogRecordExporter,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import { DEMO_SERVICE, DEMO_SERVING_NODE } from './demo-record.ts';

/** `ExportResultCode.SUCCESS` of @opentelemetry/core, which the bench does not depend on. */
const EXPORT_SUCCESS = 0;

/** An exporter that only counts: measures the SDK's own cost, not a sink's. */
export class CountingLogExporter implements LogRecordExporter {
  received = 0;
  batches = 0;

  export(logs: ReadableLogRecord[], resultCallback: (result: { code: number }) => void): void {
    this.received += logs.length;
    this.batches++;
    resultCallback({ code: EXPORT_SUCCESS });
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {}
}

export interface OtelPeer {
  logger: Logger;
  exporter: CountingLogExporter;
  provider: LoggerProvider;
}

/** The stock SDK pipeline: LoggerProvider → BatchLogRecordProcessor (defaults unless given) → exporter. */
export function createOtelPeer(batch: Omit<BatchLogRecordProcessorOptions, 'exporter'> = {}): OtelPeer {
  const exporter = new CountingLogExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': DEMO_SERVICE, 'host.name': DEMO_SERVING_NODE }),
    processors: [new BatchLogRecordProcessor({ ...batch, exporter })],
  });
  return { logger: provider.getLogger('fraud-service', '1.0.0'), exporter, provider };
}
