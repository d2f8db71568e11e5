import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { promtool } from './metrics-support/prometheus-tools.ts';

// deploy/prometheus/predlog-degradation-rules.yaml (issue 17): the composite degradation score's
// recording rules and its two alerts pass promtool's checks and unit tests, the unit tests notice
// a changed threshold or weight, and each alert carries the annotations the issue names.

const RULES_DIR = fileURLToPath(new URL('../deploy/prometheus/', import.meta.url));
const RULES_FILE = 'predlog-degradation-rules.yaml';
const TESTS_FILE = 'predlog-degradation-rules.test.yaml';
const RUNBOOK = fileURLToPath(new URL('../docs/runbook.md', import.meta.url));

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

let rules: Rule[];
let scratch: string;

beforeAll(async () => {
  const doc = parse(await readFile(path.join(RULES_DIR, RULES_FILE), 'utf8')) as {
    groups: Array<{ rules: Rule[] }>;
  };
  rules = doc.groups.flatMap((g) => g.rules);
  scratch = await mkdtemp(path.join(os.tmpdir(), 'predlog-degradation-rules-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('degradation rules', () => {
  it('pass promtool check rules', async () => {
    const result = await promtool(['check', 'rules', RULES_FILE], RULES_DIR);
    expect(result.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(result.code).toBe(0);
  });

  it('pass their promtool unit tests (composite by hand, both alerts firing and not)', async () => {
    const result = await promtool(['test', 'rules', TESTS_FILE], RULES_DIR);
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('have unit tests that fail when a threshold or a weight changes', async () => {
    const original = await readFile(path.join(RULES_DIR, RULES_FILE), 'utf8');
    await copyFile(path.join(RULES_DIR, TESTS_FILE), path.join(scratch, TESTS_FILE));
    const mutations: Array<[string, string]> = [
      ['degradation_score:1h > 60\n', 'degradation_score:1h > 70\n'], // churn (68) would not warn
      ['degradation_score:1h > 80\n', 'degradation_score:1h > 100\n'], // fraud would not page
      ['signal="uncertain"} + 0.35', 'signal="uncertain"} + 0.2'], // the composite changes
      [
        'uncertain_share:rate1h[1d] offset 1h), 0.005) / 5,',
        'uncertain_share:rate1h[1d] offset 1h), 0.005) / 2,',
      ], // saturates sooner
    ];
    for (const [from, to] of mutations) {
      expect(original).toContain(from);
      await writeFile(path.join(scratch, RULES_FILE), original.replace(from, to));
      const result = await promtool(['test', 'rules', TESTS_FILE], scratch);
      expect(result.code, `mutation ${JSON.stringify(to)} went unnoticed`).not.toBe(0);
    }
  });

  it('alerts carry the score, contributing signals, trend, action, dashboard and sample links', async () => {
    const alerts = new Map(rules.filter((r) => r.alert !== undefined).map((r) => [r.alert as string, r]));
    expect([...alerts.keys()].sort()).toEqual(['ModelDegradationPage', 'ModelDegradationWarn']);
    expect(alerts.get('ModelDegradationWarn')?.labels?.severity).toBe('ticket');
    expect(alerts.get('ModelDegradationPage')?.labels?.severity).toBe('page');
    expect(alerts.get('ModelDegradationWarn')?.annotations?.action).toBe('investigate');
    expect(alerts.get('ModelDegradationPage')?.annotations?.action).toBe('retrain');
    const runbook = await readFile(RUNBOOK, 'utf8');
    for (const rule of alerts.values()) {
      const a = rule.annotations ?? {};
      expect(a.summary).toContain('degradation score {{ $value');
      expect(a.signals).toContain('model_version:degradation_signal_score:1h');
      expect(a.trend).toMatch(/accelerating.*stable/);
      expect(a.dashboard_url).toMatch(/^https:\/\/.+\/d\/predlog-model-serving\?var-model=/);
      expect(a.sample_url).toContain('viewPanel=25');
      expect(a.runbook_url).toBe(`docs/runbook.md#${rule.alert?.toLowerCase()}`);
      expect(runbook).toContain(`## ${rule.alert}`);
      expect(runbook).toMatch(new RegExp(`alertname=${rule.alert}`));
    }
  });
});
