import { z } from 'zod';

/** Version of the record schema written to `ml.schema.version`. Bumped only when fields are added. */
export const SCHEMA_VERSION = 1;

// z.iso.datetime checks the calendar too (no month 13, no 30 February, no hour 24), so every accepted
// timestamp survives Date.parse -> toISOString unchanged; a bare regex let those through and the OTel
// mapping then threw a RangeError.
const timestampSchema = z.iso.datetime({
  precision: 3,
  message: 'must be an ISO 8601 UTC timestamp with milliseconds, e.g. 2026-01-31T12:00:00.000Z',
});

/** A feature value as the model saw it after preprocessing. */
export const featureValueSchema = z.union([z.number(), z.string(), z.boolean(), z.null()]);

const jsonValueSchema = z.json();

/** One entry of a per-prediction explanation (e.g. SHAP top features). */
export const explanationEntrySchema = z.strictObject({
  feature: z.string().min(1).describe('Feature name, as in input_features.'),
  contribution: z.number().describe('Signed contribution of the feature to the score.'),
  value: featureValueSchema.optional().describe('The feature value the contribution refers to.'),
});

export const predictionValueSchema = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])),
]);

// The descriptions end up in the committed JSON Schema, which is what consumers outside TypeScript read.
/**
 * PredictionRecord v1: one model decision, as stored and exported.
 * Field names are snake_case because this is the wire and storage form.
 */
export const predictionRecordSchema = z.strictObject({
  schema_version: z
    .number()
    .int()
    .min(1)
    .default(SCHEMA_VERSION)
    .describe('Version of the record schema (ml.schema.version).'),
  request_id: z
    .string()
    .min(1)
    .max(256)
    .describe('Join key for feedback and cross-service correlation (X-Request-ID).'),
  prediction_id: z.string().min(1).max(256).describe('Unique id of this prediction.'),
  timestamp: timestampSchema.describe('When the model decided, ISO 8601 UTC with milliseconds.'),
  model_name: z.string().min(1).max(256).describe('Name of the model artifact that served the request.'),
  model_version: z.string().min(1).max(256).describe('Version of that artifact.'),
  model_framework: z.string().optional().describe('Runtime that ran the model, e.g. onnxruntime, xgboost.'),
  input_features: z
    .record(z.string(), featureValueSchema)
    .describe('The features as the model saw them, after preprocessing.'),
  raw_input: jsonValueSchema.optional().describe('The request payload before preprocessing, any JSON value.'),
  prediction: predictionValueSchema
    .nullable()
    .describe('The decision: a label, number, boolean or list; null when the model call failed.'),
  score: z.number().optional().describe('Score behind the decision, e.g. probability of the positive class.'),
  probabilities: z
    .union([z.record(z.string(), z.number()), z.array(z.number())])
    .optional()
    .describe('Class probabilities, by class name or by class index.'),
  threshold: z.number().optional().describe('Decision threshold applied to the score.'),
  latency_ms: z.number().min(0).describe('Inference duration in milliseconds.'),
  serving_node: z.string().min(1).describe('Host or pod that served the prediction.'),
  status: z.enum(['ok', 'error']).optional().describe('Outcome of the model call.'),
  error_type: z.string().optional().describe('Error class when status is error.'),
  error_message: z.string().optional().describe('Error message when status is error.'),
  entity_id: z
    .string()
    .optional()
    .describe('Business entity (customer, account); feedback without a request id joins on it.'),
  session_id: z.string().optional().describe('User session.'),
  segment: z.string().optional().describe('Population segment, for sliced metrics.'),
  channel: z.string().optional().describe('Channel the request came through (web, app, api).'),
  region: z.string().optional().describe('Region that served or originated the request.'),
  trace_id: z
    .string()
    .regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex characters')
    .optional()
    .describe('W3C trace id of the active span.'),
  span_id: z
    .string()
    .regex(/^[0-9a-f]{16}$/, 'must be 16 lowercase hex characters')
    .optional()
    .describe('W3C span id of the active span.'),
  feature_freshness_max_age_s: z
    .number()
    .min(0)
    .optional()
    .describe('Age in seconds of the stalest feature used.'),
  null_feature_count: z.number().int().min(0).optional().describe('How many features were null or missing.'),
  explanation: z
    .array(explanationEntrySchema)
    .optional()
    .describe('Per-prediction feature attributions, e.g. SHAP top features.'),
  model_role: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe('Role of the model that served it: champion, or challenger for a shadow prediction.'),
  batch_id: z.string().min(1).max(256).optional().describe('Shared by the rows of one batched predict call.'),
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
    schema_version: z
      .number()
      .int()
      .min(1)
      .default(SCHEMA_VERSION)
      .describe('Version of the record schema (ml.schema.version).'),
    feedback_id: z.string().min(1).max(256).optional().describe('Unique id of this feedback.'),
    request_id: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe('request_id of the prediction this feedback is about (exact join).'),
    entity_id: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe('Entity the feedback is about; joins to the closest prediction in time.'),
    model_name: z.string().min(1).max(256).optional().describe('Model the feedback is for, when known.'),
    label: z.union([z.string(), z.number(), z.boolean()]).optional().describe('Ground-truth label.'),
    value: z.number().optional().describe('Ground-truth value (regression) or business outcome.'),
    complaint: z.boolean().optional().describe('A user or operator disputed the decision.'),
    timestamp: timestampSchema.describe('When the feedback was observed, ISO 8601 UTC with milliseconds.'),
    source: z
      .string()
      .min(1)
      .max(256)
      .describe('Where the feedback came from, e.g. chargeback-feed, support.'),
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
