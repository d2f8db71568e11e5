import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { captureIo } from '../cli-io.ts';
import { writePartitionFile } from '../log-fixtures.ts';

// The three example model configs of @predlog/monitoring (T1 fraud-xgb, T2 churn-gbm, T3 search-ranker).
const MODELS = fileURLToPath(new URL('../../../monitoring/test/fixtures/models/', import.meta.url));

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'predlog-cli-monitoring-'));
  await cp(MODELS, path.join(root, 'models'), { recursive: true });
  await writeFile(
    path.join(root, 'prices.yaml'),
    [
      'prices:',
      '  storage: { hotPerGbMonth: 0.1, warmPerGbMonth: 0.02, coldPerGbMonth: 0.004 }',
      '  perQuery: 0.000001',
      '  perJob: 0.01',
      'retention: { compressionRatio: 0.25 }',
      '',
    ].join('\n'),
  );
  await writeFile(
    path.join(root, 'predlog.yaml'),
    [
      'processors:',
      '  sampling/default: { volumeTiers: [{ belowPerDay: 1000, rate: 1 }, { rate: 0.25 }] }',
      '  redaction/pii: { rules: [], keys: { k1: "${env:PREDLOG_REDACTION_KEY:-unset-but-not-read-here}" }, activeKey: k1 }',
      'exporters: { file: { directory: ./logs } }',
      'pipelines: { predictions: { processors: [sampling/default], exporters: [file] } }',
      '',
    ].join('\n'),
  );
  // fraud-xgb: one day of 100 records standing for 100 predictions each (10,000/day).
  await writePartitionFile(
    path.join(root, 'logs'),
    'fraud-xgb',
    '2026-03-01',
    Array.from({ length: 100 }, record),
  );
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function run(...args: string[]) {
  const captured = captureIo(root, {});
  const code = await runCli(args, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('predlog monitoring', () => {
  it('validate: lists each model of a directory, and names file:line:col of a problem', async () => {
    const ok = await run('monitoring', 'validate', 'models');
    expect(ok.code).toBe(0);
    expect(ok.stdout.split('\n')).toEqual([
      'models/churn-gbm/model-monitoring.yaml: valid  churn-gbm T2 (operational), team growth-ds, features tenure_months, log_amount + score, escalates after 60 min',
      'models/fraud-xgb/model-monitoring.yaml: valid  fraud-xgb T1 (revenue-critical), team fraud-ml, features log_amount, amount_vs_avg_30d, device_trust_score + score, escalates after 15 min',
      'models/search-ranker/model-monitoring.yaml: valid  search-ranker T3 (experimental), team search-lab, features query_length, no escalation',
      '',
    ]);
    await writeFile(
      path.join(root, 'bad.monitoring.yaml'),
      'monitoring:\n  model: x\n  tier: T9\n  owner: { team: t, receiver: { webhook: { url: "https://h.example/x" } } }\n',
    );
    const bad = await run('monitoring', 'validate', 'bad.monitoring.yaml');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      'bad.monitoring.yaml:3:9: monitoring.tier: must be one of "T1", "T2", "T3" (got "T9")\nbad.monitoring.yaml: invalid (1 problem)\n',
    );
    expect((await run('monitoring', 'validate')).code).toBe(2);
  });

  it('render: writes the rules, the Alertmanager config and the dashboard', async () => {
    const { code, stdout } = await run(
      'monitoring',
      'render',
      'models',
      '--out',
      'out',
      '--unrouted-webhook',
      'https://platform.example.com/alerts',
    );
    expect(code).toBe(0);
    expect(stdout).toContain('models: churn-gbm (T2), fraud-xgb (T1), search-ranker (T3)');
    expect((await readdir(path.join(root, 'out'))).sort()).toEqual([
      'alertmanager.yml',
      'predlog-models-dashboard.json',
      'predlog-models.rules.yaml',
    ]);
    const am = await readFile(path.join(root, 'out', 'alertmanager.yml'), 'utf8');
    expect(am).toMatch(
      /- name: predlog-unrouted\n {4}webhook_configs:\n {6}- url: https:\/\/platform\.example\.com\/alerts/,
    );
    expect((await run('monitoring', 'render', 'models')).code).toBe(2);
    expect(
      (await run('monitoring', 'render', 'models', '--out', 'o', '--unrouted-webhook', 'ftp://x')).code,
    ).toBe(2);
  });

  it("cost: per model per month at the config's sampling rate and the model's tier, as a table and as JSON", async () => {
    const args = [
      'monitoring',
      'cost',
      'logs',
      '--config',
      'predlog.yaml',
      '--prices',
      'prices.yaml',
      '--models',
      'models',
    ];
    const table = await run(...args);
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('sampling: predlog.yaml processors.sampling/default');
    expect(table.stdout).toMatch(/^fraud-xgb +T1 +10,000 +25\.0% /m);
    const json = await run(...args, '--json');
    const report = JSON.parse(json.stdout) as {
      models: Array<{ model: string; configuredRate: number; storage: { bytesPerDay: number } }>;
    };
    const [fraud] = report.models;
    const lineBytes = Buffer.byteLength(JSON.stringify(record())) + 1;
    // 10,000 predictions/day at 25% of lineBytes each.
    expect(fraud?.configuredRate).toBe(0.25);
    expect(fraud?.storage.bytesPerDay).toBeCloseTo(10_000 * 0.25 * lineBytes, 6);
    const missing = await run('monitoring', 'cost', 'logs', '--config', 'predlog.yaml');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing --prices/);
  });
});

function record() {
  return {
    event: 'ml.prediction',
    timestamp: '2026-03-01T12:00:00.000Z',
    model_name: 'fraud-xgb',
    sampling_weight: 100,
  };
}
