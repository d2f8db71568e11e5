import { describe, expect, it } from 'vitest';
import { feedbackRecordSchema, predictionRecordSchema, SCHEMA_VERSION } from '../src/records.ts';

function fraudPrediction(): Record<string, unknown> {
  return {
    request_id: 'req-7f3a',
    prediction_id: 'pred-0001',
    timestamp: '2026-01-31T12:00:00.123Z',
    model_name: 'fraud-xgb',
    model_version: '2026.01.3',
    model_framework: 'xgboost',
    input_features: { amount: 129.5, country: 'NL', card_present: false, merchant_risk: null },
    raw_input: { amount: '129.50', currency: 'EUR', items: [{ sku: 'A1', qty: 2 }] },
    prediction: 'fraud',
    score: 0.91,
    probabilities: { fraud: 0.91, legit: 0.09 },
    threshold: 0.8,
    latency_ms: 4.2,
    serving_node: 'fraud-api-7d9c-x2k',
    status: 'ok',
    entity_id: 'customer-42',
    segment: 'new-customers',
    trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    span_id: '00f067aa0ba902b7',
    feature_freshness_max_age_s: 30,
    null_feature_count: 1,
    explanation: [
      { feature: 'amount', contribution: 0.42, value: 129.5 },
      { feature: 'country', contribution: -0.05 },
    ],
  };
}

function chargeback(): Record<string, unknown> {
  return {
    feedback_id: 'fb-1',
    request_id: 'req-7f3a',
    model_name: 'fraud-xgb',
    label: 'fraud',
    timestamp: '2026-02-14T09:30:00.000Z',
    source: 'chargeback-feed',
  };
}

function issuesOf(result: {
  success: boolean;
  error?: { issues: Array<{ path: PropertyKey[]; message: string }> };
}) {
  expect(result.success).toBe(false);
  return (result.error?.issues ?? []).map((i) => ({
    path: i.path.map(String).join('.'),
    message: i.message,
  }));
}

describe('predictionRecordSchema', () => {
  it('accepts a realistic record and fills in the schema version', () => {
    const parsed = predictionRecordSchema.parse(fraudPrediction());
    expect(parsed.schema_version).toBe(SCHEMA_VERSION);
    expect(parsed.input_features).toEqual({
      amount: 129.5,
      country: 'NL',
      card_present: false,
      merchant_risk: null,
    });
    expect(parsed.explanation?.[1]).toEqual({ feature: 'country', contribution: -0.05 });
  });

  it('accepts a failed model call: prediction null with an error', () => {
    const record = { ...fraudPrediction(), prediction: null, status: 'error', error_type: 'TimeoutError' };
    expect(predictionRecordSchema.safeParse(record).success).toBe(true);
  });

  it('accepts list predictions and probabilities by class index', () => {
    const record = { ...fraudPrediction(), prediction: ['a', 'b', null], probabilities: [0.2, 0.8] };
    expect(predictionRecordSchema.safeParse(record).success).toBe(true);
  });

  const required = [
    'request_id',
    'prediction_id',
    'timestamp',
    'model_name',
    'model_version',
    'input_features',
    'prediction',
    'latency_ms',
    'serving_node',
  ];
  it.each(required)('rejects a record without %s, naming the field', (field) => {
    const record = fraudPrediction();
    delete record[field];
    expect(issuesOf(predictionRecordSchema.safeParse(record))).toEqual([
      { path: field, message: expect.any(String) },
    ]);
  });

  it.each([
    ['request_id', 42, 'request_id', /expected string/],
    ['request_id', '', 'request_id', /too small|>=1/i],
    ['request_id', 'x'.repeat(257), 'request_id', /too big|<=256/i],
    ['timestamp', '2026-01-31 12:00:00', 'timestamp', /ISO 8601 UTC timestamp with milliseconds/],
    ['timestamp', '2026-01-31T12:00:00Z', 'timestamp', /ISO 8601 UTC timestamp with milliseconds/],
    ['timestamp', '2026-02-30T12:00:00.000Z', 'timestamp', /ISO 8601 UTC timestamp with milliseconds/],
    ['timestamp', '2026-13-01T12:00:00.000Z', 'timestamp', /ISO 8601 UTC timestamp with milliseconds/],
    ['latency_ms', -1, 'latency_ms', /too small|>=0/i],
    ['latency_ms', '4ms', 'latency_ms', /expected number/],
    ['score', Number.NaN, 'score', /expected number/],
    ['input_features', { amount: { nested: 1 } }, 'input_features.amount', /invalid/i],
    ['input_features', [1, 2], 'input_features', /expected record/],
    ['prediction', { label: 'fraud' }, 'prediction', /invalid/i],
    ['probabilities', { fraud: 'high' }, 'probabilities', /invalid/i],
    ['status', 'timeout', 'status', /"ok"|ok/],
    ['trace_id', '4BF92F3577B34DA6A3CE929D0E0E4736', 'trace_id', /32 lowercase hex/],
    ['span_id', '00f067aa', 'span_id', /16 lowercase hex/],
    ['null_feature_count', 1.5, 'null_feature_count', /int/i],
    [
      'explanation',
      [{ feature: 'amount', contribution: '0.4' }],
      'explanation.0.contribution',
      /expected number/,
    ],
    ['explanation', [{ feature: '', contribution: 0.4 }], 'explanation.0.feature', /too small|>=1/i],
    ['explanation', [{ feature: 'a', contribution: 0.4, weight: 1 }], 'explanation.0', /unrecognized key/i],
  ])('rejects %s = %j at path %s', (field, value, path, message) => {
    const issues = issuesOf(predictionRecordSchema.safeParse({ ...fraudPrediction(), [field]: value }));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe(path);
    expect(issues[0]?.message).toMatch(message);
  });

  it('rejects an unknown top-level field instead of ignoring it', () => {
    const issues = issuesOf(predictionRecordSchema.safeParse({ ...fraudPrediction(), scroe: 0.9 }));
    expect(issues).toEqual([{ path: '', message: expect.stringMatching(/unrecognized key.*scroe/i) }]);
  });
});

describe('feedbackRecordSchema', () => {
  it('accepts a realistic chargeback and a complaint joined by entity', () => {
    expect(feedbackRecordSchema.parse(chargeback()).schema_version).toBe(SCHEMA_VERSION);
    const complaint = {
      entity_id: 'customer-42',
      complaint: true,
      timestamp: '2026-02-01T08:00:00.000Z',
      source: 'support',
    };
    expect(feedbackRecordSchema.safeParse(complaint).success).toBe(true);
  });

  it.each(['timestamp', 'source'])('rejects feedback without %s', (field) => {
    const record = chargeback();
    delete record[field];
    expect(issuesOf(feedbackRecordSchema.safeParse(record))).toEqual([
      { path: field, message: expect.any(String) },
    ]);
  });

  it('rejects feedback with nothing to join on', () => {
    const { request_id: _omit, ...record } = chargeback();
    expect(issuesOf(feedbackRecordSchema.safeParse(record))).toEqual([
      { path: 'request_id', message: 'needs request_id or entity_id to join on' },
    ]);
  });

  it('rejects feedback that carries no outcome', () => {
    const { label: _omit, ...record } = chargeback();
    expect(issuesOf(feedbackRecordSchema.safeParse(record))).toEqual([
      { path: 'label', message: 'needs a label, a value or a complaint flag' },
    ]);
  });

  it.each([
    ['label', { class: 'fraud' }, 'label'],
    ['value', '12', 'value'],
    ['complaint', 'yes', 'complaint'],
    ['source', '', 'source'],
    ['timestamp', 1767225600000, 'timestamp'],
  ])('rejects %s = %j at path %s', (field, value, path) => {
    const issues = issuesOf(feedbackRecordSchema.safeParse({ ...chargeback(), [field]: value }));
    expect(issues.map((i) => i.path)).toContain(path);
  });
});
