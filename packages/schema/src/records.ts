import { z } from 'zod';

/** Version of the record schema written to `ml.schema.version`. Bumped only when fields are added. */
export const SCHEMA_VERSION = 1;

const isoUtcMillis = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const timestampSchema = z
  .string()
  .regex(isoUtcMillis, 'must be an ISO 8601 UTC timestamp with milliseconds, e.g. 2026-01-31T12:00:00.000Z');

/** A feature value as the model saw it after preprocessing. */
export const featureValueSchema = z.union([z.number(), z.string(), z.boolean(), z.null()]);

const jsonValueSchema = z.json();

/** One entry of a per-prediction explanation (e.g. SHAP top features). */
export const explanationEntrySchema = z.strictObject({
  feature: z.string().min(1),
  contribution: z.number(),
  value: featureValueSchema.optional(),
});

export const predictionValueSchema = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])),
]);

/**
 * PredictionRecord v1: one model decision, as stored and exported.
 * Field names are snake_case because this is the wire and storage form.
 */
export const predictionRecordSchema = z.strictObject({
  schema_version: z.number().int().min(1).default(SCHEMA_VERSION),
  request_id: z.string().min(1).max(256),
  prediction_id: z.string().min(1).max(256),
  timestamp: timestampSchema,
  model_name: z.string().min(1).max(256),
  model_version: z.string().min(1).max(256),
  model_framework: z.string().optional(),
  input_features: z.record(z.string(), featureValueSchema),
  raw_input: jsonValueSchema.optional(),
  prediction: predictionValueSchema.nullable(),
  score: z.number().optional(),
  probabilities: z.union([z.record(z.string(), z.number()), z.array(z.number())]).optional(),
  threshold: z.number().optional(),
  latency_ms: z.number().min(0),
  serving_node: z.string().min(1),
  status: z.enum(['ok', 'error']).optional(),
  error_type: z.string().optional(),
  error_message: z.string().optional(),
  entity_id: z.string().optional(),
  session_id: z.string().optional(),
  segment: z.string().optional(),
  channel: z.string().optional(),
  region: z.string().optional(),
  trace_id: z
    .string()
    .regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex characters')
    .optional(),
  span_id: z
    .string()
    .regex(/^[0-9a-f]{16}$/, 'must be 16 lowercase hex characters')
    .optional(),
  feature_freshness_max_age_s: z.number().min(0).optional(),
  null_feature_count: z.number().int().min(0).optional(),
  explanation: z.array(explanationEntrySchema).optional(),
});

export type PredictionRecord = z.infer<typeof predictionRecordSchema>;
export type FeatureValue = z.infer<typeof featureValueSchema>;
export type PredictionValue = z.infer<typeof predictionValueSchema>;
export type ExplanationEntry = z.infer<typeof explanationEntrySchema>;

/**
 * FeedbackRecord v1: ground truth or a complaint arriving after the prediction, joined by
 * request_id (exact) or entity_id (closest prediction in time).
 */
export const feedbackRecordSchema = z
  .strictObject({
    schema_version: z.number().int().min(1).default(SCHEMA_VERSION),
    feedback_id: z.string().min(1).max(256).optional(),
    request_id: z.string().min(1).max(256).optional(),
    entity_id: z.string().min(1).max(256).optional(),
    model_name: z.string().min(1).max(256).optional(),
    label: z.union([z.string(), z.number(), z.boolean()]).optional(),
    value: z.number().optional(),
    complaint: z.boolean().optional(),
    timestamp: timestampSchema,
    source: z.string().min(1).max(256),
  })
  .refine((r) => r.request_id !== undefined || r.entity_id !== undefined, {
    message: 'needs request_id or entity_id to join on',
    path: ['request_id'],
  })
  .refine((r) => r.label !== undefined || r.value !== undefined || r.complaint !== undefined, {
    message: 'needs a label, a value or a complaint flag',
    path: ['label'],
  });

export type FeedbackRecord = z.infer<typeof feedbackRecordSchema>;

/** Event names of the records, written to the OTel log record's `eventName`. */
export const PREDICTION_EVENT = 'ml.prediction';
export const FEEDBACK_EVENT = 'ml.feedback';
export type PredlogEventName = typeof PREDICTION_EVENT | typeof FEEDBACK_EVENT;
