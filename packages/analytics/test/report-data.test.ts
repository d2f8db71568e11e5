import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  analyticsConfigSchema,
  buildReport,
  type CohortBreakdown,
  evaluatePredictions,
  type ReportData,
} from '../src/index.ts';
import { removeDir, tempDir, writeLines, writePartitions } from './support/partition-files.ts';
import { reportScenario, writeScenario } from './support/report-scenario.ts';
import { syntheticPredictions } from './support/synthetic-predictions.ts';

let root: string;
const scenario = reportScenario(7);
const config = analyticsConfigSchema.parse({ classification: { positiveLabels: ['fraud'] } });

beforeAll(async () => {
  root = await tempDir('report-data');
  await writeScenario(root, scenario);
  // A channel on every third record only: the others are the "(none)" cohort, counted by difference.
  const partial = syntheticPredictions({ seed: 72, count: 900, days: 3, start: '2026-03-01T00:00:00.000Z' });
  await writePartitions(
    path.join(root, 'partial'),
    partial.map((g, i) => (i % 3 === 0 ? { ...g.record, attributes: { channel: 'web' } } : g.record)),
  );
  await writeLines(
    path.join(root, 'partial-labels.ndjson'),
    partial.map((g) =>
      JSON.stringify({ request_id: g.record.request_id, label: g.positive ? 'fraud' : 'legit' }),
    ),
  );
  const oneDay = syntheticPredictions({ seed: 71, count: 2400, days: 1, start: '2026-12-01T00:00:00.000Z' });
  await writePartitions(
    path.join(root, 'one-day'),
    oneDay.map((g) => g.record),
  );
  await writeLines(
    path.join(root, 'one-day-labels.ndjson'),
    oneDay.map((g) =>
      JSON.stringify({ request_id: g.record.request_id, label: g.positive ? 'fraud' : 'legit' }),
    ),
  );
});

afterAll(async () => {
  await removeDir(root);
});

function breakdown(data: ReportData, dimension: string): CohortBreakdown {
  const found = data.breakdowns.find((b) => b.dimension === dimension);
  if (found === undefined) throw new Error(`no breakdown by ${dimension}`);
  return found;
}

describe('buildReport on two weeks in which version 2 goes out (seed 7)', () => {
  let data: ReportData;
  beforeAll(async () => {
    data = await buildReport({
      selection: { directory: path.join(root, 'logs') },
      baseline: { kind: 'days', days: 7 },
      labels: { kind: 'file', file: path.join(root, 'labels.ndjson') },
      config,
    });
  });

  it('one point per day with every labelled figure, the first 7 days the baseline', () => {
    expect(data.period).toBe('day');
    expect(data.daily).toHaveLength(14);
    expect(data.daily.filter((d) => d.baseline)).toHaveLength(7);
    for (const day of data.daily) {
      expect(day.metrics?.labelled).toBe(day.records);
      for (const key of ['auc', 'precision', 'recall', 'f1', 'ece', 'actualPositiveRate'] as const) {
        expect(day.metrics?.[key], `${day.date} ${key}`).not.toBeNull();
      }
      expect(day.metric).toBe(day.metrics?.auc);
    }
  });

  it('the weighted windows show what version 2 did: more positives, lower precision, a larger ECE', () => {
    const { baseline, current } = data.windows;
    // 1,200 predictions a day, negatives kept at 25% with weight 4: the weights restore the volume.
    expect(Math.abs((baseline?.weight as number) - 7 * 1200) / (7 * 1200)).toBeLessThan(0.05);
    expect(Math.abs(current.weight - 7 * 1200) / (7 * 1200)).toBeLessThan(0.05);
    expect(current.positiveRate as number).toBeGreaterThan((baseline?.positiveRate as number) + 0.015);
    expect(current.metrics?.precision as number).toBeLessThan((baseline?.metrics?.precision as number) - 0.1);
    expect(current.metrics?.ece as number).toBeGreaterThan(2 * (baseline?.metrics?.ece as number));
    // Version 1 scores the truth itself: calibrated, so a small ECE.
    expect(baseline?.metrics?.ece as number).toBeLessThan(0.02);
  });

  it('the window figures equal an evaluation of each window alone', async () => {
    for (const [side, since, until] of [
      ['baseline', '2026-03-01', '2026-03-08'],
      ['current', '2026-03-08', undefined],
    ] as const) {
      const alone = await evaluatePredictions({
        selection: {
          directory: path.join(root, 'logs'),
          since: new Date(`${since}T00:00:00Z`),
          until: until === undefined ? undefined : new Date(`${until}T00:00:00Z`),
        },
        labels: { kind: 'file', file: path.join(root, 'labels.ndjson') },
        config: analyticsConfigSchema.parse({ ...config, evaluate: { cohorts: [] } }),
      });
      const c = alone.overall.classification;
      const w = side === 'baseline' ? data.windows.baseline : data.windows.current;
      for (const key of ['precision', 'recall', 'f1', 'ece'] as const) {
        expect(w?.metrics?.[key], `${side} ${key}`).toBeCloseTo(c?.[key] as number, 9);
      }
      expect(w?.metrics?.labelled).toBe(c?.count);
      // The window's AUC is merged from the days' histograms: within its bound of the exact one.
      expect(Math.abs((w?.metrics?.auc as number) - (c?.auc as number))).toBeLessThan(0.002);
    }
  });

  it('the calibration curves: bins hold the scored weight, version 2 scores above the observed rate', () => {
    const { baseline, current } = data.windows;
    const weight = (bins: ReadonlyArray<{ weight: number }>) => bins.reduce((s, b) => s + b.weight, 0);
    expect(weight(current.calibration ?? [])).toBeCloseTo(current.metrics?.labelledWeight as number, 6);
    expect(weight(baseline?.calibration ?? [])).toBeCloseTo(baseline?.metrics?.labelledWeight as number, 6);
    // Above 0.5 the current window over-predicts in every bin with weight behind it.
    for (const bin of current.calibration ?? []) {
      if (bin.lower >= 0.5 && bin.weight >= 30) expect(bin.meanScore).toBeGreaterThan(bin.positiveRate);
    }
    const gap = (bins: ReadonlyArray<{ meanScore: number; positiveRate: number; weight: number }>) =>
      bins.reduce((s, b) => s + b.weight * (b.meanScore - b.positiveRate), 0) / weight(bins);
    expect(gap(current.calibration ?? [])).toBeGreaterThan(gap(baseline?.calibration ?? []) + 0.01);
  });

  it('breaks down by version and by every cohort field found: on the record, in attributes, in features', () => {
    expect(data.breakdowns.map((b) => b.dimension)).toEqual(['version', 'segment', 'channel', 'region']);
    const versions = breakdown(data, 'version').values;
    expect(versions.map((v) => v.value)).toEqual(['1', '2']);
    const [v1, v2] = versions;
    expect(v2?.points.every((p) => p.date >= '2026-03-08')).toBe(true);
    expect(v2?.positiveRate as number).toBeGreaterThan(2 * (v1?.positiveRate as number));
    expect(v2?.metrics?.precision as number).toBeLessThan((v1?.metrics?.precision as number) - 0.15);
    expect(v2?.metrics?.ece as number).toBeGreaterThan(v1?.metrics?.ece as number);
    // Per day per version: no AUC (its histogram is kept per value only), the rest is there.
    const day = v2?.points[0];
    expect(day?.metrics?.auc).toBeNull();
    expect(day?.metrics?.precision).not.toBeNull();
    // The pos channel never got version 2: its precision holds; web's falls.
    const channels = new Map(breakdown(data, 'channel').values.map((v) => [v.value, v]));
    expect([...channels.keys()].sort()).toEqual(['app', 'pos', 'web']);
    const late = (value: string) => {
      const points = channels.get(value)?.points.filter((p) => p.date >= '2026-03-08') ?? [];
      const tp = points.reduce(
        (s, p) => s + (p.metrics?.precision ?? 0) * (p.positiveRate ?? 0) * p.weight,
        0,
      );
      const decided = points.reduce((s, p) => s + (p.positiveRate ?? 0) * p.weight, 0);
      return tp / decided;
    };
    expect(late('pos')).toBeGreaterThan(late('web') + 0.15);
    // Every breakdown adds up to the whole.
    for (const b of data.breakdowns) {
      const total = b.values.reduce((s, v) => s + v.records, 0);
      expect(total, b.dimension).toBe(scenario.length);
    }
  });

  it('the cohort fields are configurable; a field no record has is left out', async () => {
    const regions = await buildReport({
      selection: { directory: path.join(root, 'logs') },
      baseline: { kind: 'days', days: 7 },
      config: analyticsConfigSchema.parse({ report: { cohortFields: ['region', 'tier'] } }),
    });
    expect(regions.breakdowns.map((b) => b.dimension)).toEqual(['version', 'region']);
    // Without labels there are volumes and decision rates, no labelled figures.
    expect(
      breakdown(regions, 'region').values.every((v) => v.metrics === null && v.positiveRate !== null),
    ).toBe(true);
    const capped = await buildReport({
      selection: { directory: path.join(root, 'logs') },
      baseline: { kind: 'days', days: 7 },
      config: analyticsConfigSchema.parse({ report: { cohortFields: ['region'], maxCohortValues: 2 } }),
    });
    // The first two regions met keep their own line; the third is pooled.
    const values = breakdown(capped, 'region').values;
    expect(values).toHaveLength(3);
    expect(values.filter((v) => v.value === '(other)')).toHaveLength(1);
    expect(values.reduce((s, v) => s + v.records, 0)).toBe(scenario.length);
  });
});

describe('buildReport on a cohort field only some records have', () => {
  it('puts the others in "(none)", with volumes per day and labelled figures but no AUC', async () => {
    const data = await buildReport({
      selection: { directory: path.join(root, 'partial') },
      baseline: { kind: 'days', days: 1 },
      labels: { kind: 'file', file: path.join(root, 'partial-labels.ndjson') },
      config,
    });
    const channel = breakdown(data, 'channel');
    expect(channel.values.map((v) => [v.value, v.records])).toEqual([
      ['(none)', 600],
      ['web', 300],
    ]);
    const none = channel.values[0];
    expect(none?.points.map((p) => p.records)).toEqual([200, 200, 200]);
    expect(none?.points.reduce((s, p) => s + p.weight, 0)).toBeCloseTo(none?.weight as number, 9);
    // Volumes by difference agree with the labelled figures counted directly.
    expect(none?.metrics?.labelled).toBe(600);
    expect(none?.metrics?.auc).toBeNull();
    expect(none?.metrics?.precision).not.toBeNull();
    expect(channel.values[1]?.metrics?.auc).not.toBeNull();
    expect(none?.points[2]?.metrics?.labelled).toBe(200);
  });
});

describe('buildReport on one day of logs', () => {
  it('splits the day in halves and trends per hour', async () => {
    const data = await buildReport({
      selection: { directory: path.join(root, 'one-day') },
      baseline: { kind: 'days', days: 7 },
      labels: { kind: 'file', file: path.join(root, 'one-day-labels.ndjson') },
      config,
    });
    // The split falls inside an hour: each window is a cohort of its own.
    const { baseline, current } = data.windows;
    expect((baseline?.metrics?.labelled as number) + (current.metrics?.labelled as number)).toBe(2400);
    expect(baseline?.metrics?.labelled).toBe(data.drift.baseline.records);
    expect(baseline?.metrics?.auc).not.toBeNull();
    expect(data.baselineWindow).toMatchObject({ auto: true, how: 'auto: history is 1 day' });
    expect(data.period).toBe('hour');
    expect(data.daily).toHaveLength(24);
    expect(data.daily[0]?.date).toBe('2026-12-01T00:00Z');
    expect(data.daily.filter((d) => d.baseline)).toHaveLength(11);
    expect(data.drift.baseline.records + data.drift.current.records).toBe(2400);
    expect(data.drift.current.records).toBeGreaterThan(1100);
    // The 11:00 hour holds both windows: the current one is described from the split.
    expect(data.currentDescription).toBe(`${data.baselineWindow?.until.slice(0, 16)}Z to 2026-12-01T23:00Z`);
  });
});
