import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { analyticsConfigSchema } from '../src/index.ts';

describe('analyticsConfigSchema', () => {
  it('holds every default', () => {
    expect(analyticsConfigSchema.parse({})).toEqual({
      sketch: { relativeAccuracy: 0.01, maxBuckets: 2048, exactValues: 64 },
      join: {
        on: 'request_id',
        windowMs: 86_400_000,
        minMatchRate: 0.9,
        maxKeysInMemory: 1_000_000,
        spillPartitions: 64,
      },
      classification: {
        positiveLabels: ['1', 'true'],
        fallbackThreshold: 0.5,
        thresholdOverride: null,
        eceBins: 10,
        maxScoreKeys: 16_384,
      },
      evaluate: {
        task: 'auto',
        cohorts: ['version', 'segment', 'date'],
        maxCohortsPerDimension: 100,
        absoluteTolerance: 0.02,
        relativeTolerance: 0.1,
      },
      drift: {
        baselineDays: 7,
        psiBins: 10,
        psiEpsilon: 0.0001,
        moderatePsi: 0.1,
        significantPsi: 0.2,
        alpha: 0.05,
        discreteMaxValues: 10,
        maxCategories: 50,
        maxFeatures: 500,
      },
      shadow: { maxWaitingInMemory: 200_000, championRole: 'champion', challengerRole: 'challenger' },
      report: {
        histogramBins: 20,
        title: 'predlog model report',
        cohortFields: ['segment', 'channel', 'region'],
        maxCohortValues: 20,
        maxSeries: 6,
        trendPeriod: 'auto',
      },
    });
  });

  it('the README config table names exactly the keys the schema has', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Files it writes'));
    const documented = new Set<string>();
    for (const match of section.matchAll(/^\| `([^`]+)` *\|/gm)) documented.add(match[1] as string);
    const keys = new Set<string>();
    const full = analyticsConfigSchema.parse({ join: { spillDirectory: '/tmp' } });
    for (const [section, values] of Object.entries(full)) {
      for (const key of Object.keys(values)) keys.add(`${section}.${key}`);
    }
    expect([...documented].sort()).toEqual([...keys].sort());
  });

  it('rejects unknown keys and values outside their range, naming the rule', () => {
    const issue = (input: unknown) => analyticsConfigSchema.safeParse(input).error?.issues[0];
    expect(issue({ join: { minMatchRate: 1.5 } })).toMatchObject({
      path: ['join', 'minMatchRate'],
      message: 'must be a number from 0 to 1',
    });
    expect(issue({ drift: { psiBinz: 10 } })?.code).toBe('unrecognized_keys');
    expect(issue({ drift: { moderatePsi: 0.3, significantPsi: 0.2 } })).toMatchObject({
      path: ['drift', 'significantPsi'],
      message: 'must not be less than moderatePsi',
    });
    expect(issue({ sketch: { relativeAccuracy: 0.5 } })?.path).toEqual(['sketch', 'relativeAccuracy']);
    expect(issue({ join: { on: 'user_id' } })?.path).toEqual(['join', 'on']);
  });
});
