import { ATTR } from '@predlog/schema';

/**
 * Attributes that identify a record, not its content: join keys (`ml.request.id` joins feedback
 * and traces, `ml.prediction.id`, `ml.feedback.id`) and the artifact that served it
 * (`ml.model.name`, `ml.model.version`, `ml.schema.version`). Detectors never rewrite them: a
 * card-shaped request id redacted as a card breaks the join, and version `4.2.0.1` is not an IPv4
 * address. A path rule that matches one still applies.
 */
export const IDENTIFIER_ATTRIBUTES: ReadonlySet<string> = new Set([
  ATTR.requestId,
  ATTR.predictionId,
  ATTR.feedbackId,
  ATTR.modelName,
  ATTR.modelVersion,
  ATTR.schemaVersion,
]);
