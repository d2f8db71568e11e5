import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { promtool } from './metrics-support/prometheus-tools.ts';

// deploy/prometheus: the alert rules pass promtool's checks, their unit tests show each alert firing
// and not firing, and each alert links to a runbook section that exists.

const RULES_DIR = fileURLToPath(new URL('../deploy/prometheus/', import.meta.url));
const RULES_FILE = 'predlog-rules.yaml';
const TESTS_FILE = 'predlog-rules.test.yaml';
const RUNBOOK = fileURLToPath(new URL('../docs/runbook.md', import.meta.url));

const REQUIRED_ALERTS = [
  'HighErrorRate',
  'HighLatency',
  'ModelDown',
  'LowThroughput',
  'PredictionLogDrops',
  'PredictionDistributionShift',
];

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface RuleTest {
  name: string;
  alert_rule_test?: Array<{ alertname: string; eval_time: string; exp_alerts: unknown[] }>;
}

let rules: Rule[];
let scratch: string;

beforeAll(async () => {
  const doc = parse(await readFile(path.join(RULES_DIR, RULES_FILE), 'utf8')) as {
    groups: Array<{ name: string; rules: Rule[] }>;
  };
  rules = doc.groups.flatMap((group) => group.rules);
  scratch = await mkdtemp(path.join(os.tmpdir(), 'predlog-rules-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** GitHub's heading anchor: lower case, spaces to dashes, punctuation dropped. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}

describe('alert rules', () => {
  it('pass promtool check rules', async () => {
    const result = await promtool(['check', 'rules', RULES_FILE], RULES_DIR);
    expect(result.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(result.code).toBe(0);
  });

  it('pass their promtool unit tests', async () => {
    const result = await promtool(['test', 'rules', TESTS_FILE], RULES_DIR);
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('have unit tests that fail when a rule changes (a threshold, a for duration)', async () => {
    const original = await readFile(path.join(RULES_DIR, RULES_FILE), 'utf8');
    await copyFile(path.join(RULES_DIR, TESTS_FILE), path.join(scratch, TESTS_FILE));
    const mutations: Array<[string, string]> = [
      [') > 0.05\n', ') > 0.2\n'], // HighErrorRate would no longer fire at 10%
      [
        'for: 10m\n        labels:\n          severity: page',
        'for: 1m\n        labels:\n          severity: page',
      ], // HighLatency fires too early
    ];
    for (const [from, to] of mutations) {
      expect(original).toContain(from);
      await writeFile(path.join(scratch, RULES_FILE), original.replace(from, to));
      const result = await promtool(['test', 'rules', TESTS_FILE], scratch);
      expect(result.code, `mutation ${JSON.stringify(to)} went unnoticed`).not.toBe(0);
      expect(result.output).toContain('FAILED');
    }
  });

  it('define every alert of issue 7 with severity, summary, description and a runbook link', () => {
    const alerts = new Map(rules.filter((r) => r.alert !== undefined).map((r) => [r.alert as string, r]));
    for (const name of REQUIRED_ALERTS) {
      const rule = alerts.get(name);
      expect(rule, name).toBeDefined();
      expect(rule?.labels?.severity, name).toMatch(/^(page|ticket)$/);
      expect(rule?.annotations?.summary, name).toMatch(/\S/);
      expect(rule?.annotations?.description, name).toMatch(/\S/);
      expect(rule?.annotations?.runbook_url, name).toBe(`docs/runbook.md#${name.toLowerCase()}`);
    }
    expect(alerts.get('HighLatency')?.for).toBe('10m');
    expect(alerts.get('HighLatency')?.expr).toContain('histogram_quantile(0.99');
    expect(alerts.get('ModelDown')?.expr).toContain('[2m]');
    expect(alerts.get('LowThroughput')?.expr).toMatch(
      /0\.5 \* sum by \(model_name\) \(rate\(model_requests_total\[1h\]\)\)/,
    );
  });

  it('link to runbook sections that exist and say what the alert means, what to do and how to silence it', async () => {
    const runbook = await readFile(RUNBOOK, 'utf8');
    const sections = new Map<string, string>();
    for (const part of runbook.split(/^## /m).slice(1)) {
      const [heading = '', ...body] = part.split('\n');
      sections.set(anchorOf(heading), body.join('\n'));
    }
    for (const rule of rules.filter((r) => r.alert !== undefined)) {
      const anchor = rule.annotations?.runbook_url?.split('#')[1] ?? '';
      const section = sections.get(anchor);
      expect(section, `runbook section #${anchor}`).toBeDefined();
      expect(section).toContain('**Means:**');
      expect(section).toContain('**First steps:**');
      expect(section).toContain('**False alarm:**');
      expect(section).toMatch(new RegExp(`alertname=${rule.alert}`));
    }
  });

  it('have unit tests showing each alert firing and not firing', async () => {
    const doc = parse(await readFile(path.join(RULES_DIR, TESTS_FILE), 'utf8')) as {
      rule_files: string[];
      tests: RuleTest[];
    };
    expect(doc.rule_files).toEqual([RULES_FILE]);
    const cases = doc.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const rule of rules.filter((r) => r.alert !== undefined)) {
      const mine = cases.filter((c) => c.alertname === rule.alert);
      expect(
        mine.some((c) => c.exp_alerts.length > 0),
        `${rule.alert} shown firing`,
      ).toBe(true);
      expect(
        mine.some((c) => c.exp_alerts.length === 0),
        `${rule.alert} shown not firing`,
      ).toBe(true);
    }
  });
});
