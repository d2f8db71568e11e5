export {
  DETECTOR_NAMES,
  type DetectorAction,
  type DetectorName,
  MIN_KEY_CHARS,
  RESERVED_NAMES,
  type RedactionConfig,
  type RedactionConfigInput,
  type RedactionPattern,
  type RedactionRule,
  redactionConfigSchema,
} from './config.ts';
export { redactionProcessorFactory } from './factory.ts';
export { createRedactionHasher, type RedactionHasher, type RedactionHasherOptions } from './hasher.ts';
export { IDENTIFIER_ATTRIBUTES } from './internal/identifier-attributes.ts';
export type { RedactionStats } from './internal/redaction-metrics.ts';
export { REDACTION_RULES_ATTRIBUTE, RedactionProcessor } from './processor.ts';
