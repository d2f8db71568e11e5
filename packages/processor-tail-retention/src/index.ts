export {
  DEFAULT_POLICIES,
  DEFAULT_RETENTION_DAYS_BY_CLASS,
  type LeafPolicyType,
  POLICY_EVALUATION_ORDER,
  type PolicyCondition,
  type PolicyConfigInput,
  type PolicyType,
  type RetentionPolicyConfig,
  type TailRetentionConfig,
  type TailRetentionConfigInput,
  tailRetentionConfigSchema,
} from './config.ts';
export { tailRetentionProcessorFactory } from './factory.ts';
export { EVALUATION_ERROR_POLICY } from './internal/retention-policies.ts';
export { EARLY_REASONS, type EarlyReason } from './internal/tail-retention-metrics.ts';
export { RETENTION_DROP_REASON, TailRetentionProcessor, type TailRetentionStats } from './processor.ts';
