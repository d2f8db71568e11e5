import { resourceFromAttributes } from '@opentelemetry/resources';
import type { StoredRecord } from '@predlog/schema';
import { describe, expect, it } from 'vitest';
import { expectedLine, predictionBatch, predictionLogRecord, predictionResource } from '../src/index.ts';

describe('prediction records', () => {
  it('builds a batch one millisecond apart with distinct ids, overrides applied to each', () => {
    const batch = predictionBatch(3, { model_name: 'churn' }, { startIso: '2026-02-01T00:00:00.000Z' });
    const lines = batch.map((record) => JSON.parse(expectedLine(record)) as StoredRecord);
    expect(
      lines.map((line) => [line.request_id, line.prediction_id, line.timestamp, line.model_name]),
    ).toEqual([
      ['req-0', 'pred-0', '2026-02-01T00:00:00.000Z', 'churn'],
      ['req-1', 'pred-1', '2026-02-01T00:00:00.001Z', 'churn'],
      ['req-2', 'pred-2', '2026-02-01T00:00:00.002Z', 'churn'],
    ]);
  });

  it('marks records JSON-safe with the default resource unless told otherwise', () => {
    const record = predictionLogRecord({}, { extraAttributes: { 'ml.retention.class': 'audit' } });
    expect(record.jsonSafe).toBe(true);
    expect(record.resource).toBe(predictionResource);
    expect(record.attributes['ml.retention.class']).toBe('audit');
    expect(record.attributes['ml.request.id']).toBe('req-1');

    const resource = resourceFromAttributes({ 'service.name': 'other' });
    const [foreign] = predictionBatch(1, {}, { resource, jsonSafe: false });
    expect(foreign?.jsonSafe).toBe(false);
    expect(foreign?.resource).toBe(resource);
  });

  it('attaches a span context only when a trace id is given', () => {
    expect(predictionLogRecord().spanContext).toBeUndefined();
    const traced = predictionLogRecord({}, { traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
    expect(traced.spanContext).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: 1,
    });
  });
});
