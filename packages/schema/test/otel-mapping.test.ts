import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ATTR,
  feedbackFromLogParts,
  feedbackToLogParts,
  formatTimestamp,
  predictionFromLogParts,
  predictionToLogParts,
} from '../src/otel-mapping.ts';
import { feedbackRecordSchema, type PredictionRecord, predictionRecordSchema } from '../src/records.ts';
import { feedbackRecordArb, predictionRecordArb } from './record-arbitraries.ts';

const record: PredictionRecord = predictionRecordSchema.parse({
  request_id: 'req-1',
  prediction_id: 'pred-1',
  timestamp: '2026-01-31T12:00:00.123Z',
  model_name: 'fraud-xgb',
  model_version: '3',
  input_features: { amount: 12.5, country: 'NL' },
  raw_input: { amount: '12.50' },
  prediction: 'fraud',
  score: 0.93,
  threshold: 0.8,
  latency_ms: 3.5,
  serving_node: 'pod-a',
  trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
  span_id: '00f067aa0ba902b7',
});

describe('predictionToLogParts', () => {
  it('puts indexed fields in attributes and payloads in the body', () => {
    const parts = predictionToLogParts(record);
    expect(parts.eventName).toBe('ml.prediction');
    expect(parts.timeUnixMs).toBe(Date.parse('2026-01-31T12:00:00.123Z'));
    expect(parts.attributes).toEqual({
      [ATTR.schemaVersion]: 1,
      [ATTR.requestId]: 'req-1',
      [ATTR.predictionId]: 'pred-1',
      [ATTR.modelName]: 'fraud-xgb',
      [ATTR.modelVersion]: '3',
      [ATTR.predictionLabel]: 'fraud',
      [ATTR.predictionScore]: 0.93,
      [ATTR.predictionThreshold]: 0.8,
      [ATTR.inferenceDurationMs]: 3.5,
      [ATTR.servingNode]: 'pod-a',
    });
    expect(parts.body).toEqual({
      input_features: { amount: 12.5, country: 'NL' },
      raw_input: { amount: '12.50' },
      prediction: 'fraud',
    });
    expect(parts.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(parts.spanId).toBe('00f067aa0ba902b7');
  });

  it('sets no label attribute for a list prediction (it stays in the body only)', () => {
    const parts = predictionToLogParts({ ...record, prediction: ['a', 'b'] });
    expect(parts.attributes[ATTR.predictionLabel]).toBeUndefined();
    expect(parts.body.prediction).toEqual(['a', 'b']);
  });
});

describe('predictionFromLogParts', () => {
  it('falls back to the label attribute when the body lost the prediction', () => {
    const parts = predictionToLogParts(record);
    delete parts.body.prediction;
    expect(predictionFromLogParts(parts).prediction).toBe('fraud');
  });

  it('round-trips every valid record', () => {
    fc.assert(
      fc.property(predictionRecordArb, (r) => {
        const back = predictionFromLogParts(predictionToLogParts(r));
        expect(back).toEqual(r);
        expect(predictionRecordSchema.parse(back)).toEqual(r);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips in the other direction: parts built from a record come back unchanged', () => {
    fc.assert(
      fc.property(predictionRecordArb, (r) => {
        const parts = predictionToLogParts(r);
        expect(predictionToLogParts(predictionFromLogParts(parts))).toEqual(parts);
      }),
      { numRuns: 200 },
    );
  });
});

describe('feedback mapping', () => {
  it('maps a chargeback to attributes with an empty body', () => {
    const feedback = feedbackRecordSchema.parse({
      request_id: 'req-1',
      label: 'fraud',
      timestamp: '2026-02-14T09:30:00.000Z',
      source: 'chargeback-feed',
    });
    const parts = feedbackToLogParts(feedback);
    expect(parts.eventName).toBe('ml.feedback');
    expect(parts.body).toEqual({});
    expect(parts.attributes).toEqual({
      [ATTR.schemaVersion]: 1,
      [ATTR.requestId]: 'req-1',
      [ATTR.feedbackLabel]: 'fraud',
      [ATTR.feedbackSource]: 'chargeback-feed',
    });
  });

  it('round-trips every valid feedback record, in both directions', () => {
    fc.assert(
      fc.property(feedbackRecordArb, (r) => {
        const parts = feedbackToLogParts(r);
        expect(feedbackFromLogParts(parts)).toEqual(r);
        expect(feedbackToLogParts(feedbackFromLogParts(parts))).toEqual(parts);
      }),
      { numRuns: 300 },
    );
  });
});

describe('formatTimestamp', () => {
  it('truncates sub-millisecond time instead of rounding into the next millisecond', () => {
    expect(formatTimestamp(Date.parse('2026-01-31T12:00:00.123Z') + 0.9)).toBe('2026-01-31T12:00:00.123Z');
  });
});
