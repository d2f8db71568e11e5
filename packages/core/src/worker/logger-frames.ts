import type { HrTime } from '@opentelemetry/api';
import type { CapturedRecord } from '../internal/record-capture.ts';

/**
 * What a FRAME_VALUE frame of the logger holds: a feedback record captured on the serving thread,
 * or an OTel log record from `logRecordProcessor()` (its values captured as of `emit()`, with the
 * envelope a worker needs to rebuild it). Predictions travel as FRAME_PREDICTION frames instead.
 */
export type LoggerValueFrame =
  | { readonly k: 'feedback'; readonly record: CapturedRecord }
  | { readonly k: 'otel'; readonly record: ForeignLogRecordFrame };

export interface ForeignLogRecordFrame {
  readonly hrTime: HrTime;
  readonly hrTimeObserved: HrTime;
  readonly scope: { readonly name: string; readonly version?: string; readonly schemaUrl?: string };
  /** The emitting provider's resource attributes. */
  readonly resource: Record<string, unknown>;
  readonly eventName?: string;
  readonly severityNumber?: number;
  readonly severityText?: string;
  readonly spanContext?: { readonly traceId: string; readonly spanId: string; readonly traceFlags: number };
  readonly attributes: Record<string, unknown>;
  readonly body: unknown;
  readonly approxBytes: number;
}

export function isLoggerValueFrame(value: unknown): value is LoggerValueFrame {
  if (value === null || typeof value !== 'object') return false;
  const { k, record } = value as { k?: unknown; record?: unknown };
  return (k === 'feedback' || k === 'otel') && record !== null && typeof record === 'object';
}
