import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createAnalytics, type DailyStats, type LogSelection } from '@predlog/analytics';
import type { PredictionInput } from '@predlog/core';
import { compactDirectory } from '@predlog/exporter-file';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fraudPredictions, type Generated } from './analytics-fixtures.ts';
import { writeWithFileExporter } from './log-fixtures.ts';

// Issue 15: after `compactDirectory` turns closed days into Parquet, the analytics must give the
// very same figures as from the NDJSON they replaced (the old scanner saw no record of those days).

let root: string;
let logs: string;

function asInput(g: Generated): PredictionInput {
  const r = g.record;
  return {
    requestId: String(r.request_id),
    predictionId: String(r.prediction_id),
    timestamp: String(r.timestamp),
    features: r.input_features as Record<string, unknown>,
    prediction: r.prediction,
    score: Number(r.score),
    threshold: Number(r.threshold),
    latencyMs: Number(r.latency_ms),
    servingNode: String(r.serving_node),
    entityId: String(r.entity_id),
    segment: String(r.segment),
  };
}

const baseline = fraudPredictions({ seed: 15, count: 600, start: '2026-01-10', days: 5, prefix: 'b' });
const current = fraudPredictions({
  seed: 16,
  count: 600,
  start: '2026-01-15',
  days: 5,
  shift: 4,
  prefix: 'c',
});
const labelled = [...baseline, ...current].filter((_, i) => i % 3 === 0);

const selection = (): LogSelection => ({
  directory: logs,
  model: 'fraud-xgb',
  since: new Date('2026-01-15T00:00:00.000Z'),
  until: new Date('2026-01-20T00:00:00.000Z'),
});

async function figures(): Promise<string> {
  const analytics = createAnalytics();
  const evaluation = await analytics.evaluate(selection(), { kind: 'feedback' });
  const drift = await analytics.drift(selection(), { kind: 'days', days: 5 });
  const days: DailyStats[] = [];
  const stats = await analytics.dailyStats({ directory: logs, model: 'fraud-xgb' }, (day) => {
    days.push(day);
  });
  return JSON.stringify({ evaluation, drift, days, stats });
}

async function dataFiles(): Promise<string[]> {
  const entries = await readdir(logs, { recursive: true });
  return entries.filter((name) => path.basename(name).startsWith('part-')).sort();
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'predlog-cli-compacted-'));
  logs = path.join(root, 'logs');
  await writeWithFileExporter(logs, [...baseline, ...current].map(asInput), {
    feedback: labelled.map((g) => ({
      requestId: String(g.record.request_id),
      label: g.fraud ? 'fraud' : 'legit',
    })),
  });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('analytics over compacted (Parquet) days', () => {
  it('evaluate, drift and daily stats give identical reports before and after compaction', async () => {
    const before = await figures();
    const parsed = JSON.parse(before) as {
      evaluation: { join: { labels: { matched: number } } };
      days: unknown[];
      stats: { records: number };
    };
    expect(parsed.stats.records).toBe(1200);
    expect(parsed.days).toHaveLength(10);
    // Labels of the current window only (the rest are of the baseline days).
    expect(parsed.evaluation.join.labels.matched).toBe(
      labelled.filter((g) => String(g.record.request_id).startsWith('c')).length,
    );
    expect((await dataFiles()).every((name) => name.endsWith('.ndjson'))).toBe(true);

    // Today's feedback partition too: every record is then read from Parquet.
    const report = await compactDirectory({ directory: logs, includeToday: true, threads: 1 });
    expect(report.skipped).toEqual([]);
    const files = await dataFiles();
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((name) => name.endsWith('.parquet'))).toBe(true);

    expect(await figures()).toBe(before);
  });
});
