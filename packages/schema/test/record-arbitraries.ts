import fc from 'fast-check';
import {
  type FeedbackRecord,
  feedbackRecordSchema,
  type PredictionRecord,
  predictionRecordSchema,
} from '../src/records.ts';

// Keys that would change an object's prototype are not something a record can carry.
const key = fc.string({ maxLength: 12 }).filter((k) => k !== '__proto__');
const id = fc.string({ minLength: 1, maxLength: 40 });
const text = fc.string({ maxLength: 40 });

// JSON has no -0, NaN or Infinity; the stored form goes through JSON, so records never hold them.
const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n));
const nonNegative = fc.double({ min: 0, max: 1e9, noNaN: true }).map((n) => (Object.is(n, -0) ? 0 : n));

export const timestampArb = fc
  .date({
    min: new Date('1970-01-01T00:00:00.000Z'),
    max: new Date('2199-12-31T23:59:59.999Z'),
    noInvalidDate: true,
  })
  .map((d) => d.toISOString());

const featureValue = fc.oneof(finite, text, fc.boolean(), fc.constant(null));
const scalar = fc.oneof(text, finite, fc.boolean());

const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    finite,
    text,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4, noNullPrototype: true }),
  ),
})).value;

const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`));

/** Any valid PredictionRecord, optional fields present or absent at random. */
export const predictionRecordArb: fc.Arbitrary<PredictionRecord> = fc
  .record(
    {
      request_id: id,
      prediction_id: id,
      timestamp: timestampArb,
      model_name: id,
      model_version: id,
      model_framework: text,
      input_features: fc.dictionary(key, featureValue, { maxKeys: 6, noNullPrototype: true }),
      raw_input: jsonValue,
      prediction: fc.oneof(
        scalar,
        fc.array(fc.oneof(scalar, fc.constant(null)), { maxLength: 4 }),
        fc.constant(null),
      ),
      score: finite,
      probabilities: fc.oneof(
        fc.dictionary(key, finite, { maxKeys: 4, noNullPrototype: true }),
        fc.array(finite, { maxLength: 4 }),
      ),
      threshold: finite,
      latency_ms: nonNegative,
      serving_node: id,
      status: fc.constantFrom('ok' as const, 'error' as const),
      error_type: text,
      error_message: text,
      entity_id: text,
      session_id: text,
      segment: text,
      channel: text,
      region: text,
      trace_id: hex(32),
      span_id: hex(16),
      feature_freshness_max_age_s: nonNegative,
      null_feature_count: fc.nat(),
      explanation: fc.array(
        fc.record(
          { feature: id, contribution: finite, value: featureValue },
          { requiredKeys: ['feature', 'contribution'] },
        ),
        { maxLength: 4 },
      ),
    },
    {
      requiredKeys: [
        'request_id',
        'prediction_id',
        'timestamp',
        'model_name',
        'model_version',
        'input_features',
        'prediction',
        'latency_ms',
        'serving_node',
      ],
    },
  )
  .map((raw) => predictionRecordSchema.parse(raw));

/** Any valid FeedbackRecord (it always has a join key and a label, value or complaint). */
export const feedbackRecordArb: fc.Arbitrary<FeedbackRecord> = fc
  .record(
    {
      feedback_id: id,
      request_id: id,
      entity_id: id,
      model_name: id,
      label: scalar,
      value: finite,
      complaint: fc.boolean(),
      timestamp: timestampArb,
      source: id,
    },
    { requiredKeys: ['timestamp', 'source'] },
  )
  .filter((raw) => feedbackRecordSchema.safeParse(raw).success)
  .map((raw) => feedbackRecordSchema.parse(raw));
