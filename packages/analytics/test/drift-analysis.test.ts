import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseDrift, analyticsConfigSchema, InputFileError } from '../src/index.ts';
import { removeDir, tempDir, writeLines, writePartitions } from './support/partition-files.ts';
import { syntheticPredictions } from './support/synthetic-predictions.ts';

let root: string;
const config = analyticsConfigSchema.parse({});
const before = syntheticPredictions({ seed: 41, count: 14_000, days: 7, start: '2026-03-01T00:00:00.000Z' });
const after = syntheticPredictions({
  seed: 42,
  count: 6000,
  days: 3,
  start: '2026-03-08T00:00:00.000Z',
  shiftA: 1,
  requestPrefix: 'late',
});

beforeAll(async () => {
  root = await tempDir('drift');
  await writePartitions(
    path.join(root, 'logs'),
    before.map((g) => g.record),
  );
  await writePartitions(
    path.join(root, 'logs'),
    after.map((g) => g.record),
    { gzip: true },
  );
  await writeLines(
    path.join(root, 'training.ndjson.gz'),
    before.map((g) => JSON.stringify(g.record)),
    true,
  );
});

afterAll(async () => {
  await removeDir(root);
});

describe('analyseDrift', () => {
  it('takes the first N days of the logs as the baseline and the rest as the current window', async () => {
    const analysis = await analyseDrift({
      selection: { directory: path.join(root, 'logs') },
      baseline: { kind: 'days', days: 7 },
      config,
    });
    expect(analysis.baselineWindow).toEqual({
      since: '2026-03-01T00:00:00.000Z',
      until: '2026-03-08T00:00:00.000Z',
      text: '2026-03-01 to 2026-03-07',
      how: 'first 7 days',
      auto: false,
    });
    expect(analysis.currentWindow.since).toBe('2026-03-08T00:00:00.000Z');
    expect(analysis.report.baseline.records).toBe(14_000);
    expect(analysis.report.current.records).toBe(6000);
    expect(analysis.report.features[0]?.name).toBe('a');
    expect(analysis.report.features[0]?.band).toBe('significant');
    expect(analysis.report.features.slice(1).every((f) => f.band === 'none')).toBe(true);
    expect(analysis.logs.records).toBe(20_000);
  });

  it('a baseline file of records, or of the profile saved from a run, gives the same figures', async () => {
    const fromDays = await analyseDrift({
      selection: { directory: path.join(root, 'logs') },
      baseline: { kind: 'days', days: 7 },
      config,
    });
    const profileFile = path.join(root, 'baseline.ndjson');
    await writeLines(profileFile, [JSON.stringify(fromDays.baselineProfile.toJSON())]);
    const current = { directory: path.join(root, 'logs'), since: new Date('2026-03-08T00:00:00Z') };
    const fromProfile = await analyseDrift({
      selection: current,
      baseline: { kind: 'file', file: profileFile },
      config,
    });
    const fromRecords = await analyseDrift({
      selection: current,
      baseline: { kind: 'file', file: path.join(root, 'training.ndjson.gz') },
      config,
    });
    for (const other of [fromProfile, fromRecords]) {
      expect(other.report.features.map((f) => [f.name, f.band])).toEqual(
        fromDays.report.features.map((f) => [f.name, f.band]),
      );
      fromDays.report.features.forEach((f, i) => {
        expect(other.report.features[i]?.psi as number).toBeCloseTo(f.psi as number, 9);
      });
    }
  });

  it('rejects a baseline profile written with another sketch accuracy', async () => {
    const coarse = analyticsConfigSchema.parse({ sketch: { relativeAccuracy: 0.05 } });
    const fromDays = await analyseDrift({
      selection: { directory: path.join(root, 'logs') },
      baseline: { kind: 'days', days: 7 },
      config: coarse,
    });
    const file = path.join(root, 'coarse-baseline.ndjson');
    await writeLines(file, [JSON.stringify(fromDays.baselineProfile.toJSON())]);
    await expect(
      analyseDrift({
        selection: { directory: path.join(root, 'logs') },
        baseline: { kind: 'file', file },
        config,
      }),
    ).rejects.toThrow('another sketch accuracy');
  });

  it('rejects a baseline file with neither profiles nor records', async () => {
    const file = path.join(root, 'empty-baseline.ndjson');
    await writeLines(file, ['{"x":1}']);
    await expect(
      analyseDrift({
        selection: { directory: path.join(root, 'logs') },
        baseline: { kind: 'file', file },
        config,
      }),
    ).rejects.toThrow(InputFileError);
  });
});

describe('analyseDrift on a history no longer than the baseline days', () => {
  let shortRoot: string;
  // One day, 00:00 to 23:00: a of the second half is shifted by one standard deviation.
  const firstHalf = syntheticPredictions({
    seed: 61,
    count: 3000,
    days: 0.5,
    start: '2026-12-01T00:00:00.000Z',
  });
  const secondHalf = syntheticPredictions({
    seed: 62,
    count: 2750,
    days: 11 / 24,
    start: '2026-12-01T12:00:00.000Z',
    shiftA: 1,
    requestPrefix: 'pm',
  });
  const threeDays = syntheticPredictions({
    seed: 63,
    count: 3000,
    days: 3,
    start: '2026-12-01T00:00:00.000Z',
  });

  beforeAll(async () => {
    shortRoot = await tempDir('short-history');
    await writePartitions(
      path.join(shortRoot, 'one-day'),
      [...firstHalf, ...secondHalf].map((g) => g.record),
    );
    await writePartitions(
      path.join(shortRoot, 'three-days'),
      threeDays.map((g) => g.record),
    );
  });

  afterAll(async () => {
    await removeDir(shortRoot);
  });

  it('one day: the first half of its time span against the second, and says so', async () => {
    const analysis = await analyseDrift({
      selection: { directory: path.join(shortRoot, 'one-day') },
      baseline: { kind: 'days', days: 7 },
      config,
    });
    // Predictions from 00:00 to about 22:59:45: the middle, cut at the minute, is 11:29.
    const last = Date.parse(secondHalf[secondHalf.length - 1]?.record.timestamp as string);
    const middle =
      Date.parse('2026-12-01T00:00:00.000Z') + (last - Date.parse('2026-12-01T00:00:00.000Z')) / 2;
    const split = new Date(Math.floor(middle / 60_000) * 60_000).toISOString();
    expect(analysis.baselineWindow).toEqual({
      since: '2026-12-01T00:00:00.000Z',
      until: split,
      text: `2026-12-01T00:00Z – ${split.slice(0, 16)}Z`,
      how: 'auto: history is 1 day',
      auto: true,
    });
    expect(analysis.currentWindow.since).toBe(split);
    const { baseline, current } = analysis.report;
    expect(baseline.records + current.records).toBe(5750);
    expect(Math.abs(baseline.records - current.records)).toBeLessThan(300);
    // The shift of the second half shows (the current window's first half hour is not shifted: still clear).
    expect(analysis.report.features[0]).toMatchObject({ name: 'a', band: 'significant' });
  });

  it('two days or more: the last day against the days before it', async () => {
    const analysis = await analyseDrift({
      selection: { directory: path.join(shortRoot, 'three-days') },
      baseline: { kind: 'days', days: 7 },
      config,
    });
    expect(analysis.baselineWindow).toMatchObject({
      since: '2026-12-01T00:00:00.000Z',
      until: '2026-12-03T00:00:00.000Z',
      text: '2026-12-01 to 2026-12-02',
      how: 'auto: history is 3 days',
      auto: true,
    });
    expect(analysis.report.baseline.records).toBe(2000);
    expect(analysis.report.current.records).toBe(1000);
    expect(analysis.report.significant).toBe(false);
  });

  it('a --since keeps the first days as the baseline and the window as given', async () => {
    const analysis = await analyseDrift({
      selection: { directory: path.join(shortRoot, 'three-days'), since: new Date('2026-12-02T00:00:00Z') },
      baseline: { kind: 'days', days: 7 },
      config,
    });
    expect(analysis.baselineWindow).toMatchObject({ how: 'first 7 days', auto: false });
    expect(analysis.report.current.records).toBe(2000);
  });
});
