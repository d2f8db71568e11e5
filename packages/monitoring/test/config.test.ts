import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '@predlog/core';
import { describe, expect, it } from 'vitest';
import {
  loadModelMonitoringDirectory,
  loadModelMonitoringFile,
  modelMonitoringConfigSchema,
} from '../src/index.ts';
import { FIXTURES_DIR, MODELS_DIR } from './rendered-models.ts';

const receiver = { webhook: { url: 'https://hooks.example.com/x' } };

async function issuesOf(load: () => Promise<unknown>): Promise<string[]> {
  try {
    await load();
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('model-monitoring.yaml', () => {
  it('loads the three example models of a directory, sorted by path', async () => {
    const loaded = await loadModelMonitoringDirectory(MODELS_DIR, {});
    expect(loaded.map((l) => [l.config.model, l.config.tier])).toEqual([
      ['churn-gbm', 'T2'],
      ['fraud-xgb', 'T1'],
      ['search-ranker', 'T3'],
    ]);
  });

  it('has a default for every optional key', () => {
    const config = modelMonitoringConfigSchema.parse({
      model: 'm',
      tier: 'T3',
      owner: { team: 't', receiver },
    });
    expect(config).toEqual({
      model: 'm',
      tier: 'T3',
      owner: { team: 't', receiver },
      output: { type: 'binary_classifier', scoreDrift: true },
      features: [],
      drift: { warnDistance: 0.1, alertDistance: 0.2, minObservations: 100 },
      serving: { maxErrorRate: 0.05, maxP99LatencySeconds: 0.5 },
    });
    const ranking = modelMonitoringConfigSchema.parse({
      model: 'm',
      tier: 'T3',
      owner: { team: 't', receiver },
      output: { type: 'ranking' },
      features: ['f'],
      businessMetric: { name: 'ctr', query: 'sum(x)' },
    });
    expect(ranking.output.scoreDrift).toBe(false);
    expect(ranking.businessMetric?.for).toBe('1h');
  });

  it('names file, line, column and key of each problem, unknown keys included', async () => {
    const file = path.join(FIXTURES_DIR, 'invalid', 'bad-keys.monitoring.yaml');
    const lines = await issuesOf(() => loadModelMonitoringFile(file, {}));
    expect(lines).toContainEqual(
      expect.stringMatching(
        /bad-keys\.monitoring\.yaml:3:9: monitoring\.tier: must be one of "T1", "T2", "T3" \(got "T4"\)/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /bad-keys\.monitoring\.yaml:6:15: monitoring\.owner\.receiver: needs at least one of slack, pagerduty, webhook/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /:7:51: monitoring\.drift\.minObservatons: unknown key \(did you mean "minObservations"\?\)/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /:7:46: monitoring\.drift\.alertDistance: must be at least warnDistance \(got 0\.2\)/,
      ),
    );
    expect(lines).toHaveLength(4);
  });

  it('refuses a file without the monitoring: section, a T1 model without escalation, and two files for one model', async () => {
    const none = await issuesOf(() =>
      loadModelMonitoringFile(path.join(FIXTURES_DIR, 'invalid', 'no-section.monitoring.yaml'), {}),
    );
    expect(none).toEqual([
      expect.stringMatching(/no-section\.monitoring\.yaml: \(top level\): has no monitoring: section/),
    ]);
    const t1 = modelMonitoringConfigSchema.safeParse({
      model: 'm',
      tier: 'T1',
      owner: { team: 't', receiver },
    });
    expect(t1.success).toBe(false);
    expect(t1.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['escalation', 'a T1 (revenue-critical) model needs an escalation receiver for unacknowledged pages'],
    ]);
    const twice = await issuesOf(() =>
      loadModelMonitoringDirectory(path.join(FIXTURES_DIR, 'duplicate'), {}),
    );
    expect(twice).toEqual([
      expect.stringMatching(
        /b\.monitoring\.yaml: monitoring\.model: model "fraud-xgb" is already configured in .*a\.monitoring\.yaml/,
      ),
    ]);
  });

  it('substitutes ${env:NAME} like predlog.yaml, and refuses an empty directory', async () => {
    const file = path.join(FIXTURES_DIR, 'env', 'model-monitoring.yaml');
    const loaded = await loadModelMonitoringFile(file, { MODEL_TIER: 'T2' });
    expect(loaded.config.tier).toBe('T2');
    expect((await loadModelMonitoringFile(file, {})).config.tier).toBe('T3');
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'predlog-monitoring-empty-'));
    try {
      expect(await issuesOf(() => loadModelMonitoringDirectory(scratch, {}))).toEqual([
        expect.stringMatching(/holds no monitoring file/),
      ]);
      expect(await issuesOf(() => loadModelMonitoringDirectory(path.join(scratch, 'missing'), {}))).toEqual([
        expect.stringMatching(/cannot read the directory \(ENOENT\)/),
      ]);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});
