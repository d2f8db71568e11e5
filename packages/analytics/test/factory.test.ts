import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalytics } from '../src/index.ts';
import { removeDir, tempDir, writeLines, writePartitions } from './support/partition-files.ts';
import { syntheticPredictions } from './support/synthetic-predictions.ts';

let root: string;
const generated = syntheticPredictions({ seed: 61, count: 200, days: 2 });

beforeAll(async () => {
  root = await tempDir('factory');
  await writePartitions(
    path.join(root, 'logs'),
    generated.map((g) => g.record),
  );
  await writeLines(
    path.join(root, 'labels.ndjson'),
    generated
      .slice(0, 100)
      .map((g) => JSON.stringify({ request_id: g.record.request_id, label: g.positive ? 'yes' : 'no' })),
  );
});

afterAll(async () => {
  await removeDir(root);
});

describe('createAnalytics', () => {
  it('parses the configuration and binds every analysis to it', async () => {
    const analytics = createAnalytics({
      classification: { positiveLabels: ['yes'] },
      join: { minMatchRate: 0.99 },
    });
    expect(analytics.config.classification.positiveLabels).toEqual(['yes']);
    expect(analytics.config.drift.psiBins).toBe(10);
    const selection = { directory: path.join(root, 'logs') };
    const labels = { kind: 'file' as const, file: path.join(root, 'labels.ndjson') };
    const counts = await analytics.joinCounts(selection, labels);
    expect(counts).toMatchObject({ matchRate: 1, minMatchRate: 0.99, belowMinimum: false });
    const joined: string[] = [];
    await analytics.join(selection, labels, (record) => {
      joined.push(String(record.request_id));
    });
    expect(joined).toHaveLength(100);
    const evaluation = await analytics.evaluate(selection, labels);
    expect(evaluation.overall.classification?.count).toBe(100);
    expect((await analytics.drift(selection, { kind: 'days', days: 1 })).report.baseline.records).toBe(100);
    let days = 0;
    await analytics.dailyStats(selection, () => {
      days++;
    });
    expect(days).toBe(2);
    expect((await analytics.shadow(selection)).pairs.count).toBe(0);
    expect((await analytics.report(selection, { kind: 'days', days: 1 }, labels)).html).toContain('<svg');
  });

  it('throws on an invalid configuration', () => {
    expect(() => createAnalytics({ join: { maxKeysInMemory: 1 } })).toThrow(/maxKeysInMemory/);
  });
});
