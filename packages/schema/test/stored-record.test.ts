import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ATTR, feedbackToLogParts, type LogRecordParts, predictionToLogParts } from '../src/otel-mapping.ts';
import { predictionRecordSchema } from '../src/records.ts';
import { fromStoredRecord, type StoredRecord, toStoredRecord } from '../src/stored-record.ts';
import { feedbackRecordArb, predictionRecordArb } from './record-arbitraries.ts';

/** What a file or Loki line goes through: JSON text and back. */
function viaJson(stored: StoredRecord): StoredRecord {
  return JSON.parse(JSON.stringify(stored)) as StoredRecord;
}

const annotationsArb = fc.record(
  {
    [ATTR.samplingWeight]: fc.constantFrom(1, 10, 100),
    [ATTR.samplingReason]: fc.constantFrom('base_rate', 'error', 'forced'),
    [ATTR.retentionClass]: fc.constantFrom('default', 'extended', 'legal_hold'),
    [ATTR.retentionPolicy]: fc.constantFrom('tail/errors', 'tail/outliers'),
    [ATTR.redactionCount]: fc.nat({ max: 20 }),
    [ATTR.modelRole]: fc.constantFrom('primary', 'shadow', 'canary'),
  },
  { requiredKeys: [] },
);

// Attributes predlog does not know: other instrumentation's keys on the same log record.
const foreignAttributesArb = fc.dictionary(
  fc.stringMatching(/^(app|http|k8s)\.[a-z_]{1,10}$/),
  fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.array(fc.string({ maxLength: 5 }))),
  { maxKeys: 4, noNullPrototype: true },
);

function withAttributes(parts: LogRecordParts, ...extra: Array<Record<string, unknown>>): LogRecordParts {
  return { ...parts, attributes: Object.assign({}, parts.attributes, ...extra) };
}

const record = predictionRecordSchema.parse({
  request_id: 'req-1',
  prediction_id: 'pred-1',
  timestamp: '2026-01-31T12:00:00.123Z',
  model_name: 'fraud-xgb',
  model_version: '3',
  input_features: { amount: 12.5 },
  prediction: 'fraud',
  score: 0.93,
  latency_ms: 3.5,
  serving_node: 'pod-a',
});

describe('toStoredRecord', () => {
  it('flattens a prediction: record fields, annotations and the service name at the top, the rest under attributes', () => {
    const parts = withAttributes(predictionToLogParts(record), {
      [ATTR.samplingWeight]: 10,
      [ATTR.retentionClass]: 'extended',
      'app.tenant': 'acme',
    });
    expect(toStoredRecord(parts, { 'service.name': 'fraud-api', 'host.name': 'node-1' })).toEqual({
      event: 'ml.prediction',
      timestamp: '2026-01-31T12:00:00.123Z',
      service_name: 'fraud-api',
      schema_version: 1,
      request_id: 'req-1',
      prediction_id: 'pred-1',
      model_name: 'fraud-xgb',
      model_version: '3',
      score: 0.93,
      latency_ms: 3.5,
      serving_node: 'pod-a',
      input_features: { amount: 12.5 },
      prediction: 'fraud',
      sampling_weight: 10,
      retention_class: 'extended',
      attributes: { 'app.tenant': 'acme' },
    });
  });

  it('keeps a label that body.prediction no longer explains (e.g. the body was redacted)', () => {
    const parts = predictionToLogParts(record);
    parts.body.prediction = '[REDACTED]';
    const back = fromStoredRecord(viaJson(toStoredRecord(parts)));
    expect(back.attributes[ATTR.predictionLabel]).toBe('fraud');
    expect(back).toEqual(parts);
  });

  it('keeps a foreign log body whose names clash with stored fields under `body`, losslessly', () => {
    const parts: LogRecordParts = {
      eventName: 'http.access',
      timeUnixMs: Date.parse('2026-01-31T12:00:00.000Z'),
      attributes: { [ATTR.samplingWeight]: 4, 'http.route': '/score' },
      body: {
        message: 'GET /score 200',
        timestamp: 'not a time',
        event: 'overwritten?',
        attributes: 'plain text',
        body: { nested: true },
        sampling_weight: 'from the body',
      },
    };
    const stored = toStoredRecord(parts);
    expect(stored.event).toBe('http.access');
    expect(stored.timestamp).toBe('2026-01-31T12:00:00.000Z');
    expect(stored.sampling_weight).toBe(4);
    expect(stored.message).toBe('GET /score 200');
    expect(stored.body).toEqual({
      timestamp: 'not a time',
      event: 'overwritten?',
      attributes: 'plain text',
      body: { nested: true },
      sampling_weight: 'from the body',
    });
    expect(fromStoredRecord(viaJson(stored))).toEqual(parts);
  });
});

describe('fromStoredRecord(toStoredRecord(parts))', () => {
  it('round-trips predictions with annotations and foreign attributes through JSON', () => {
    fc.assert(
      fc.property(predictionRecordArb, annotationsArb, foreignAttributesArb, (r, annotations, foreign) => {
        const parts = withAttributes(predictionToLogParts(r), annotations, foreign);
        const stored = viaJson(toStoredRecord(parts, { 'service.name': 'svc' }));
        expect(stored.service_name).toBe('svc');
        expect(fromStoredRecord(stored)).toEqual(parts);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips feedback with annotations and foreign attributes through JSON', () => {
    fc.assert(
      fc.property(feedbackRecordArb, annotationsArb, foreignAttributesArb, (r, annotations, foreign) => {
        const parts = withAttributes(feedbackToLogParts(r), annotations, foreign);
        expect(fromStoredRecord(viaJson(toStoredRecord(parts)))).toEqual(parts);
      }),
      { numRuns: 200 },
    );
  });

  it('ignores a corrupt `attributes` value instead of spreading its characters into attributes', () => {
    const parts = fromStoredRecord({
      event: 'ml.prediction',
      timestamp: '2026-01-31T12:00:00.000Z',
      attributes: 'oops' as unknown as Record<string, unknown>,
    });
    expect(parts.attributes).toEqual({});
  });
});
