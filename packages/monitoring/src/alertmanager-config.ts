import type { ModelMonitoringConfig, Receiver } from './config.ts';
import { promString } from './internal/promql-literals.ts';
import { ALERT_NAMES } from './prometheus-rules.ts';
import { TIER_POLICIES } from './tier-policy.ts';

/** Alerts of one model that start within this window go out in one notification. */
export const MODEL_GROUP_INTERVAL = '1h';
/** The receiver of alerts no model route takes (predlog's own deploy rules, unknown models). */
export const UNROUTED_RECEIVER = 'predlog-unrouted';

export interface AlertmanagerRoute {
  readonly receiver: string;
  readonly matchers?: readonly string[];
  readonly group_by?: readonly string[];
  readonly group_wait?: string;
  readonly group_interval?: string;
  readonly repeat_interval?: string;
  readonly continue?: boolean;
  readonly routes?: readonly AlertmanagerRoute[];
}

export interface AlertmanagerReceiver {
  readonly name: string;
  readonly slack_configs?: ReadonlyArray<{ api_url_file: string; channel: string; send_resolved: boolean }>;
  readonly pagerduty_configs?: ReadonlyArray<{ routing_key_file: string; send_resolved: boolean }>;
  readonly webhook_configs?: ReadonlyArray<{ url: string; send_resolved: boolean }>;
}

export interface AlertmanagerInhibitRule {
  readonly source_matchers: readonly string[];
  readonly target_matchers: readonly string[];
  readonly equal: readonly string[];
}

export interface AlertmanagerConfig {
  readonly route: AlertmanagerRoute;
  readonly receivers: readonly AlertmanagerReceiver[];
  readonly inhibit_rules: readonly AlertmanagerInhibitRule[];
}

export interface AlertmanagerOptions {
  /** Where alerts no model route takes go; default: nowhere (a receiver without integrations). */
  readonly unrouted?: Receiver;
}

/** Receiver names, from the model name (unique across the directory). */
export const receiverNames = (model: string) => ({
  owner: `model-${model}-owner`,
  escalation: `model-${model}-escalation`,
  retraining: `model-${model}-retraining`,
});

/**
 * Alertmanager routing for every model: one route per model, grouped by `model_name` so a
 * model's alerts starting within an hour share a notification, to its owner; below it, an
 * escalation route for `ModelPageUnacknowledged` (a page nobody silenced in time) to the
 * escalation receiver, and a retraining route to the training pipeline's hook. Inhibition keeps
 * a down model from also paging for its error rate, latency and drift.
 */
export function renderAlertmanagerConfig(
  models: readonly ModelMonitoringConfig[],
  options: AlertmanagerOptions = {},
): AlertmanagerConfig {
  const receivers: AlertmanagerReceiver[] = [receiver(UNROUTED_RECEIVER, options.unrouted)];
  const routes: AlertmanagerRoute[] = [];
  for (const model of models) {
    const names = receiverNames(model.model);
    const policy = TIER_POLICIES[model.tier];
    receivers.push(receiver(names.owner, model.owner.receiver));
    const children: AlertmanagerRoute[] = [];
    if (model.escalation !== undefined) {
      receivers.push(receiver(names.escalation, model.escalation.receiver));
      children.push({
        receiver: names.escalation,
        matchers: [`alertname=${promString(ALERT_NAMES.unacknowledged)}`, 'escalation="true"'],
        group_by: ['model_name'],
        // The rule's `for` already waited the escalation window: tell the lead at once.
        group_wait: '0s',
        group_interval: MODEL_GROUP_INTERVAL,
        repeat_interval: '1h',
      });
    }
    if (model.retraining?.receiver !== undefined) {
      receivers.push(receiver(names.retraining, model.retraining.receiver));
      // `continue` and a catch-all after it: the owner hears about the retrain too (a matching
      // child route replaces its parent's receiver, so the parent alone would not be told).
      children.push(
        { receiver: names.retraining, matchers: ['action="retrain"'], continue: true },
        { receiver: names.owner },
      );
    }
    routes.push({
      receiver: names.owner,
      matchers: [`model_name=${promString(model.model)}`],
      group_by: ['model_name'],
      group_wait: policy.groupWait,
      group_interval: MODEL_GROUP_INTERVAL,
      repeat_interval: policy.repeatInterval,
      ...(children.length === 0 ? {} : { routes: children }),
    });
  }
  return {
    route: {
      receiver: UNROUTED_RECEIVER,
      group_by: ['alertname'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes,
    },
    receivers,
    inhibit_rules: [
      {
        source_matchers: [`alertname=${promString(ALERT_NAMES.down)}`],
        target_matchers: [
          `alertname=~${promString([ALERT_NAMES.errorRate, ALERT_NAMES.latency, ALERT_NAMES.driftWarning, ALERT_NAMES.drift, ALERT_NAMES.businessMetric].join('|'))}`,
        ],
        equal: ['model_name'],
      },
      {
        source_matchers: [`alertname=${promString(ALERT_NAMES.drift)}`],
        target_matchers: [`alertname=${promString(ALERT_NAMES.driftWarning)}`],
        equal: ['model_name', 'feature'],
      },
    ],
  };
}

function receiver(name: string, config: Receiver | undefined): AlertmanagerReceiver {
  if (config === undefined) return { name };
  return {
    name,
    ...(config.slack === undefined
      ? {}
      : {
          slack_configs: [
            { api_url_file: config.slack.apiUrlFile, channel: config.slack.channel, send_resolved: true },
          ],
        }),
    ...(config.pagerduty === undefined
      ? {}
      : { pagerduty_configs: [{ routing_key_file: config.pagerduty.routingKeyFile, send_resolved: true }] }),
    ...(config.webhook === undefined
      ? {}
      : { webhook_configs: [{ url: config.webhook.url, send_resolved: true }] }),
  };
}
