import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { promtool } from '../../../test/metrics-support/prometheus-tools.ts';
import {
  ALERT_NAMES,
  type AlertingRule,
  type ModelMonitoringConfig,
  RENDERED_FILES,
  type RuleFile,
  renderPrometheusRules,
  SCORE_FEATURE,
  TIER_POLICIES,
  type Tier,
} from '../src/index.ts';
import { exampleModels, modelNamed, renderExamplesToTemp } from './rendered-models.ts';

// The rendered rules of the three example models pass `promtool check rules`, and `promtool test
// rules` shows each tier's alerts firing and not firing. promtool evaluates every group at the test
// file's evaluation_interval (it ignores a group's own interval), so each test file is evaluated at
// the interval of the group it tests: the tier's frequency is part of what is tested.

let dir: string;
let models: ModelMonitoringConfig[];
let rules: RuleFile;

beforeAll(async () => {
  dir = await renderExamplesToTemp('predlog-monitoring-rules-');
  models = await exampleModels();
  rules = renderPrometheusRules(models);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Series = { series: string; values: string };

/** Counter values per step: segments of a constant increase each, continuing where the last ended. */
function counter(segments: ReadonlyArray<{ perStep: number; steps: number }>): string {
  let value = 0;
  const parts: string[] = [];
  segments.forEach((s, i) => {
    const start = i === 0 ? 0 : value + s.perStep;
    const count = i === 0 ? s.steps : s.steps - 1;
    parts.push(`${start}+${s.perStep}x${count}`);
    value = start + s.perStep * count;
  });
  return parts.join(' ');
}

function labels(metric: string, set: Readonly<Record<string, string>>): string {
  return `${metric}{${Object.entries(set)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;
}

/** Request counters: ok and 5xx per step. */
function requests(model: string, okPerStep: number, errorsPerStep: number, steps: number): Series[] {
  return [
    {
      series: labels('model_requests_total', { model_name: model, status_code: '200' }),
      values: counter([{ perStep: okPerStep, steps }]),
    },
    {
      series: labels('model_requests_total', { model_name: model, status_code: '500' }),
      values: counter([{ perStep: errorsPerStep, steps }]),
    },
  ];
}

/**
 * A histogram with bounds 1, 2, +Inf observed 100 times a step, in phases: `below1` of the 100 at
 * or below 1 for `steps` steps, the rest between 1 and 2.
 */
function histogram(
  metric: string,
  set: Readonly<Record<string, string>>,
  phases: ReadonlyArray<{ below1: number; steps: number }>,
): Series[] {
  const all = counter(phases.map((p) => ({ perStep: 100, steps: p.steps })));
  return [
    {
      series: labels(`${metric}_bucket`, { ...set, le: '1' }),
      values: counter(phases.map((p) => ({ perStep: p.below1, steps: p.steps }))),
    },
    { series: labels(`${metric}_bucket`, { ...set, le: '2' }), values: all },
    { series: labels(`${metric}_bucket`, { ...set, le: '+Inf' }), values: all },
    { series: labels(`${metric}_count`, set), values: all },
  ];
}

function alertRule(group: string, name: string): AlertingRule {
  const found = rules.groups
    .find((g) => g.name === group)
    ?.rules.find((r): r is AlertingRule => 'alert' in r && r.alert === name);
  if (found === undefined) throw new Error(`no ${name} in ${group}`);
  return found;
}

/** The alert's annotations as Prometheus expands them, given the formatted value and labels. */
function expanded(rule: AlertingRule, value: string, extraLabels: Readonly<Record<string, string>> = {}) {
  const expand = (text: string) =>
    text
      .replace(/\{\{ \$value \| [^}]+ \}\}/g, value)
      .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => extraLabels[name] ?? '');
  return Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, expand(v)]));
}

function firing(rule: AlertingRule, value: string, extraLabels: Readonly<Record<string, string>> = {}) {
  return {
    exp_labels: { ...rule.labels, ...extraLabels },
    exp_annotations: expanded(rule, value, extraLabels),
  };
}

async function runTests(name: string, evaluationInterval: string, tests: unknown[]): Promise<string> {
  const file = path.join(dir, `${name}.test.yaml`);
  await writeFile(
    file,
    stringify(
      { rule_files: [RENDERED_FILES.rules], evaluation_interval: evaluationInterval, tests },
      { lineWidth: 0 },
    ),
  );
  const result = await promtool(['test', 'rules', path.basename(file)], dir);
  expect(result.output).toContain('SUCCESS');
  expect(result.code, result.output).toBe(0);
  return result.output;
}

/** Minutes in a duration of one unit, for series stepped at `step` minutes. */
function steps(duration: string, stepMinutes: number): number {
  const minutes = { m: 1, h: 60, d: 1440, w: 10_080 }[duration.slice(-1)] ?? 1;
  return (Number(duration.slice(0, -1)) * minutes) / stepMinutes;
}

describe('rendered Prometheus rules', () => {
  it('pass promtool check rules', async () => {
    const count = rules.groups.reduce((n, g) => n + g.rules.length, 0);
    const result = await promtool(['check', 'rules', RENDERED_FILES.rules], dir);
    expect(result.output).toContain(`SUCCESS: ${count} rules found`);
    expect(result.code).toBe(0);
    // Serving and drift per model, escalation for the two with an escalation receiver, one health group.
    expect(rules.groups.map((g) => g.name)).toEqual([
      'predlog-model:churn-gbm:serving',
      'predlog-model:churn-gbm:drift',
      'predlog-model:churn-gbm:escalation',
      'predlog-model:fraud-xgb:serving',
      'predlog-model:fraud-xgb:drift',
      'predlog-model:fraud-xgb:escalation',
      'predlog-model:search-ranker:serving',
      'predlog-model:search-ranker:drift',
      'predlog-models-health',
    ]);
  });

  it("evaluate each group at its tier's frequency (the seed's T1 / T2 / T3)", () => {
    const interval = (name: string) => rules.groups.find((g) => g.name === name)?.interval;
    expect(interval('predlog-model:fraud-xgb:serving')).toBe('1m');
    expect(interval('predlog-model:fraud-xgb:drift')).toBe('1h');
    expect(interval('predlog-model:churn-gbm:serving')).toBe('1h');
    expect(interval('predlog-model:churn-gbm:drift')).toBe('1d');
    expect(interval('predlog-model:search-ranker:serving')).toBe('1d');
    expect(interval('predlog-model:search-ranker:drift')).toBe('1w');
    // Only the models' own thresholds are used.
    expect(alertRule('predlog-model:fraud-xgb:serving', ALERT_NAMES.errorRate).expr).toMatch(/\) > 0\.01$/);
    expect(alertRule('predlog-model:churn-gbm:serving', ALERT_NAMES.errorRate).expr).toMatch(/\) > 0\.05$/);
  });

  for (const [tier, name] of [
    ['T1', 'fraud-xgb'],
    ['T2', 'churn-gbm'],
    ['T3', 'search-ranker'],
  ] as Array<[Tier, string]>) {
    it(`${tier}: the error-rate alert fires above the model's threshold at its serving frequency, not below it`, async () => {
      const model = modelNamed(models, name);
      const policy = TIER_POLICIES[tier];
      const stepMinutes = steps(policy.serving.interval, 1) >= 60 ? 10 : 1;
      const window = steps(policy.serving.window, stepMinutes);
      const run = 6 * window;
      const rule = alertRule(`predlog-model:${name}:serving`, ALERT_NAMES.errorRate);
      const threshold = model.serving.maxErrorRate;
      // 10% errors (over every threshold here), and a share at half the threshold.
      const high = requests(name, 90, 10, run);
      const lowErrors = (threshold * 100) / 2;
      const low = requests(name, 100 - lowErrors, lowErrors, run);
      // Before the first evaluation with data, and after one (T1: window 5m, then for 5m).
      const { early, late } = {
        T1: { early: '3m', late: '15m' },
        T2: { early: '50m', late: '2h' },
        T3: { early: '20h', late: '2d' },
      }[tier];
      await runTests(`${name}-error-rate`, policy.serving.interval, [
        {
          interval: `${stepMinutes}m`,
          input_series: high,
          alert_rule_test: [
            { eval_time: early, alertname: ALERT_NAMES.errorRate, exp_alerts: [] },
            { eval_time: late, alertname: ALERT_NAMES.errorRate, exp_alerts: [firing(rule, '10%')] },
          ],
          promql_expr_test: [
            {
              expr: `model:health_status{model_name="${name}"}`,
              eval_time: late,
              exp_samples: [
                {
                  labels: labels('model:health_status', { model_name: name, team: model.owner.team, tier }),
                  value: policy.servingSeverity === 'page' ? 2 : 1,
                },
              ],
            },
          ],
        },
        {
          interval: `${stepMinutes}m`,
          input_series: low,
          alert_rule_test: [{ eval_time: late, alertname: ALERT_NAMES.errorRate, exp_alerts: [] }],
          promql_expr_test: [
            {
              expr: `model:health_status{model_name="${name}"}`,
              eval_time: late,
              exp_samples: [
                {
                  labels: labels('model:health_status', { model_name: name, team: model.owner.team, tier }),
                  value: 0,
                },
              ],
            },
          ],
        },
      ]);
    });

    it(`${tier}: the drift alerts fire when a key feature shifts against the baseline window, not on the baseline's own shape`, async () => {
      const model = modelNamed(models, name);
      const policy = TIER_POLICIES[tier];
      const feature = model.features[0] ?? '';
      const stepMinutes = tier === 'T1' ? 1 : 60;
      const baselineSteps =
        steps(policy.drift.baseline, stepMinutes) + steps(policy.drift.window, stepMinutes);
      const shiftedSteps = steps(policy.drift.window, stepMinutes) * 2;
      const set = { model_name: name, model_version: '1', feature };
      // Half at or below 1 in the baseline; then 10% (distance 0.4) or 45% (distance 0.05).
      const shifted = histogram('feature_value_distribution', set, [
        { below1: 50, steps: baselineSteps },
        { below1: 10, steps: shiftedSteps },
      ]);
      const steady = histogram('feature_value_distribution', set, [
        { below1: 50, steps: baselineSteps },
        { below1: 45, steps: shiftedSteps },
      ]);
      const unit = policy.drift.window.slice(-1);
      const windowN = Number(policy.drift.window.slice(0, -1));
      const baselineN = steps(policy.drift.baseline, 1) / steps(`1${unit}`, 1);
      // First evaluation with a whole current window after the shift started at baseline + window.
      const after = `${baselineN + 2 * windowN}${unit}`;
      const before = `${baselineN + windowN}${unit}`;
      const warning = alertRule(`predlog-model:${name}:drift`, ALERT_NAMES.driftWarning);
      const major = alertRule(`predlog-model:${name}:drift`, ALERT_NAMES.drift);
      const tests = [
        {
          interval: `${stepMinutes}m`,
          input_series: shifted,
          alert_rule_test: [
            { eval_time: before, alertname: ALERT_NAMES.drift, exp_alerts: [] },
            {
              eval_time: after,
              alertname: ALERT_NAMES.driftWarning,
              exp_alerts: [firing(warning, '0.400', { feature, window: policy.drift.window })],
            },
            {
              eval_time: after,
              alertname: ALERT_NAMES.drift,
              exp_alerts: [firing(major, '0.400', { feature, window: policy.drift.window })],
            },
          ],
          promql_expr_test: [
            {
              expr: `round(model_feature:drift_distance{model_name="${name}", feature="${feature}"}, 0.001)`,
              eval_time: after,
              exp_samples: [
                {
                  labels: labels('', { feature, model_name: name, window: policy.drift.window }),
                  value: 0.4,
                },
              ],
            },
          ],
        },
        {
          interval: `${stepMinutes}m`,
          input_series: steady,
          alert_rule_test: [
            { eval_time: after, alertname: ALERT_NAMES.driftWarning, exp_alerts: [] },
            { eval_time: after, alertname: ALERT_NAMES.drift, exp_alerts: [] },
          ],
        },
      ];
      expect(major.labels.severity).toBe(policy.driftSeverity);
      await runTests(`${name}-drift`, policy.drift.interval, tests);
    });
  }

  it('T1: a page nobody silences escalates after the escalation window, not before', async () => {
    const model = modelNamed(models, 'fraud-xgb');
    const rule = alertRule('predlog-model:fraud-xgb:escalation', ALERT_NAMES.unacknowledged);
    expect(rule.for).toBe(`${model.escalation?.afterMinutes}m`);
    await runTests('fraud-xgb-escalation', '1m', [
      {
        interval: '1m',
        input_series: requests('fraud-xgb', 90, 10, 60),
        alert_rule_test: [
          // The error alert fires at ~6 m (5 m window, for 5 m); the escalation 15 m after that.
          { eval_time: '15m', alertname: ALERT_NAMES.unacknowledged, exp_alerts: [] },
          {
            eval_time: '30m',
            alertname: ALERT_NAMES.unacknowledged,
            exp_alerts: [firing(rule, '1', { escalated_alert: ALERT_NAMES.errorRate })],
          },
        ],
      },
    ]);
  });

  it('T1: retraining is asked for when a shift holds for half the horizon, not after a one-day spike', async () => {
    const rule = alertRule('predlog-model:fraud-xgb:drift', ALERT_NAMES.retraining);
    expect(rule.for).toBe('2160m'); // half of the fixture's horizon 3d
    expect(rule.labels.action).toBe('retrain');
    const set = { model_name: 'fraud-xgb', model_version: '1', feature: 'log_amount' };
    const perDay = 24 * 12; // 5-minute steps
    const lasting = histogram('feature_value_distribution', set, [
      { below1: 50, steps: 4 * perDay },
      { below1: 10, steps: 3 * perDay },
    ]);
    const spike = histogram('feature_value_distribution', set, [
      { below1: 50, steps: 4 * perDay },
      { below1: 10, steps: perDay },
      { below1: 50, steps: 2 * perDay },
    ]);
    // The shift starts at 4d; the last day is half shifted at 4d12h, when the pending starts.
    await runTests('fraud-xgb-retraining', '1h', [
      {
        interval: '5m',
        input_series: lasting,
        alert_rule_test: [
          { eval_time: '132h', alertname: ALERT_NAMES.retraining, exp_alerts: [] },
          {
            eval_time: '156h',
            alertname: ALERT_NAMES.retraining,
            exp_alerts: [firing(rule, '0.400', { feature: 'log_amount' })],
          },
        ],
      },
      {
        interval: '5m',
        input_series: spike,
        alert_rule_test: [{ eval_time: '156h', alertname: ALERT_NAMES.retraining, exp_alerts: [] }],
      },
    ]);
  });

  it('records score drift under the feature (score) for classifiers, and none for the ranking model', async () => {
    const text = await readFile(path.join(dir, RENDERED_FILES.rules), 'utf8');
    const parsed = parse(text) as RuleFile;
    const scoreRules = parsed.groups.flatMap((g) =>
      g.rules.filter((r) => 'record' in r && r.labels?.feature === SCORE_FEATURE).map(() => g.name),
    );
    expect([...new Set(scoreRules)]).toEqual([
      'predlog-model:churn-gbm:drift',
      'predlog-model:fraud-xgb:drift',
    ]);
  });
});
