export {
  type AlertmanagerConfig,
  type AlertmanagerInhibitRule,
  type AlertmanagerOptions,
  type AlertmanagerReceiver,
  type AlertmanagerRoute,
  MODEL_GROUP_INTERVAL,
  receiverNames,
  renderAlertmanagerConfig,
  UNROUTED_RECEIVER,
} from './alertmanager-config.ts';
export {
  durationSchema,
  type ModelMonitoringConfig,
  type ModelMonitoringConfigInput,
  modelMonitoringConfigSchema,
  OUTPUT_TYPES,
  type Receiver,
  receiverSchema,
  TIERS,
  type Tier,
} from './config.ts';
export {
  type LoadedModelMonitoring,
  loadModelMonitoringDirectory,
  loadModelMonitoringFile,
  MONITORING_SECTION,
} from './config-loader.ts';
export {
  loadCostConfig,
  type Prices,
  pricesSchema,
  type Retention,
  retentionSchema,
} from './cost-config.ts';
export {
  DASHBOARD_UID,
  type GrafanaDashboard,
  type GrafanaPanel,
  type GrafanaTarget,
  HEALTH_STATES,
  renderGrafanaDashboard,
} from './grafana-dashboard.ts';
export { type LogVolumeReport, type ModelDayVolume, readLogVolumes } from './log-volume.ts';
export {
  ASSUMED_COMPRESSION_RATIO,
  type CostOptions,
  type CostReport,
  DAYS_PER_MONTH,
  estimateMonitoringCost,
  type ModelCost,
  rateForVolume,
  type SamplingRates,
  type Saving,
  type StorageFigures,
} from './monitoring-cost.ts';
export {
  ALERT_NAMES,
  type AlertingRule,
  HEALTH_GROUP,
  RECORDED,
  type RecordingRule,
  type RuleFile,
  type RuleGroup,
  renderPrometheusRules,
  SCORE_FEATURE,
} from './prometheus-rules.ts';
export { RENDERED_FILES, type RenderedFile, renderMonitoringFiles } from './render-files.ts';
export { durationSeconds, TIER_POLICIES, type TierPolicy } from './tier-policy.ts';
