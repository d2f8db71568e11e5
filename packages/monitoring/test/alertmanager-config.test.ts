import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type AlertmanagerConfig,
  type AlertmanagerRoute,
  durationSeconds,
  MODEL_GROUP_INTERVAL,
  RENDERED_FILES,
  TIER_POLICIES,
  UNROUTED_RECEIVER,
} from '../src/index.ts';
import { amtool } from './alertmanager-tool.ts';
import { exampleModels, renderExamplesToTemp } from './rendered-models.ts';

// The rendered Alertmanager config passes the real `amtool check-config`, and `amtool config routes
// test` (Alertmanager's own routing code) sends each kind of alert where the design says.

let dir: string;
let config: AlertmanagerConfig;

beforeAll(async () => {
  dir = await renderExamplesToTemp('predlog-monitoring-am-');
  config = parse(await readFile(path.join(dir, RENDERED_FILES.alertmanager), 'utf8')) as AlertmanagerConfig;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function routeOf(labels: Readonly<Record<string, string>>): Promise<string> {
  const result = await amtool(
    [
      'config',
      'routes',
      'test',
      `--config.file=${RENDERED_FILES.alertmanager}`,
      ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
    ],
    dir,
  );
  expect(result.code, result.output).toBe(0);
  return result.output
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('Warning:'))
    .join('\n');
}

describe('rendered Alertmanager config', () => {
  it('passes amtool check-config, and the check catches a broken one', async () => {
    const result = await amtool(['check-config', RENDERED_FILES.alertmanager], dir);
    expect(result.output).toContain('SUCCESS');
    expect(result.output).toContain(`${config.receivers.length} receivers`);
    expect(result.code).toBe(0);
    const broken = path.join(dir, 'broken.yml');
    await writeFile(
      broken,
      (await readFile(path.join(dir, RENDERED_FILES.alertmanager), 'utf8')).replace(
        'receiver: model-fraud-xgb-owner',
        'receiver: nobody',
      ),
    );
    const failed = await amtool(['check-config', 'broken.yml'], dir);
    expect(failed.code).not.toBe(0);
    expect(failed.output).toMatch(/undefined receiver "nobody"/);
  });

  it('groups each model by model_name for an hour, with group_wait within the hour, per tier', async () => {
    const models = await exampleModels();
    const routes = config.route.routes ?? [];
    expect(routes.map((r) => r.matchers)).toEqual(models.map((m) => [`model_name="${m.model}"`]));
    for (const [i, route] of routes.entries()) {
      const model = models[i];
      if (model === undefined) throw new Error('route without model');
      const policy = TIER_POLICIES[model.tier];
      expect(route.group_by).toEqual(['model_name']);
      expect(route.group_interval).toBe(MODEL_GROUP_INTERVAL);
      expect(durationSeconds(route.group_interval ?? '')).toBe(3600);
      expect(route.group_wait).toBe(policy.groupWait);
      expect(durationSeconds(route.group_wait ?? '')).toBeLessThanOrEqual(3600);
      expect(route.receiver).toBe(`model-${model.model}-owner`);
    }
    expect(config.route.receiver).toBe(UNROUTED_RECEIVER);
  });

  it("routes a model's alerts to its owner, its unacknowledged pages to the escalation receiver, retrains to the pipeline and the owner", async () => {
    expect(
      await routeOf({ model_name: 'fraud-xgb', alertname: 'ModelHighErrorRate', severity: 'page' }),
    ).toBe('model-fraud-xgb-owner');
    expect(
      await routeOf({ model_name: 'churn-gbm', alertname: 'ModelFeatureDrift', severity: 'ticket' }),
    ).toBe('model-churn-gbm-owner');
    expect(
      await routeOf({ model_name: 'search-ranker', alertname: 'ModelHighErrorRate', severity: 'ticket' }),
    ).toBe('model-search-ranker-owner');
    expect(
      await routeOf({
        model_name: 'fraud-xgb',
        alertname: 'ModelPageUnacknowledged',
        escalation: 'true',
        severity: 'page',
      }),
    ).toBe('model-fraud-xgb-escalation');
    expect(
      await routeOf({ model_name: 'churn-gbm', alertname: 'ModelPageUnacknowledged', escalation: 'true' }),
    ).toBe('model-churn-gbm-escalation');
    // T3 has no escalation receiver: its pages (none by default) stay with the owner.
    expect(
      await routeOf({
        model_name: 'search-ranker',
        alertname: 'ModelPageUnacknowledged',
        escalation: 'true',
      }),
    ).toBe('model-search-ranker-owner');
    expect(
      await routeOf({ model_name: 'fraud-xgb', alertname: 'ModelRetrainingDue', action: 'retrain' }),
    ).toBe('model-fraud-xgb-retraining,model-fraud-xgb-owner');
    expect(await routeOf({ model_name: 'unknown-model', alertname: 'HighLatency' })).toBe(UNROUTED_RECEIVER);
  });

  it('sends to each receiver what its config names, secrets by file only', () => {
    const byName = new Map(config.receivers.map((r) => [r.name, r]));
    expect(byName.get('model-fraud-xgb-owner')).toEqual({
      name: 'model-fraud-xgb-owner',
      slack_configs: [
        {
          api_url_file: '/etc/alertmanager/secrets/slack-fraud-ml',
          channel: '#fraud-ml-alerts',
          send_resolved: true,
        },
      ],
      pagerduty_configs: [
        { routing_key_file: '/etc/alertmanager/secrets/pagerduty-fraud-ml', send_resolved: true },
      ],
    });
    expect(byName.get('model-fraud-xgb-escalation')?.pagerduty_configs?.[0]?.routing_key_file).toBe(
      '/etc/alertmanager/secrets/pagerduty-fraud-lead',
    );
    const escalation = (
      config.route.routes?.find((r) => r.receiver === 'model-fraud-xgb-owner')?.routes ?? []
    ).find((r: AlertmanagerRoute) => r.receiver === 'model-fraud-xgb-escalation');
    expect(escalation?.group_wait).toBe('0s');
  });

  it('inhibits the other alerts of a model that is down, and a drift warning under its drift alert', () => {
    expect(config.inhibit_rules).toEqual([
      {
        source_matchers: ['alertname="ModelDown"'],
        target_matchers: [
          'alertname=~"ModelHighErrorRate|ModelHighLatency|ModelFeatureDriftWarning|ModelFeatureDrift|ModelBusinessMetricOutOfRange"',
        ],
        equal: ['model_name'],
      },
      {
        source_matchers: ['alertname="ModelFeatureDrift"'],
        target_matchers: ['alertname="ModelFeatureDriftWarning"'],
        equal: ['model_name', 'feature'],
      },
    ]);
  });
});
