import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  analyticsConfigSchema,
  computeDailyStats,
  type DailyStats,
  DailyStatsFile,
  InputFileError,
  readBaselineFile,
} from '../src/index.ts';
import { type Row, removeDir, tempDir, writePartitions } from './support/partition-files.ts';

let root: string;
const config = analyticsConfigSchema.parse({});

function record(model: string, day: string, i: number, x: number, extra: Row = {}): Row {
  return {
    event: 'ml.prediction',
    timestamp: `${day}T${String(i % 24).padStart(2, '0')}:00:00.000Z`,
    request_id: `${model}-${day}-${i}`,
    prediction_id: `${model}-${day}-${i}`,
    model_name: model,
    model_version: '1',
    input_features: { x, kind: i % 4 === 0 ? 'a' : 'b' },
    prediction: x > 50 ? 'yes' : 'no',
    score: x / 100,
    threshold: 0.5,
    latency_ms: 10,
    serving_node: 'n',
    ...extra,
  };
}

beforeAll(async () => {
  root = await tempDir('stats');
  const records: Row[] = [];
  // Day 1: x = 1 … 100. Day 2: x = 1 … 10 with weight 3. Day 3: x = 7 once. Model b: one day.
  for (let i = 1; i <= 100; i++) records.push(record('a', '2026-03-01', i, i));
  for (let i = 1; i <= 10; i++) records.push(record('a', '2026-03-02', i, i, { sampling_weight: 3 }));
  records.push(record('a', '2026-03-03', 1, 7));
  for (let i = 1; i <= 5; i++) records.push(record('b', '2026-03-02', i, 100 + i));
  await writePartitions(path.join(root, 'logs'), records);
});

afterAll(async () => {
  await removeDir(root);
});

async function collect(selection: Record<string, unknown> = {}): Promise<DailyStats[]> {
  const days: DailyStats[] = [];
  await computeDailyStats(
    { selection: { directory: path.join(root, 'logs'), ...selection }, config },
    (day) => {
      days.push(day);
    },
  );
  return days;
}

describe('computeDailyStats', () => {
  it('one line per model and UTC day, in order, with count, mean, std and percentiles', async () => {
    const days = await collect();
    expect(days.map((d) => `${d.model} ${d.date}`)).toEqual([
      'a 2026-03-01',
      'a 2026-03-02',
      'a 2026-03-03',
      'b 2026-03-02',
    ]);
    const [first, second, third] = days;
    const x = first?.features.x;
    // 1 … 100: mean 50.5, population variance (100² − 1)/12 = 833.25, std 28.866.
    expect(x?.count).toBe(100);
    expect(x?.mean).toBeCloseTo(50.5, 12);
    expect(x?.std).toBeCloseTo(Math.sqrt(833.25), 9);
    // Exact weighted quantiles 5, 25, 50, 75, 95, each within ±1% (α).
    const exact = { p5: 5, p25: 25, p50: 50, p75: 75, p95: 95 };
    for (const [key, value] of Object.entries(exact)) {
      expect(Math.abs((x?.[key as keyof typeof exact] as number) - value)).toBeLessThanOrEqual(0.01 * value);
    }
    expect(first?.score.p50).toBeCloseTo(0.5, 2);
    expect(first?.latencyMs).toMatchObject({ mean: 10, p5: 10, p95: 10, std: 0 });
    // Decision: score x/100 ≥ threshold 0.5, so x = 50 … 100: 51 of 100.
    expect(first?.positiveRate).toBe(0.51);
    expect(first?.features.kind?.top).toEqual([
      { value: 'b', share: 0.75 },
      { value: 'a', share: 0.25 },
    ]);
    // Day 2: 10 records of weight 3 stand for 30 predictions; the mean is unchanged by equal weights.
    expect(second?.records).toBe(10);
    expect(second?.weight).toBe(30);
    expect(second?.features.x?.mean).toBeCloseTo(5.5, 12);
    // Ten distinct values are kept exactly: the percentiles are the exact ones, not bucket midpoints.
    expect(second?.features.x).toMatchObject({ exactPercentiles: true, p5: 1, p25: 3, p50: 5, p95: 10 });
    expect(x?.exactPercentiles).toBe(false);
    expect(third?.features.x).toMatchObject({ count: 1, mean: 7, std: 0, p5: 7, p95: 7 });
    expect(first?.relativeAccuracy).toBe(0.01);
  });

  it('honours the model and the window', async () => {
    const days = await collect({
      model: 'a',
      since: new Date('2026-03-02T00:00:00Z'),
      until: new Date('2026-03-03T00:00:00Z'),
    });
    expect(days.map((d) => d.date)).toEqual(['2026-03-02']);
  });
});

describe('DailyStatsFile', () => {
  it('keeps old days, replaces recomputed ones, stays sorted, and the lines merge into a baseline', async () => {
    const file = path.join(root, 'stats.ndjson');
    const all = await collect();
    const first = DailyStatsFile.open(file);
    for (const day of all) await first.add(day);
    expect(await first.close()).toEqual({ written: 4, kept: 0 });
    // A later run recomputes only 2026-03-02 of model a.
    const again = (
      await collect({
        model: 'a',
        since: new Date('2026-03-02T00:00:00Z'),
        until: new Date('2026-03-03T00:00:00Z'),
      })
    )[0] as DailyStats;
    const second = DailyStatsFile.open(file);
    await second.add({ ...again, records: 999 });
    expect(await second.close()).toEqual({ written: 1, kept: 3 });
    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as DailyStats);
    expect(lines.map((d) => `${d.model} ${d.date} ${d.records}`)).toEqual([
      'a 2026-03-01 100',
      'a 2026-03-02 999',
      'a 2026-03-03 1',
      'b 2026-03-02 5',
    ]);
    // The file is a baseline: its profiles merge (4 days, 116 records, weight 136).
    const baseline = await readBaselineFile(file, config);
    expect(baseline.profiles).toBe(4);
    expect(baseline.profile.records).toBe(116);
    expect(baseline.profile.weight).toBe(136);
  });

  it('refuses days out of order and a file that is not a stats file', async () => {
    const all = await collect();
    const writer = DailyStatsFile.open(path.join(root, 'order.ndjson'));
    await writer.add(all[1] as DailyStats);
    await expect(writer.add(all[0] as DailyStats)).rejects.toThrow(RangeError);
    await writer.close();
    const foreign = path.join(root, 'foreign.ndjson');
    await writeFile(foreign, '{"hello":1}\n');
    const merge = DailyStatsFile.open(foreign);
    await merge.add(all[0] as DailyStats);
    await expect(merge.close()).rejects.toThrow(InputFileError);
    expect(await readFile(foreign, 'utf8')).toBe('{"hello":1}\n');
  });
});
