import type { ModelMonitoringConfig } from './config.ts';
import { exactAlternation, promString } from './internal/promql-literals.ts';
import { durationSeconds, TIER_POLICIES, type TierPolicy } from './tier-policy.ts';

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface RuleGroup {
  readonly name: string;
  readonly interval: string;
  readonly rules: ReadonlyArray<RecordingRule | AlertingRule>;
}

export interface RuleFile {
  readonly groups: readonly RuleGroup[];
}

/** The feature label the score's drift is recorded under, beside the key features. */
export const SCORE_FEATURE = '(score)';

/** Recorded series the dashboard and the alerts read. */
export const RECORDED = {
  driftDistance: 'model_feature:drift_distance',
  driftObservations: 'model_feature:drift_observations',
  healthStatus: 'model:health_status',
  /** The last drift distance, held between the drift group's (hourly to weekly) evaluations. */
  driftDistanceLatest: 'model_feature:drift_distance_latest',
  /** 1 per model and feature while a drift alert fires, held like the distance. */
  driftAlertFiring: 'model_feature:drift_alert_firing',
} as const;

/** Alert names, shared by every model (the `model_name` label tells them apart). */
export const ALERT_NAMES = {
  errorRate: 'ModelHighErrorRate',
  latency: 'ModelHighLatency',
  down: 'ModelDown',
  businessMetric: 'ModelBusinessMetricOutOfRange',
  driftWarning: 'ModelFeatureDriftWarning',
  drift: 'ModelFeatureDrift',
  retraining: 'ModelRetrainingDue',
  unacknowledged: 'ModelPageUnacknowledged',
} as const;

export const HEALTH_GROUP = 'predlog-models-health';

/**
 * Prometheus rules for every model: per model a serving group and a drift group evaluated at its
 * tier's frequency, an escalation group when it has an escalation receiver, and one group that
 * records each model's health (0 ok, 1 a ticket alert firing, 2 a page firing) from `ALERTS`.
 */
export function renderPrometheusRules(models: readonly ModelMonitoringConfig[]): RuleFile {
  const groups: RuleGroup[] = [];
  for (const model of models) {
    const policy = TIER_POLICIES[model.tier];
    groups.push(servingGroup(model, policy), driftGroup(model, policy));
    const escalation = escalationGroup(model, policy);
    if (escalation !== undefined) groups.push(escalation);
  }
  groups.push({ name: HEALTH_GROUP, interval: '1m', rules: models.flatMap(healthRules) });
  return { groups };
}

function baseLabels(model: ModelMonitoringConfig, severity: string): Record<string, string> {
  return { severity, model_name: model.model, tier: model.tier, team: model.owner.team };
}

function servingGroup(model: ModelMonitoringConfig, policy: TierPolicy): RuleGroup {
  const m = `model_name=${promString(model.model)}`;
  const w = policy.serving.window;
  const { maxErrorRate, maxP99LatencySeconds } = model.serving;
  const severity = policy.servingSeverity;
  const forClause = policy.serving.for === '0s' ? {} : { for: policy.serving.for };
  const rules: AlertingRule[] = [
    {
      alert: ALERT_NAMES.errorRate,
      expr: [
        '(',
        `  sum by (model_name) (rate(model_requests_total{${m}, status_code=~"5.."}[${w}]))`,
        '    /',
        `  sum by (model_name) (rate(model_requests_total{${m}}[${w}]))`,
        `) > ${maxErrorRate}`,
      ].join('\n'),
      ...forClause,
      labels: baseLabels(model, severity),
      annotations: {
        summary: `${model.model}: {{ $value | humanizePercentage }} of requests fail`,
        description: `More than ${percent(maxErrorRate)} of requests to ${model.model} (${policy.tier}, ${policy.meaning}) were answered 5xx over the last ${w}.`,
      },
    },
    {
      alert: ALERT_NAMES.latency,
      expr: [
        'histogram_quantile(0.99,',
        `  sum by (model_name, le) (rate(model_request_duration_seconds_bucket{${m}}[${w}]))`,
        `) > ${maxP99LatencySeconds}`,
      ].join('\n'),
      ...forClause,
      labels: baseLabels(model, policy.tier === 'T1' ? 'page' : 'ticket'),
      annotations: {
        summary: `${model.model}: p99 latency {{ $value | humanizeDuration }} is over ${maxP99LatencySeconds}s`,
        description: `The 99th percentile of request duration of ${model.model} over the last ${w} is above ${maxP99LatencySeconds} s.`,
      },
    },
    {
      alert: ALERT_NAMES.down,
      expr: [
        `group by (model_name) (max_over_time(model_requests_total{${m}}[${policy.drift.baseline}]))`,
        '  unless',
        `group by (model_name) (increase(model_requests_total{${m}, status_code=~"2.."}[${w}]) > 0)`,
      ].join('\n'),
      labels: baseLabels(model, severity),
      annotations: {
        summary: `${model.model}: no successful request in the last ${w}`,
        description: `${model.model} served requests in the last ${policy.drift.baseline} but answered none with a 2xx status in the last ${w}.`,
      },
    },
  ];
  const business = model.businessMetric;
  if (business !== undefined && (business.min !== undefined || business.max !== undefined)) {
    const bounds = [
      business.min === undefined ? undefined : `(${business.query}) < ${business.min}`,
      business.max === undefined ? undefined : `(${business.query}) > ${business.max}`,
    ].filter((b) => b !== undefined);
    rules.push({
      alert: ALERT_NAMES.businessMetric,
      expr: bounds.join('\nor\n'),
      for: business.for,
      labels: { ...baseLabels(model, severity), business_metric: business.name },
      annotations: {
        summary: `${model.model}: ${business.name} is {{ $value | humanize }}, outside [${business.min ?? '-inf'}, ${business.max ?? '+inf'}]`,
        description: `The business metric ${business.name} of ${model.model} has been outside its range for ${business.for}.`,
      },
    });
  }
  return { name: `predlog-model:${model.model}:serving`, interval: policy.serving.interval, rules };
}

/** The cumulative share of observations up to each bucket bound, over `range` (offset by `offset`). */
function cumulativeShares(
  metric: string,
  selector: string,
  range: string,
  offset: string | undefined,
): string {
  const at = offset === undefined ? `[${range}]` : `[${range}] offset ${offset}`;
  return [
    `sum by (model_name, feature, le) (increase(${metric}_bucket{${selector}}${at}))`,
    '  / ignoring(le) group_left',
    `sum by (model_name, feature) (increase(${metric}_count{${selector}}${at}))`,
  ].join('\n');
}

/**
 * Binned two-sample KS distance per feature: the largest gap between the cumulative bucket shares
 * of the current window and of a reference window `offset` before now. It needs no bucket list
 * (each `le` pairs with itself), so it follows whatever buckets the service's metrics config sets.
 */
function distanceExpr(
  metric: string,
  selector: string,
  windows: { current: string; reference: string; offset: string },
): string {
  const indent = (text: string) => text.replace(/^/gm, '    ');
  return [
    'max by (model_name, feature) (abs(',
    '  (',
    indent(cumulativeShares(metric, selector, windows.current, undefined)),
    '  )',
    '  -',
    '  (',
    indent(cumulativeShares(metric, selector, windows.reference, windows.offset)),
    '  )',
    '))',
  ].join('\n');
}

function driftGroup(model: ModelMonitoringConfig, policy: TierPolicy): RuleGroup {
  const m = `model_name=${promString(model.model)}`;
  const window = policy.drift.window;
  const rules: Array<RecordingRule | AlertingRule> = [];
  const drift = { current: window, reference: policy.drift.baseline, offset: window };
  const horizon = model.retraining?.horizon ?? policy.retrainingHorizon;
  const longTerm = { current: '1d', reference: '1d', offset: horizon };
  const retrainAt = model.retraining?.driftDistance ?? model.drift.alertDistance;
  const retrainings: AlertingRule[] = [];
  const retraining = (
    metric: string,
    selector: string,
    by: string,
    extraLabels: Record<string, string>,
  ): AlertingRule => ({
    alert: ALERT_NAMES.retraining,
    expr: `${distanceExpr(metric, selector, longTerm)} >= ${retrainAt}\nand on(model_name, feature)\nsum by (${by}) (increase(${metric}_count{${selector}}[1d])) >= ${model.drift.minObservations}`,
    for: `${durationSeconds(horizon) / 120}m`,
    labels: { ...baseLabels(model, 'ticket'), action: 'retrain', ...extraLabels },
    annotations: {
      summary: `${model.model}: retraining due ({{ $labels.feature }} moved for ${horizon} / 2)`,
      description: `The last day's distribution of {{ $labels.feature }} for ${model.model} has differed from the same day ${horizon} earlier by at least ${retrainAt} for half of ${horizon}: the retraining trigger of its monitoring config.`,
    },
  });
  if (model.features.length > 0) {
    const selector = `${m}, feature=~${promString(exactAlternation(model.features))}`;
    rules.push(
      {
        record: RECORDED.driftDistance,
        expr: distanceExpr('feature_value_distribution', selector, drift),
        labels: { window },
      },
      {
        record: RECORDED.driftObservations,
        expr: `sum by (model_name, feature) (increase(feature_value_distribution_count{${selector}}[${window}]))`,
        labels: { window },
      },
    );
    retrainings.push(retraining('feature_value_distribution', selector, 'model_name, feature', {}));
  }
  if (model.output.scoreDrift) {
    rules.push(
      {
        record: RECORDED.driftDistance,
        expr: distanceExpr('prediction_score_distribution', m, drift),
        labels: { window, feature: SCORE_FEATURE },
      },
      {
        record: RECORDED.driftObservations,
        expr: `sum by (model_name) (increase(prediction_score_distribution_count{${m}}[${window}]))`,
        labels: { window, feature: SCORE_FEATURE },
      },
    );
    retrainings.push(
      retraining('prediction_score_distribution', m, 'model_name, feature', { feature: SCORE_FEATURE }),
    );
  }
  const own = `{${m}, window=${promString(window)}}`;
  const enough = `and on(model_name, feature) ${RECORDED.driftObservations}${own} >= ${model.drift.minObservations}`;
  const drifted = (threshold: number, op = '>') =>
    `${RECORDED.driftDistance}${own} ${op} ${threshold}\n${enough}`;
  rules.push(
    {
      alert: ALERT_NAMES.driftWarning,
      expr: drifted(model.drift.warnDistance),
      labels: baseLabels(model, 'ticket'),
      annotations: {
        summary: `${model.model}: {{ $labels.feature }} drifted (distance {{ $value | printf "%.3f" }})`,
        description: `The distribution of {{ $labels.feature }} for ${model.model} over the last ${window} differs from the ${policy.drift.baseline} before it by more than ${model.drift.warnDistance} (largest gap between cumulative bucket shares).`,
      },
    },
    {
      alert: ALERT_NAMES.drift,
      expr: drifted(model.drift.alertDistance),
      labels: baseLabels(model, policy.driftSeverity),
      annotations: {
        summary: `${model.model}: {{ $labels.feature }} drifted strongly (distance {{ $value | printf "%.3f" }})`,
        description: `The distribution of {{ $labels.feature }} for ${model.model} over the last ${window} differs from the ${policy.drift.baseline} before it by more than ${model.drift.alertDistance}. Several models drifting at once points to a shared upstream data issue (dashboard: cross-model drift).`,
      },
    },
    ...retrainings,
  );
  return { name: `predlog-model:${model.model}:drift`, interval: policy.drift.interval, rules };
}

/** Alerts of the serving group and of the drift group, by name. */
const SERVING_ALERTS = [
  ALERT_NAMES.errorRate,
  ALERT_NAMES.latency,
  ALERT_NAMES.down,
  ALERT_NAMES.businessMetric,
];
const DRIFT_ALERTS = [ALERT_NAMES.driftWarning, ALERT_NAMES.drift, ALERT_NAMES.retraining];

/**
 * A range that reaches back to the group's last evaluation: an hourly or daily group writes its
 * `ALERTS` samples once an interval, so an instant selector would lose them after 5 minutes.
 */
function heldRange(interval: string): string {
  return `${durationSeconds(interval) / 60 + 5}m`;
}

/** The model's firing alerts of both groups, each held over its group's interval. */
function firingAlerts(model: ModelMonitoringConfig, policy: TierPolicy, extra: string): string {
  const held = (names: readonly string[], interval: string) =>
    `max_over_time(ALERTS{alertstate="firing", model_name=${promString(model.model)}, alertname=~${promString(names.join('|'))}${extra}}[${heldRange(interval)}])`;
  return `${held(SERVING_ALERTS, policy.serving.interval)}\n  or\n${held(DRIFT_ALERTS, policy.drift.interval)}`;
}

function escalationGroup(model: ModelMonitoringConfig, policy: TierPolicy): RuleGroup | undefined {
  if (model.escalation === undefined) return undefined;
  const minutes = model.escalation.afterMinutes ?? policy.escalationMinutes ?? 60;
  return {
    name: `predlog-model:${model.model}:escalation`,
    interval: '1m',
    rules: [
      {
        alert: ALERT_NAMES.unacknowledged,
        // Acknowledging is silencing in Alertmanager (amtool silence add model_name=...): Prometheus
        // does not see silences, so this fires either way, and the same silence mutes it.
        expr: `label_replace(\n  max by (model_name, alertname) (\n${firingAlerts(model, policy, ', severity="page"')}\n  ),\n  "escalated_alert", "$1", "alertname", "(.+)"\n)`,
        for: `${minutes}m`,
        labels: { ...baseLabels(model, 'page'), escalation: 'true' },
        annotations: {
          summary: `${model.model}: {{ $labels.escalated_alert }} unacknowledged for ${minutes} minutes`,
          description: `{{ $labels.escalated_alert }} of ${model.model} has been paging for ${minutes} minutes without a silence (the acknowledgement): escalated.`,
        },
      },
    ],
  };
}

/** Health 0 / 1 / 2 from the model's alerts, and its drift held between drift evaluations. */
function healthRules(model: ModelMonitoringConfig): RecordingRule[] {
  const policy = TIER_POLICIES[model.tier];
  const m = `model_name=${promString(model.model)}`;
  const drift = heldRange(policy.drift.interval);
  return [
    {
      record: RECORDED.healthStatus,
      expr: `max(\n  (\n${firingAlerts(model, policy, ', severity="page"')}\n  ) * 2\n  or\n${firingAlerts(model, policy, '')}\n) or vector(0)`,
      labels: { model_name: model.model, tier: model.tier, team: model.owner.team },
    },
    {
      record: RECORDED.driftDistanceLatest,
      expr: `last_over_time(${RECORDED.driftDistance}{${m}}[${drift}])`,
      // The label the series carry anyway: it keeps the models' rules distinct for promtool's lint.
      labels: { model_name: model.model },
    },
    {
      record: RECORDED.driftAlertFiring,
      expr: `max by (model_name, feature) (max_over_time(ALERTS{alertstate="firing", ${m}, alertname=~${promString([ALERT_NAMES.driftWarning, ALERT_NAMES.drift].join('|'))}}[${drift}]))`,
      labels: { model_name: model.model },
    },
  ];
}

function percent(share: number): string {
  return `${Number((share * 100).toPrecision(4))}%`;
}
