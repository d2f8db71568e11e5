import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ComponentFactory } from '../contracts.ts';
import type { CapturedRecord, PredictionSnapshot } from '../internal/record-capture.ts';
import { PredlogLogRecord } from '../log-record.ts';
import type { ModelIdentity } from '../prediction-input.ts';
import { createPredictionLogger } from '../prediction-logger.ts';
import { FRAME_PREDICTION } from './frame-kinds.ts';
import { isLoggerValueFrame } from './logger-frames.ts';
import {
  LEDGER_DROPPED,
  LEDGER_EXPORTED,
  LEDGER_FAILURES,
  LEDGER_SAMPLED_OUT,
  LEDGER_SANITIZED,
} from './worker-hand-off.ts';
import type { DecodedFrame, WorkerSink, WorkerSinkContext } from './worker-protocol.ts';

/** `sinkOptions` of the logger's worker: what `createPredictionLogger` was given, as plain data. */
export interface LoggerWorkerSinkOptions {
  readonly model?: ModelIdentity;
  readonly resource?: Record<string, string>;
  readonly env?: Record<string, string | undefined>;
}

/** How often the worker publishes what its export queues settled meanwhile (batches settle late). */
const PUBLISH_INTERVAL_MS = 20;

/**
 * The pipeline worker's sink for `logger.thread: worker`: builds the processors and exporters from
 * the same config (the file, loaded again here, or the plain config) with the factories loaded by
 * module ref, runs them as an inline logger would, and publishes every fate (exported, dropped by
 * reason, sampled out by a processor) to the shared ledger, acknowledging as many frames.
 */
export async function loggerWorkerSink(context: WorkerSinkContext): Promise<WorkerSink> {
  const options = (context.options ?? {}) as LoggerWorkerSinkOptions;
  const components = context.components.filter(isFactory);
  const source = context.config;
  if (source === undefined) throw new Error('the logger worker needs its config');
  const logger = await createPredictionLogger({
    ...('file' in source ? { configFile: source.file } : { config: source.value }),
    components,
    ...(options.model === undefined ? {} : { model: options.model }),
    ...(options.resource === undefined ? {} : { resource: options.resource }),
    ...(options.env === undefined ? {} : { env: options.env }),
    diagnostics: context.diagnostics,
    thread: 'inline',
  });
  const ledger = context.ledger;
  const published = new Map<string, number>();
  let given = 0;
  let acknowledged = 0;

  const publish = () => {
    const stats = logger.stats();
    const current = new Map<string, number>();
    current.set(LEDGER_SAMPLED_OUT, stats.sampledOut);
    for (const [k, n] of Object.entries(stats.dropped)) current.set(LEDGER_DROPPED + k, n);
    for (const [k, n] of Object.entries(stats.exported)) current.set(LEDGER_EXPORTED + k, n);
    for (const [k, n] of Object.entries(stats.exportFailures)) current.set(LEDGER_FAILURES + k, n);
    for (const [k, n] of Object.entries(stats.sanitized)) current.set(LEDGER_SANITIZED + k, n);
    let settled = 0;
    ledger.transaction(() => {
      for (const [name, n] of current) {
        const delta = n - (published.get(name) ?? 0);
        if (delta === 0) continue;
        published.set(name, n);
        ledger.add(name, delta);
        if (!name.startsWith(LEDGER_FAILURES) && !name.startsWith(LEDGER_SANITIZED)) settled += delta;
      }
      // One fate per frame; a record fanned out to several exporters has several, never more
      // acknowledgements than frames taken.
      const ack = Math.min(settled, given - acknowledged);
      acknowledged += ack;
      ledger.acknowledge(ack);
    });
  };
  const timer = setInterval(publish, PUBLISH_INTERVAL_MS);
  timer.unref();

  return {
    write(frames: DecodedFrame[]) {
      given += frames.length;
      for (const frame of frames) logger.acceptCaptured(toCaptured(frame));
      publish();
    },
    async flush() {
      await logger.forceFlush();
      publish();
    },
    async close() {
      clearInterval(timer);
      await logger.shutdown();
      publish();
    },
  };
}

/** What a frame holds, as the inline logger's boundary takes it. */
function toCaptured(frame: DecodedFrame): PredictionSnapshot | CapturedRecord | PredlogLogRecord | undefined {
  if (frame.kind === FRAME_PREDICTION) return frame.value as PredictionSnapshot;
  const value = frame.value;
  if (!isLoggerValueFrame(value)) return undefined;
  if (value.k === 'feedback') return value.record;
  const r = value.record;
  return PredlogLogRecord.withEnvelopeOf(
    {
      hrTime: r.hrTime,
      hrTimeObserved: r.hrTimeObserved,
      resource: resourceFromAttributes(r.resource as Record<string, string>),
      instrumentationScope: r.scope,
      eventName: r.eventName,
      spanContext: r.spanContext,
      severityNumber: r.severityNumber,
      severityText: r.severityText,
    } as ReadableLogRecord,
    {
      attributes: r.attributes as PredlogLogRecord['attributes'],
      body: r.body as PredlogLogRecord['body'],
      approxBytes: r.approxBytes,
      jsonSafe: true,
    },
  );
}

function isFactory(value: unknown): value is ComponentFactory {
  if (value === null || typeof value !== 'object') return false;
  const { kind, type } = value as { kind?: unknown; type?: unknown };
  return (kind === 'processor' || kind === 'exporter') && typeof type === 'string';
}
