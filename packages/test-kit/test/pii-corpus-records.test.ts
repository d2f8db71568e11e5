import { InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import {
  corpusFeedback,
  corpusPredictions,
  corpusRecords,
  declinedPrediction,
  emitCorpusAsAppLogs,
  leakForms,
  nearMisses,
  piiCorpus,
} from '../src/index.ts';

const corpus = piiCorpus();

describe('corpusRecords', () => {
  it('places ten values a record, in free text, lists, nested maps, keys and app attributes', () => {
    const records = corpusRecords();
    expect(records).toHaveLength(corpus.length / 10 + 2);
    corpus.forEach((pii, j) => {
      const record = records[Math.floor(j / 10)];
      const text = JSON.stringify(record);
      expect(
        leakForms(pii).some((form) => text.includes(form)),
        `value ${j}`,
      ).toBe(true);
    });
    const first = records[0];
    expect(Object.keys(first?.attributes ?? {}).sort()).toEqual([
      'app.contact_4',
      'app.message_5',
      'ml.model.name',
      'ml.prediction.id',
    ]);
    expect(first?.attributes['app.contact_4']).toBe(corpus[4]?.value);
    const raw = first?.body.raw_input as Record<string, unknown>;
    expect(raw.field_0).toBe(corpus[0]?.value);
    expect(raw.notes_1).toContain(String(corpus[1]?.value));
    expect(Object.keys(raw.by_contact_8 as object)).toEqual([String(corpus[8]?.value)]);
  });

  it('ends with a record for path rules and one with every near-miss as a field and in free text', () => {
    const records = corpusRecords();
    const pathRules = records.at(-2);
    expect(pathRules?.attributes['ml.entity.id']).toMatch(/@/);
    expect(pathRules?.body).toMatchObject({
      raw_input: { customer: { password: 'hunter2-secret' } },
      input_features: { amount: 12 },
    });
    const near = records.at(-1)?.body.raw_input as Record<string, unknown>;
    expect(Object.keys(near)).toHaveLength(nearMisses().length * 2);
    expect(near.near_0).toBe(nearMisses()[0]);
    expect(near.near_text_0).toBe(`value ${String(nearMisses()[0])} end`);
  });
});

describe('corpusPredictions', () => {
  it('is one façade call per record, app attributes and input features as features', () => {
    const records = corpusRecords();
    const predictions = corpusPredictions();
    expect(predictions.map((p) => p.requestId)).toEqual(records.map((_, i) => `req-${i}`));
    expect(predictions[0]?.rawInput).toEqual(records[0]?.body.raw_input);
    expect(predictions[0]?.features).toEqual({
      contact_4: corpus[4]?.value,
      message_5: records[0]?.attributes['app.message_5'],
    });
    const pathRules = predictions.at(-2);
    expect(pathRules?.entityId).toBe(records.at(-2)?.attributes['ml.entity.id']);
    expect(pathRules?.features).toEqual(records.at(-2)?.body.input_features);
    expect(predictions[0]?.entityId).toBeUndefined();
  });
});

describe('declinedPrediction and corpusFeedback', () => {
  it('carry cards as JSON numbers, PII in the error message and e-mails in the feedback', () => {
    const declined = declinedPrediction();
    const pans = Object.values(declined.features ?? {});
    expect(pans).toHaveLength(10);
    expect(pans.every((v) => typeof v === 'number')).toBe(true);
    expect(declined.error instanceof Error ? declined.error.message : '').toContain(String(corpus[0]?.value));
    const feedback = corpusFeedback();
    expect(feedback.entityId).toMatch(/@/);
    expect(feedback.label).toMatch(/^customer \S+@\S+ confirmed$/);
  });
});

describe('emitCorpusAsAppLogs', () => {
  it('emits every record as an app.audit log from the application resource, flushed', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const count = await emitCorpusAsAppLogs(new SimpleLogRecordProcessor({ exporter }));
    const records = corpusRecords();
    expect(count).toBe(records.length);
    const logs = exporter.getFinishedLogRecords();
    expect(logs).toHaveLength(records.length);
    expect(logs.every((l) => l.eventName === 'app.audit')).toBe(true);
    expect(logs[0]?.resource.attributes['service.name']).toBe('support-bot');
    expect(logs.map((l) => l.body)).toEqual(records.map((r) => r.body));
    expect(logs[0]?.attributes['app.contact_4']).toBe(corpus[4]?.value);
  });
});
