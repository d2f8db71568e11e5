import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyticsConfigSchema, type GroundTruth, joinLabels, type LabelSource } from '../src/index.ts';
import { type Row, removeDir, tempDir, writeLines, writePartitions } from './support/partition-files.ts';
import { syntheticPredictions } from './support/synthetic-predictions.ts';

let root: string;
let logs: string;
const generated = syntheticPredictions({ seed: 21, count: 2000, days: 4, start: '2026-03-01T00:00:00.000Z' });

beforeAll(async () => {
  root = await tempDir('join');
  logs = path.join(root, 'logs');
  // Half the days plain, half gzipped, as a rotating exporter leaves them.
  await writePartitions(
    logs,
    generated.slice(0, 1000).map((g) => g.record),
    {},
  );
  await writePartitions(
    logs,
    generated.slice(1000).map((g) => g.record),
    { gzip: true },
  );
  // Labels for the first 1500 predictions, 100 for unknown requests, 50 corrections with later times.
  const lines: string[] = [];
  generated.slice(0, 1500).forEach((g, i) => {
    lines.push(
      JSON.stringify({
        request_id: g.record.request_id,
        label: g.positive ? 'fraud' : 'legit',
        timestamp: `2026-03-10T00:00:${String(i % 60).padStart(2, '0')}.000Z`,
      }),
    );
  });
  for (let i = 0; i < 100; i++) lines.push(JSON.stringify({ request_id: `unknown-${i}`, label: 'fraud' }));
  for (const g of generated.slice(0, 50)) {
    lines.push(
      JSON.stringify({
        request_id: g.record.request_id,
        label: 'corrected',
        timestamp: '2026-03-20T00:00:00.000Z',
      }),
    );
  }
  lines.push(
    'not json',
    JSON.stringify({ label: 'fraud' }),
    JSON.stringify({ event: 'ml.prediction', request_id: 'x' }),
  );
  await writeLines(path.join(root, 'labels.ndjson'), lines);
});

afterAll(async () => {
  await removeDir(root);
});

async function join(labels: LabelSource, joinConfig: Record<string, unknown> = {}) {
  const config = analyticsConfigSchema.parse({ join: joinConfig });
  const pairs = new Map<string, { truth: GroundTruth; weight: number }>();
  const report = await joinLabels<Row>({
    selection: { directory: logs },
    labels,
    join: config.join,
    project: (record) => record,
    onJoined: (record, truth, weight) => {
      pairs.set(`${record.request_id}|${record.prediction_id}`, { truth, weight });
    },
  });
  return { report, pairs };
}

describe('joinLabels by request id', () => {
  it('joins every label to its prediction and reports the match rate', async () => {
    const { report, pairs } = await join({ kind: 'file', file: path.join(root, 'labels.ndjson') });
    // 1500 + 100 + 50 labels, 3 more lines that are not labels; 50 are later duplicates.
    expect(report.labels).toMatchObject({
      read: 1653,
      invalid: 2,
      skipped: 1,
      duplicates: 50,
      used: 1600,
      matched: 1500,
    });
    // 1500 of the 1600 labels found their prediction.
    expect(report.matchRate).toBe(1500 / 1600);
    expect(report.belowMinimum).toBe(false);
    expect(report.joined.count).toBe(1500);
    expect(report.predictions.count).toBe(2000);
    expect(report.coverage).toBe(0.75);
    expect(report.spill).toBeNull();
    expect(pairs.size).toBe(1500);
    // The later label of a request wins.
    const first = generated[0]?.record;
    expect(pairs.get(`${first?.request_id}|${first?.prediction_id}`)?.truth.label).toBe('corrected');
    const last = generated[1499]?.record;
    expect(pairs.get(`${last?.request_id}|${last?.prediction_id}`)?.truth.label).toBe(
      generated[1499]?.positive ? 'fraud' : 'legit',
    );
  });

  it('warns under the configured minimum', async () => {
    const { report } = await join(
      { kind: 'file', file: path.join(root, 'labels.ndjson') },
      { minMatchRate: 0.95 },
    );
    expect(report.belowMinimum).toBe(true);
  });

  it('gives the same pairs when it spills to disk, through two levels of partitions', async () => {
    const inMemory = await join({ kind: 'file', file: path.join(root, 'labels.ndjson') });
    const spilled = await join(
      { kind: 'file', file: path.join(root, 'labels.ndjson') },
      { maxKeysInMemory: 200, spillPartitions: 4, spillDirectory: path.join(root, 'spill') },
    );
    expect(spilled.report.spill?.partitions).toBe(4);
    // 1600 labels over 4 partitions is ~400 each, over the cap of 200: each is split again.
    expect(spilled.report.spill?.levels).toBeGreaterThanOrEqual(2);
    expect(spilled.report.labels).toEqual(inMemory.report.labels);
    expect(spilled.report.matchRate).toBe(inMemory.report.matchRate);
    expect([...spilled.pairs.keys()].sort()).toEqual([...inMemory.pairs.keys()].sort());
    for (const [key, pair] of inMemory.pairs)
      expect(spilled.pairs.get(key)?.truth.label).toBe(pair.truth.label);
  });

  it('reads CSV labels (quoted fields, CRLF, a BOM, extra columns, gzip)', async () => {
    const rows = generated
      .slice(0, 10)
      .map((g, i) => `"${g.record.request_id}",${i % 2 === 0 ? '"fra""ud"' : 'legit'},ignored`);
    const file = path.join(root, 'labels.csv.gz');
    await writeLines(file, ['\uFEFFrequest_id,label,note\r', ...rows.map((r) => `${r}\r`), ''], true);
    const { report, pairs } = await join({ kind: 'file', file });
    expect(report.labels.read).toBe(10);
    expect(report.labels.matched).toBe(10);
    const first = generated[0]?.record;
    expect(pairs.get(`${first?.request_id}|${first?.prediction_id}`)?.truth.label).toBe('fra"ud');
  });

  it('rejects a CSV without a key or label column', async () => {
    const file = path.join(root, 'bad.csv');
    await writeLines(file, ['id,outcome', 'a,1']);
    await expect(join({ kind: 'file', file })).rejects.toThrow('neither request_id nor entity_id');
  });

  it('takes labels from ml.feedback records in the tree, in the model partition and in _unknown', async () => {
    const feedbackRoot = path.join(root, 'with-feedback');
    await writePartitions(
      feedbackRoot,
      generated.slice(0, 20).map((g) => g.record),
    );
    await writePartitions(feedbackRoot, [
      ...generated.slice(0, 5).map((g) => ({
        event: 'ml.feedback',
        timestamp: '2026-03-05T00:00:00.000Z',
        request_id: g.record.request_id,
        model_name: 'fraud',
        label: 'fraud',
        source: 'chargeback-feed',
      })),
      ...generated.slice(5, 8).map((g) => ({
        event: 'ml.feedback',
        timestamp: '2026-03-05T00:00:00.000Z',
        request_id: g.record.request_id,
        label: 'legit',
        source: 'support',
      })),
    ]);
    const config = analyticsConfigSchema.parse({});
    const labels: string[] = [];
    const report = await joinLabels({
      selection: { directory: feedbackRoot, model: 'fraud' },
      labels: { kind: 'feedback' },
      join: config.join,
      project: (record) => record.request_id,
      onJoined: (_id, truth) => {
        labels.push(String(truth.label));
      },
    });
    expect(report.labels.read).toBe(8);
    expect(report.matchRate).toBe(1);
    expect(labels.sort()).toEqual([...Array(5).fill('fraud'), ...Array(3).fill('legit')]);
    expect(report.feedbackLogs?.records).toBe(8);
  });
});

describe('joinLabels by entity and time', () => {
  const HOUR = 3_600_000;
  const t0 = Date.parse('2026-04-01T00:00:00.000Z');
  const at = (hours: number) => new Date(t0 + hours * HOUR).toISOString();
  const prediction = (id: string, entity: string, hours: number, extra: Row = {}): Row => ({
    event: 'ml.prediction',
    timestamp: at(hours),
    request_id: id,
    prediction_id: id,
    model_name: 'churn',
    model_version: '1',
    entity_id: entity,
    input_features: {},
    prediction: 1,
    score: 0.7,
    latency_ms: 1,
    serving_node: 'n',
    ...extra,
  });

  let dir: string;
  beforeAll(async () => {
    dir = path.join(root, 'entity');
    const records: Row[] = [
      prediction('e1-0h', 'e1', 0),
      prediction('e1-5h', 'e1', 5, { sampling_weight: 4 }),
      prediction('e1-10h', 'e1', 10),
      prediction('e2-1h', 'e2', 1),
    ];
    // Many other entities, so a small in-memory cap forces the spill.
    for (let i = 0; i < 300; i++) records.push(prediction(`bulk-${i}`, `b${i}`, 2 + (i % 20)));
    await writePartitions(path.join(dir, 'logs'), records);
    const labels = [
      { entity_id: 'e1', label: 'near-5h', timestamp: at(6) }, // 1 h from 5h: joins e1-5h
      { entity_id: 'e1', label: 'tie', timestamp: at(7.5) }, // 2.5 h from 5h and 10h: the earlier wins
      { entity_id: 'e1', label: 'too-far', timestamp: at(20) }, // 10 h from 10h: outside ±3 h
      { entity_id: 'e3', label: 'no-entity', timestamp: at(1) },
      { entity_id: 'e2', label: 'no-time' },
      ...Array.from({ length: 300 }, (_, i) => ({
        entity_id: `b${i}`,
        label: `b${i}`,
        timestamp: at(2 + (i % 20) + 0.5),
      })),
    ];
    await writeLines(
      path.join(dir, 'labels.ndjson'),
      labels.map((l) => JSON.stringify(l)),
    );
  });

  async function entityJoin(extra: Record<string, unknown> = {}) {
    const config = analyticsConfigSchema.parse({ join: { on: 'entity_id', windowMs: 3 * HOUR, ...extra } });
    const pairs = new Map<string, { id: string; weight: number }>();
    const report = await joinLabels({
      selection: { directory: path.join(dir, 'logs') },
      labels: { kind: 'file', file: path.join(dir, 'labels.ndjson') },
      join: config.join,
      project: (record) => String(record.request_id),
      onJoined: (id, truth, weight) => {
        pairs.set(String(truth.label), { id, weight });
      },
    });
    return { report, pairs };
  }

  it('joins each label to the closest prediction of its entity within the window', async () => {
    const { report, pairs } = await entityJoin();
    expect(pairs.get('near-5h')).toEqual({ id: 'e1-5h', weight: 4 });
    expect(pairs.get('tie')?.id).toBe('e1-5h');
    expect(pairs.has('too-far')).toBe(false);
    expect(pairs.has('no-entity')).toBe(false);
    expect(pairs.get('b7')?.id).toBe('bulk-7');
    // A label without a time cannot be placed: counted as without key.
    expect(report.labels.withoutKey).toBe(1);
    expect(report.labels.used).toBe(304);
    expect(report.labels.matched).toBe(302);
    expect(report.windowMs).toBe(3 * HOUR);
  });

  it('gives the same pairs when it spills', async () => {
    const memory = await entityJoin();
    const spilled = await entityJoin({ maxKeysInMemory: 16, spillPartitions: 4 });
    expect(spilled.report.spill).not.toBeNull();
    expect(spilled.report.labels.matched).toBe(memory.report.labels.matched);
    expect(Object.fromEntries(spilled.pairs)).toEqual(Object.fromEntries(memory.pairs));
  });
});
