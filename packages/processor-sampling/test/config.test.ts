import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ComponentRegistry, ConfigError, loadConfigFile, resolveConfig } from '@predlog/core';
import { memoryExporterFactory } from '@predlog/test-kit';
import { describe, expect, it } from 'vitest';
import { DEFAULT_VOLUME_TIERS, samplingConfigSchema, samplingProcessorFactory } from '../src/index.ts';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const registry = () => new ComponentRegistry([samplingProcessorFactory, memoryExporterFactory()]);

describe('samplingConfigSchema', () => {
  it('holds every default', () => {
    expect(samplingConfigSchema.parse({})).toEqual({
      seed: 0,
      volumeTiers: [{ belowPerDay: 100_000, rate: 1 }, { belowPerDay: 1_000_000, rate: 0.5 }, { rate: 0.1 }],
      volumeWindowMs: 3_600_000,
      tierHysteresis: 0.1,
      buckets: { count: 20, min: 0, max: 1, quantile: false, warmupRecords: 10_000 },
      minPerBucket: 10,
      bucketWindowMs: 3_600_000,
      alwaysKeep: {
        force: true,
        errors: true,
        scoreTail: 0.0025,
        scoreAbove: null,
        scoreBelow: null,
        nearThresholdDelta: 0.01,
        latencyAboveMs: null,
        features: {},
        maxShare: 0.005,
      },
      scoreDistribution: { warmupScores: 4000, halfLifeScores: 100_000 },
      newVersion: { windowMs: 86_400_000, rate: 1 },
      maxModels: 1000,
    });
    expect(DEFAULT_VOLUME_TIERS).toEqual(samplingConfigSchema.parse({}).volumeTiers);
  });

  it('turns the tail rule off by default for quantile (regression) buckets; fixed bounds still apply', () => {
    const regression = samplingConfigSchema.parse({ buckets: { quantile: true } });
    expect(regression.alwaysKeep).toMatchObject({ scoreTail: null, scoreAbove: null, scoreBelow: null });
    const explicit = samplingConfigSchema.parse({
      buckets: { quantile: true },
      alwaysKeep: { scoreAbove: 5e5 },
    });
    expect(explicit.alwaysKeep).toMatchObject({ scoreTail: null, scoreAbove: 5e5, scoreBelow: null });
  });

  it('the README config table names exactly the keys the schema has', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Metrics'));
    const documented = new Set<string>();
    for (const match of section.matchAll(/^\| `([^`]+)`(?: \/ `([^`]+)`)?\s*\|/gm)) {
      documented.add(match[1] as string);
      if (match[2] !== undefined) documented.add(match[2]);
    }
    const full = samplingConfigSchema.parse({
      rate: 0.5,
      buckets: { edges: [0, 1] },
      rateLimit: { recordsPerSecond: 1 },
    }) as unknown as Record<string, unknown>;
    const keys = new Set<string>(['volumeTiers']);
    for (const [key, value] of Object.entries(full)) {
      if (
        value !== null &&
        typeof value === 'object' &&
        !Array.isArray(value) &&
        key !== 'alwaysKeep.features'
      )
        for (const inner of Object.keys(value)) keys.add(`${key}.${inner}`);
      else keys.add(key);
    }
    expect([...documented].sort()).toEqual([...keys].sort());
  });

  it('defaults the rate limit burst to one second of the rate', () => {
    expect(samplingConfigSchema.parse({ rateLimit: { recordsPerSecond: 250.5 } }).rateLimit).toEqual({
      recordsPerSecond: 250.5,
      burstRecords: 251,
      anomalyReserveFraction: 0.2,
    });
  });
});

/** What each fixture resolves to through core's loader, or the key path and rule its error names. */
const expectations: Record<string, { ok: Record<string, unknown> } | { error: RegExp }> = {
  'minimal.yaml': { ok: { minPerBucket: 10, buckets: { count: 20, quantile: false } } },
  'full.yaml': {
    ok: {
      seed: 42,
      volumeTiers: [{ belowPerDay: 10_000, rate: 1 }, { belowPerDay: 5_000_000, rate: 0.2 }, { rate: 0.02 }],
      volumeWindowMs: 600_000,
      tierHysteresis: 0.2,
      buckets: { count: 10 },
      minPerBucket: 5,
      bucketWindowMs: 300_000,
      alwaysKeep: {
        scoreAbove: 0.99,
        scoreBelow: null,
        nearThresholdDelta: 0.02,
        latencyAboveMs: 250,
        features: { amount: { min: 0, max: 10_000 }, country: {} },
        scoreTail: 0.001,
        maxShare: 0.02,
      },
      scoreDistribution: { warmupScores: 1000, halfLifeScores: 50_000 },
      newVersion: { windowMs: 43_200_000, rate: 0.5 },
      rateLimit: { recordsPerSecond: 500, burstRecords: 1000, anomalyReserveFraction: 0.3 },
      maxModels: 50,
    },
  },
  'regression.yaml': {
    ok: { rate: 0.05, buckets: { quantile: true, warmupRecords: 5000 }, alwaysKeep: { scoreAbove: null } },
  },
  'rate-too-high.yaml': {
    error:
      /rate-too-high\.yaml:3:11: processors\.sampling\/default\.rate: must be a number from 0 to 1 \(got 1\.5\)/,
  },
  'typo-key.yaml': {
    error: /processors\.sampling\/default\.minPerBuckets: unknown key \(did you mean "minPerBucket"\?\)/,
  },
  'rate-and-tiers.yaml': {
    error: /processors\.sampling\/default\.rate: set either rate \(one fixed rate\) or volumeTiers, not both/,
  },
  'tiers-unordered.yaml': {
    error:
      /processors\.sampling\/default\.volumeTiers\.1\.belowPerDay: tiers must be in ascending order of belowPerDay/,
  },
  'tiers-last-bounded.yaml': {
    error: /processors\.sampling\/default\.volumeTiers\.1\.belowPerDay: the last tier takes every volume/,
  },
  'tier-rate-negative.yaml': {
    error: /processors\.sampling\/default\.volumeTiers\.1\.rate: must be a number from 0 to 1 \(got -0\.1\)/,
  },
  'edges-not-ascending.yaml': {
    error: /processors\.sampling\/default\.buckets\.edges\.2: edges must be strictly ascending/,
  },
  'edges-with-quantile.yaml': {
    error: /processors\.sampling\/default\.buckets\.edges: cannot be combined with quantile: true/,
  },
  'bucket-range-empty.yaml': {
    error: /processors\.sampling\/default\.buckets\.max: must be greater than min/,
  },
  'bucket-count-zero.yaml': { error: /processors\.sampling\/default\.buckets\.count: .*\(got 0\)/ },
  'feature-range-inverted.yaml': {
    error: /processors\.sampling\/default\.alwaysKeep\.features\.amount\.max: must not be less than min/,
  },
  'rate-limit-without-rate.yaml': {
    error: /processors\.sampling\/default\.rateLimit\.recordsPerSecond: is required \(expected number\)/,
  },
  'seed-negative.yaml': { error: /processors\.sampling\/default\.seed: .*\(got -1\)/ },
  'new-version-rate.yaml': {
    error: /processors\.sampling\/default\.newVersion\.rate: must be a number from 0 to 1 \(got 2\)/,
  },
  'volume-window-too-short.yaml': {
    error: /processors\.sampling\/default\.volumeWindowMs: must be at least 60000 \(1 minute\) \(got 1000\)/,
  },
  'ignore-first-version.yaml': {
    error:
      /processors\.sampling\/default\.newVersion\.ignoreFirstVersion: was removed: a version is new only by its deployment time \(model\.deployedAt\)/,
  },
  'tail-with-quantile.yaml': {
    error:
      /processors\.sampling\/default\.alwaysKeep\.scoreTail: needs scores on a bounded range and cannot be combined with buckets\.quantile: true/,
  },
  'tail-too-wide.yaml': {
    error:
      /processors\.sampling\/default\.alwaysKeep\.scoreTail: must be a number above 0 and at most 0\.1 \(got 0\.2\)/,
  },
  'max-share-zero.yaml': {
    error:
      /processors\.sampling\/default\.alwaysKeep\.maxShare: must be a number above 0 and at most 1 \(got 0\)/,
  },
  'delta-zero.yaml': {
    error:
      /processors\.sampling\/default\.alwaysKeep\.nearThresholdDelta: must be a positive number \(got 0\)/,
  },
};

describe('config files through core’s loader, with the factory registered', () => {
  it('has an expectation for every fixture', async () => {
    expect((await readdir(fixtures)).sort()).toEqual(Object.keys(expectations).sort());
  });

  for (const [name, expected] of Object.entries(expectations)) {
    it(`${name}: ${'ok' in expected ? 'resolves' : 'fails naming the key path'}`, async () => {
      const load = loadConfigFile(`${fixtures}${name}`, registry(), {});
      if ('ok' in expected) {
        const config = await load;
        const [processor] = [...config.processors.values()];
        expect(processor?.factory).toBe(samplingProcessorFactory);
        expect(processor?.config).toMatchObject(expected.ok);
      } else {
        const error = await load.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).message).toMatch(expected.error);
      }
    });
  }

  it('an inline config (resolveConfig) reports every problem at once, each with its key path', () => {
    const raw = {
      processors: { 'sampling/a': { rate: 2 }, 'sampling/b': { buckets: { count: 1.5 }, maxModels: 0 } },
      exporters: { memory: {} },
      pipelines: { p: { processors: ['sampling/a', 'sampling/b'], exporters: ['memory'] } },
    };
    let message = '';
    try {
      resolveConfig(raw, registry(), { env: {} });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split('\n')).toEqual([
      '<inline config>: processors.sampling/a.rate: must be a number from 0 to 1 (got 2)',
      expect.stringMatching(/^<inline config>: processors\.sampling\/b\.buckets\.count: .*\(got 1\.5\)$/),
      expect.stringMatching(/^<inline config>: processors\.sampling\/b\.maxModels: .*\(got 0\)$/),
    ]);
  });
});
