import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { FeedbackInput, PredictionInput } from '@predlog/core';
import { nearMisses, type PiiValue, piiCorpus } from './pii-corpus.ts';

export interface CorpusRecord {
  attributes: Record<string, unknown>;
  body: Record<string, unknown>;
}

/** Where the i-th value goes: a field, free text, a list, a nested map, a key, an attribute. */
function place(
  pii: PiiValue,
  i: number,
  raw: Record<string, unknown>,
  attributes: Record<string, unknown>,
): void {
  const v = pii.value;
  const text = String(v);
  switch (i % 10) {
    case 0:
      raw[`field_${i}`] = v;
      break;
    case 1:
      raw[`notes_${i}`] = `Customer wrote: "please reach me at ${text} tomorrow", agent noted it.`;
      break;
    case 2:
      raw[`history_${i}`] = [
        { at: '2026-01-31T12:00:00Z', contact: v },
        { at: '2026-01-30T09:00:00Z', contact: null },
      ];
      break;
    case 3:
      raw[`prompt_${i}`] =
        `System: you are a support bot.\nUser: my details are ${text}; why was my payment declined?\nAssistant:`;
      break;
    case 4:
      attributes[`app.contact_${i}`] = v;
      break;
    case 5:
      attributes[`app.message_${i}`] = `lookup failed for ${text} (timeout)`;
      break;
    case 6:
      raw[`as_text_${i}`] = text;
      break;
    case 7:
      raw[`nested_${i}`] = { a: { b: { list: [{ other: 'x' }, { value: v }] } } };
      break;
    case 8:
      raw[`by_contact_${i}`] = typeof v === 'string' ? { [v]: { visits: 3 } } : { value: v };
      break;
    default:
      raw[`explanation_${i}`] = [{ feature: 'contact', contribution: 0.12, value: v }];
  }
}

/**
 * The whole corpus, about ten values a record (`raw_input` and `app.*` attributes), then one record
 * that path rules must catch (`raw_input.customer.email`, `raw_input.customer.password`,
 * `input_features.ssn`, `ml.entity.id`), then every near-miss as a field and inside free text.
 */
export function corpusRecords(): CorpusRecord[] {
  const corpus = piiCorpus();
  const records: CorpusRecord[] = [];
  for (let start = 0; start < corpus.length; start += 10) {
    const raw: Record<string, unknown> = {};
    const attributes: Record<string, unknown> = {
      'ml.model.name': 'fraud',
      'ml.prediction.id': `p-${start}`,
    };
    corpus.slice(start, start + 10).forEach((pii, k) => {
      place(pii, start + k, raw, attributes);
    });
    records.push({ attributes, body: { raw_input: raw, prediction: 'legit' } });
  }
  const emails = corpus.filter((p) => p.kind === 'email');
  const ssns = corpus.filter((p) => p.kind === 'ssn');
  records.push({
    attributes: { 'ml.model.name': 'fraud', 'ml.entity.id': String(emails[3]?.value) },
    body: {
      raw_input: { customer: { email: emails[1]?.value, password: 'hunter2-secret' } },
      input_features: { ssn: ssns[0]?.value, amount: 12 },
    },
  });
  const near: Record<string, unknown> = {};
  nearMisses().forEach((miss, i) => {
    near[`near_${i}`] = miss;
    near[`near_text_${i}`] = `value ${String(miss)} end`;
  });
  records.push({ attributes: { 'ml.model.name': 'fraud' }, body: { raw_input: near } });
  return records;
}

/**
 * The same records as façade calls (`requestId` `req-<index>`): the body's raw input and features
 * as given, the values the records hold in `app.*` attributes as features (the façade has no free
 * attributes), the entity id.
 */
export function corpusPredictions(): PredictionInput[] {
  return corpusRecords().map((record, i) => {
    const features: Record<string, unknown> = {
      ...((record.body.input_features ?? {}) as Record<string, unknown>),
    };
    for (const [key, value] of Object.entries(record.attributes))
      if (key.startsWith('app.')) features[key.slice('app.'.length)] = value;
    const input: PredictionInput = {
      requestId: `req-${i}`,
      rawInput: record.body.raw_input ?? {},
      features,
      prediction: 'legit',
      score: 0.1,
      latencyMs: 2,
    };
    const entity = record.attributes['ml.entity.id'];
    if (typeof entity === 'string') input.entityId = entity;
    return input;
  });
}

/** A declined payment: card numbers stored as JSON numbers in the features, PII in the error message. */
export function declinedPrediction(): PredictionInput {
  const corpus = piiCorpus();
  const cardsAsNumbers = corpus.filter((p) => p.kind === 'card' && typeof p.value === 'number');
  return {
    requestId: 'req-declined',
    features: Object.fromEntries(cardsAsNumbers.map((p, i) => [`pan_${i}`, p.value])),
    prediction: 'fraud',
    latencyMs: 1,
    error: new Error(
      `card ${String(corpus.find((p) => p.kind === 'card')?.value)} declined for ${String(corpus[0]?.value)}`,
    ),
  };
}

/** Feedback for `req-1` whose entity id and free-text label are e-mail addresses. */
export function corpusFeedback(): FeedbackInput {
  const emails = piiCorpus().filter((p) => p.kind === 'email');
  return {
    requestId: 'req-1',
    entityId: String(emails[5]?.value),
    label: `customer ${String(emails[6]?.value)} confirmed`,
    source: 'human_review',
  };
}

/**
 * Logs that never went through `record()`: `corpusRecords()` emitted as `app.audit` events by an
 * application's own OTel `LoggerProvider` (`service.name` `support-bot`) into `processor`, flushed.
 * Returns how many were emitted.
 */
export async function emitCorpusAsAppLogs(processor: LogRecordProcessor): Promise<number> {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-bot' }),
    processors: [processor],
  });
  const records = corpusRecords();
  for (const record of records) {
    provider.getLogger('support-bot').emit({
      eventName: 'app.audit',
      attributes: record.attributes as Record<string, string>,
      body: record.body as Record<string, string>,
    });
  }
  await provider.forceFlush();
  return records.length;
}
