import type { FeedbackInput, PredictionInput } from '@predlog/core';
// The corpus is the redaction package's own test data: this test reads it rather than keeping a copy,
// so a value added there is checked through every exporter too.
import {
  nearMisses,
  type PiiValue,
  piiCorpus,
} from '../../packages/processor-redaction/test/support/pii-corpus.ts';

export const corpus: readonly PiiValue[] = piiCorpus();
export const misses: ReadonlyArray<string | number> = nearMisses();

/** The bound on the share of near-misses the detectors may redact, as the package's corpus test states. */
export const MAX_FALSE_POSITIVE_RATE = 0.02;

/**
 * Every textual form a value could leak in, as the package's corpus test lists them: as written,
 * JSON-escaped, its digits (8 or more), an e-mail in lower case, an IBAN compact and upper case.
 */
export function leakForms(pii: PiiValue): string[] {
  const text = String(pii.value);
  const forms = new Set([text, JSON.stringify(text).slice(1, -1)]);
  const digits = text.replace(/\D/g, '');
  if (digits.length >= 8) forms.add(digits);
  if (pii.kind === 'email') forms.add(text.toLowerCase());
  if (pii.kind === 'iban') forms.add(text.replace(/\s/g, '').toUpperCase());
  return [...forms];
}

/** A place the test searches: bytes are searched byte-wise (UTF-8 forms), text as text. */
export type Haystack = { readonly where: string } & ({ readonly bytes: Buffer } | { readonly text: string });

export interface Leak {
  readonly where: string;
  readonly kind: PiiValue['kind'];
  readonly value: string | number;
}

/** Every corpus value found, in any of its forms, in any haystack. */
export function findLeaks(haystacks: readonly Haystack[]): Leak[] {
  const leaks: Leak[] = [];
  for (const haystack of haystacks) {
    for (const pii of corpus) {
      const found = leakForms(pii).some((form) =>
        'bytes' in haystack ? haystack.bytes.includes(form, 0, 'utf8') : haystack.text.includes(form),
      );
      if (found) leaks.push({ where: haystack.where, kind: pii.kind, value: pii.value });
    }
  }
  return leaks;
}

/**
 * Near-misses changed in `text` (JSON holding the near-miss record): the value itself or the free
 * text around it is missing. The same test as the package's corpus test.
 */
export function falsePositives(text: string): Array<string | number> {
  return misses.filter((miss) => {
    const value = typeof miss === 'number' ? String(miss) : JSON.stringify(miss);
    const inText = JSON.stringify(`value ${String(miss)} end`);
    return !text.includes(value) || !text.includes(inText);
  });
}

/** String near-misses whose exact UTF-8 bytes are missing from `bytes`. */
export function nearMissesMissingFromBytes(bytes: Buffer): string[] {
  return misses
    .filter((miss): miss is string => typeof miss === 'string')
    .filter((miss) => !bytes.includes(miss));
}

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
 * The package corpus test's records: the whole corpus, about ten values a record, then one record
 * that path rules must catch, then every near-miss as a field and inside free text.
 */
export function corpusRecords(): CorpusRecord[] {
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
  misses.forEach((miss, i) => {
    near[`near_${i}`] = miss;
    near[`near_text_${i}`] = `value ${String(miss)} end`;
  });
  records.push({ attributes: { 'ml.model.name': 'fraud' }, body: { raw_input: near } });
  return records;
}

/**
 * The same records as façade calls: the body's raw input and features as given, the values the
 * OTel form holds in `app.*` attributes as features (the façade has no free attributes), the entity id.
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

/** Feedback whose entity id and free-text label are e-mail addresses. */
export function corpusFeedback(): FeedbackInput {
  const emails = corpus.filter((p) => p.kind === 'email');
  return {
    requestId: 'req-1',
    entityId: String(emails[5]?.value),
    label: `customer ${String(emails[6]?.value)} confirmed`,
    source: 'human_review',
  };
}
