import { describe, expect, it } from 'vitest';
import { formatRecord } from '../../src/internal/record-text.ts';

describe('formatRecord', () => {
  it('rounds figures for people and keeps what the model saw as logged', () => {
    const text = formatRecord({
      event: 'ml.prediction',
      timestamp: '2026-01-31T12:00:00.123Z',
      request_id: 'req-1',
      model_name: 'fraud',
      input_features: { amount: 129.50000000000003 },
      score: 0.912345678,
      latency_ms: 2.0660780000000614,
    });
    expect(text).toContain('latency       2.066 ms');
    expect(text).toContain('score 0.9123');
    expect(text).toContain('amount=129.50000000000003');
  });

  it('lays a prediction out as what the model saw and what it decided', () => {
    const text = formatRecord({
      event: 'ml.prediction',
      timestamp: '2026-01-31T12:00:00.123Z',
      service_name: 'fraud-api',
      request_id: 'req-7f3a',
      prediction_id: 'pred-1',
      model_name: 'fraud-xgb',
      model_version: '2026.01.3',
      input_features: { amount: 129.5, country: 'NL', merchant_risk: null },
      raw_input: { amount: '129.50' },
      prediction: 'fraud',
      score: 0.91,
      threshold: 0.8,
      probabilities: { fraud: 0.91, legit: 0.09 },
      latency_ms: 4.2,
      serving_node: 'pod-a',
      status: 'error',
      error_type: 'TimeoutError',
      explanation: [
        { feature: 'amount', contribution: 0.42, value: 129.5 },
        { feature: 'country', contribution: -0.05 },
      ],
      feature_freshness_max_age_s: 30,
      sampling_weight: 10,
      sampling_reason: 'base_rate',
      retention_class: 'extended',
      redaction_count: 2,
      model_role: 'shadow',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
    expect(text).toBe(
      [
        '2026-01-31T12:00:00.123Z  req-7f3a  fraud-xgb@2026.01.3',
        '  prediction    "fraud"  score 0.91  threshold 0.8',
        '  probabilities {"fraud":0.91,"legit":0.09}',
        '  features      amount=129.5 country="NL" merchant_risk=null',
        '  raw input     {"amount":"129.50"}',
        '  explanation   amount +0.42 (129.5), country -0.05',
        '  latency       4.2 ms  on pod-a  service fraud-api',
        '  status        error  TimeoutError',
        '  context       feature age 30 s',
        '  kept          sampling weight 10 (base_rate)  retention extended  2 values redacted  role shadow',
        '  ids           prediction pred-1  trace 4bf92f3577b34da6a3ce929d0e0e4736',
        '',
      ].join('\n'),
    );
  });

  it('wraps many features and cuts a huge raw input', () => {
    const features = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`feature_${i}`, i]));
    const text = formatRecord({
      event: 'ml.prediction',
      timestamp: '2026-01-31T12:00:00.000Z',
      input_features: features,
      raw_input: 'x'.repeat(5000),
    });
    const featureLines = text.split('\n').filter((l) => l.includes('feature_'));
    expect(featureLines.length).toBeGreaterThan(3);
    for (const line of featureLines) expect(line.length).toBeLessThanOrEqual(120);
    expect(featureLines.join(' ')).toContain('feature_39=39');
    expect(text).toMatch(/… \(3002 more chars; --json shows all\)/);
  });

  it('quotes identifiers that could be misread and escapes C1 control characters', () => {
    const text = formatRecord({
      event: 'ml.prediction',
      timestamp: '2026-01-31T12:00:00.000Z',
      request_id: 'two words',
      serving_node: 'pod\u009b31m',
      input_features: { 'odd key': '\u007f' },
    });
    expect(text).toContain('"two words"');
    expect(text).toContain('on "pod\\u009b31m"');
    expect(text).toContain('"odd key"="\\u007f"');
    expect(text).not.toMatch(/[\u007f-\u009f]/);
  });

  it('shows feedback outcomes and other events as their fields', () => {
    expect(
      formatRecord({
        event: 'ml.feedback',
        timestamp: '2026-02-14T09:30:00.000Z',
        request_id: 'req-7f3a',
        label: 'fraud',
        value: 120,
        complaint: true,
        source: 'chargeback-feed',
      }),
    ).toBe(
      [
        '2026-02-14T09:30:00.000Z  feedback  request req-7f3a',
        '  outcome       label "fraud"  value 120  complaint',
        '  source        chargeback-feed',
        '',
      ].join('\n'),
    );
    expect(
      formatRecord({
        event: 'http.access',
        timestamp: '2026-02-14T09:30:00.000Z',
        message: 'GET /',
        attributes: { a: 1 },
      }),
    ).toBe(
      [
        '2026-02-14T09:30:00.000Z  event http.access',
        '  fields        {"message":"GET /"}',
        '  attributes    a=1',
        '',
      ].join('\n'),
    );
  });
});
