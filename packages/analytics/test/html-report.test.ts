import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  analyticsConfigSchema,
  buildReport,
  QuantileSketch,
  renderHtmlReport,
  scoreHistogram,
} from '../src/index.ts';
import { removeDir, tempDir, writeLines, writePartitions } from './support/partition-files.ts';
import { syntheticPredictions } from './support/synthetic-predictions.ts';

let root: string;
const generated = [
  ...syntheticPredictions({ seed: 51, count: 3000, days: 3, start: '2026-03-01T00:00:00.000Z' }),
  ...syntheticPredictions({
    seed: 52,
    count: 3000,
    days: 3,
    start: '2026-03-04T00:00:00.000Z',
    shiftA: 1,
    requestPrefix: 'n',
  }),
];

beforeAll(async () => {
  root = await tempDir('report');
  // A feature name that would be markup if it were not escaped.
  const records = generated.map((g) => ({
    ...g.record,
    input_features: { ...(g.record.input_features as object), '<img src=x onerror=alert(1)>': 1 },
  }));
  await writePartitions(path.join(root, 'logs'), records);
  await writeLines(
    path.join(root, 'labels.ndjson'),
    generated.map((g) =>
      JSON.stringify({ request_id: g.record.request_id, label: g.positive ? 'fraud' : 'legit' }),
    ),
  );
});

afterAll(async () => {
  await removeDir(root);
});

describe('the HTML report', () => {
  it('is one self-contained page: inline SVG charts, no script, no external reference, values escaped', async () => {
    const config = analyticsConfigSchema.parse({ classification: { positiveLabels: ['fraud'] } });
    const data = await buildReport({
      selection: { directory: path.join(root, 'logs') },
      baseline: { kind: 'days', days: 3 },
      labels: { kind: 'file', file: path.join(root, 'labels.ndjson') },
      config,
    });
    const html = renderHtmlReport(data);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    // No attribute that loads anything: the page must open offline.
    expect(html).not.toMatch(/\s(src|href|xlink:href)=["']/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<(img|link|iframe|object|embed)\b/i);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    // The trends of every metric, the calibration curve, the breakdown by segment (version has one
    // value: a table, no lines), the score histograms and PSI per feature.
    const charts = [...html.matchAll(/<svg [^>]*data-chart="([^"]+)"/g)].map((m) => m[1]);
    expect(charts).toEqual([
      'trend-auc',
      'trend-precision',
      'trend-recall',
      'trend-f1',
      'trend-ece',
      'trend-actual-rate',
      'trend-positive-rate',
      'trend-mean-score',
      'calibration',
      'segment-positive-rate',
      'segment-precision',
      'segment-recall',
      'segment-f1',
      'segment-ece',
      'score-histogram',
      'psi',
    ]);
    expect(html).toContain('AUC-ROC per day');
    expect(html).toContain('data-table="by-version"');
    expect(data.metricName).toBe('AUC');
    expect(data.breakdowns.map((b) => b.dimension)).toEqual(['version', 'segment']);
    // One pass over baseline and current days: every day is on the trend, the first 3 shaded.
    expect(data.daily.map((d) => `${d.date}${d.baseline ? ' b' : ''}`)).toEqual([
      '2026-03-01 b',
      '2026-03-02 b',
      '2026-03-03 b',
      '2026-03-04',
      '2026-03-05',
      '2026-03-06',
    ]);
    expect(data.daily.every((d) => (d.metric as number) > 0.6)).toBe(true);
    expect(data.drift.baseline.records).toBe(3000);
    expect(data.drift.current.records).toBe(3000);
    expect(data.drift.features[0]?.name).toBe('a');
    expect(data.evaluation?.join.matchRate).toBe(1);
    expect(html).toContain('class="baseline-band"');
  });

  it('without labels the trend shows the positive decision rate', async () => {
    const data = await buildReport({
      selection: { directory: path.join(root, 'logs') },
      baseline: { kind: 'days', days: 3 },
      config: analyticsConfigSchema.parse({}),
    });
    expect(data.metricName).toBeNull();
    const html = renderHtmlReport(data);
    expect(html).toContain('No labels joined: the trends show the decisions and scores only.');
    const charts = [...html.matchAll(/<svg [^>]*data-chart="([^"]+)"/g)].map((m) => m[1]);
    expect(charts).toEqual([
      'trend-positive-rate',
      'trend-mean-score',
      'segment-positive-rate',
      'score-histogram',
      'psi',
    ]);
    expect(data.windows.current.metrics).toBeNull();
    expect(data.daily.every((d) => d.metrics === null)).toBe(true);
  });

  it('score histograms share equal-width bins on [0, 1] and each sums to 1', () => {
    const baseline = new QuantileSketch(0.01);
    const current = new QuantileSketch(0.01);
    for (let i = 0; i < 100; i++) {
      baseline.add(0.05 + (i % 10) / 10, 1);
      current.add(0.95, 2);
    }
    const h = scoreHistogram(baseline, current, 10);
    expect(h?.labels).toHaveLength(10);
    expect(h?.labels[0]).toBe('0');
    // Baseline: ten scores 0.05, 0.15, …, 0.95, one per bin; current: all in the last bin.
    for (const share of h?.baseline ?? []) expect(share).toBeCloseTo(0.1, 12);
    expect(h?.current[9]).toBe(1);
  });
});
