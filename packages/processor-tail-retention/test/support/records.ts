import type { SpanContext } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { type LogRecordLike, PredlogLogRecord } from '@predlog/core';

const resource = resourceFromAttributes({ 'service.name': 'fraud-service' });

export interface RecordOptions {
  attributes?: Record<string, unknown>;
  body?: Record<string, unknown>;
  traceId?: string;
  severityNumber?: number;
  approxBytes?: number;
}

function logRecord(
  eventName: string | undefined,
  attributes: Record<string, unknown>,
  options: RecordOptions,
) {
  const spanContext: SpanContext | undefined =
    options.traceId === undefined
      ? undefined
      : { traceId: options.traceId, spanId: '00f067aa0ba902b7', traceFlags: 1 };
  return new PredlogLogRecord({
    hrTime: [1_769_860_800, 0],
    resource,
    instrumentationScope: { name: '@predlog/core' },
    attributes: { ...attributes, ...options.attributes } as PredlogLogRecord['attributes'],
    body: (options.body ?? {}) as PredlogLogRecord['body'],
    ...(eventName === undefined ? {} : { eventName }),
    ...(spanContext === undefined ? {} : { spanContext }),
    ...(options.severityNumber === undefined ? {} : { severityNumber: options.severityNumber }),
    approxBytes: options.approxBytes ?? 500,
  });
}

export interface PredictionOptions extends RecordOptions {
  label?: string | number | boolean;
  score?: number;
  threshold?: number;
  latencyMs?: number;
  error?: boolean;
  role?: string;
}

/** An `ml.prediction` record of request `requestId` (omit it with `undefined`). */
export function prediction(requestId: string | undefined, options: PredictionOptions = {}): PredlogLogRecord {
  const attributes: Record<string, unknown> = {
    'ml.model.name': 'fraud',
    'ml.model.version': '1.0.0',
    'ml.prediction.label': options.label ?? 'legit',
    'ml.prediction.score': options.score ?? 0.1,
    'ml.inference.duration_ms': options.latencyMs ?? 3,
    'ml.prediction.status': options.error === true ? 'error' : 'ok',
  };
  if (requestId !== undefined) attributes['ml.request.id'] = requestId;
  if (options.threshold !== undefined) attributes['ml.prediction.threshold'] = options.threshold;
  if (options.role !== undefined) attributes['ml.model.role'] = options.role;
  if (options.error === true) attributes['error.type'] = 'TimeoutError';
  return logRecord('ml.prediction', attributes, options);
}

export interface FeedbackOptions extends RecordOptions {
  label?: string | number | boolean;
  complaint?: boolean;
}

export function feedback(requestId: string, options: FeedbackOptions = {}): PredlogLogRecord {
  const attributes: Record<string, unknown> = {
    'ml.request.id': requestId,
    'ml.model.name': 'fraud',
    'ml.feedback.source': 'chargeback',
  };
  if (options.label !== undefined) attributes['ml.feedback.label'] = options.label;
  if (options.complaint !== undefined) attributes['ml.feedback.complaint'] = options.complaint;
  return logRecord('ml.feedback', attributes, options);
}

/** Any other record of the request (an outcome log, an HTTP access log...). */
export function outcome(requestId: string, options: RecordOptions = {}): PredlogLogRecord {
  return logRecord('app.outcome', { 'ml.request.id': requestId }, options);
}

export function retentionOf(record: LogRecordLike): { class: unknown; policy: unknown } {
  const attributes = record.attributes as Record<string, unknown>;
  return { class: attributes['ml.retention.class'], policy: attributes['ml.retention.policy'] };
}

export function requestIds(records: readonly LogRecordLike[]): string[] {
  return records.map((r) => String((r.attributes as Record<string, unknown>)['ml.request.id']));
}
