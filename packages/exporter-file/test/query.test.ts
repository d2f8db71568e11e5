import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredRecord } from '@predlog/schema';
import { expectedLine, type TempDir, tempDir, testServices } from '@predlog/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FileExporter,
  type FileExporterConfigInput,
  fileExporterConfigSchema,
  type QueryOptions,
  type QueryStats,
  queryRecords,
} from '../src/index.ts';
import { listFiles } from './support/data-files.ts';
import { predictionLogRecord } from './support/prediction-records.ts';

const MODELS = ['churn', 'fraud'] as const;
const DATES = ['2026-01-29', '2026-01-30', '2026-01-31'] as const;
const PER_PARTITION = 20;

let dir: TempDir;

function recordsOf(model: string, date: string, from: number, to: number) {
  return Array.from({ length: to - from }, (_, k) => {
    const i = from + k;
    return predictionLogRecord(
      {
        model_name: model,
        request_id: `${model}-${date}-${i}`,
        prediction_id: `p-${model}-${date}-${i}`,
        timestamp: `${date}T${String(i).padStart(2, '0')}:00:00.000Z`,
        score: i / 20,
        input_features: {
          amount: i,
          country: i % 2 === 0 ? 'DE' : 'FR',
          card_present: i % 3 === 0,
          merchant: null,
        },
      },
      i === 7 ? { 'app.tier': 'gold' } : {},
    );
  });
}

async function writeWith(config: Partial<FileExporterConfigInput>, from: number, to: number): Promise<void> {
  const exporter = new FileExporter(
    fileExporterConfigSchema.parse({ directory: dir.path, ...config }),
    testServices({ id: 'file', baseDir: dir.path }).services,
  );
  for (const model of MODELS) {
    for (const date of DATES)
      await exporter.send(recordsOf(model, date, from, to), new AbortController().signal);
  }
  await exporter.shutdown();
}

/** Runs a query to the end; returns the records and the stats it reported. */
async function run(options: Omit<QueryOptions, 'directory' | 'onStats'>) {
  let stats: QueryStats | undefined;
  const records: StoredRecord[] = [];
  for await (const record of queryRecords({ directory: dir.path, ...options, onStats: (s) => (stats = s) })) {
    records.push(record);
  }
  if (stats === undefined) throw new Error('no stats reported');
  return { records, stats, ids: records.map((record) => record.request_id) };
}

const TORN_PARTITION = 'model_name=fraud/date=2026-01-31';
let fileCount = 0;

beforeAll(async () => {
  dir = await tempDir('predlog-file-');
  // Three generations per partition: gzip files, plain files, hash-chained plain files.
  await writeWith({ compress: true }, 0, 8);
  await writeWith({ compress: false }, 8, 16);
  await writeWith({ compress: false, integrity: true }, 16, PER_PARTITION);
  // A file still being written by a live process (our own pid's parent), ending in a torn line.
  const live = `part-2026-01-31T23-00-00-000Z-${process.ppid}-000001.ndjson.inprogress`;
  const complete = recordsOf('fraud', '2026-01-31', 20, 22).map(expectedLine).join('\n');
  await writeFile(
    join(dir.path, TORN_PARTITION, live),
    `${complete}\n{"event":"ml.prediction","request_id":"fra`,
  );
  fileCount = (await listFiles(dir.path)).length;
});

afterAll(async () => {
  await dir.remove();
});

describe('queryRecords', () => {
  it('reads every record of gzip, plain, chained and in-progress files, skipping a torn last line', async () => {
    const { records, stats } = await run({});
    expect(fileCount).toBe(MODELS.length * DATES.length * 3 + 1);
    expect(records).toHaveLength(MODELS.length * DATES.length * PER_PARTITION + 2);
    expect(stats).toMatchObject({ filesRead: fileCount, filesPruned: 0, partitionsPruned: 0, tornLines: 1 });
    expect(stats.invalidLines).toBe(0);
    expect(new Set(records.map((record) => record.request_id)).size).toBe(records.length);
  });

  it('returns records exactly as stored, without the chain fields of integrity files', async () => {
    const { records } = await run({ requestId: 'fraud-2026-01-30-17' });
    expect(records).toHaveLength(1);
    const [expected] = recordsOf('fraud', '2026-01-30', 17, 18);
    expect(records[0]).toEqual(JSON.parse(expectedLine(expected!)));
    expect(records[0]).not.toHaveProperty('_seq');
    expect(records[0]).not.toHaveProperty('_prev');
  });

  it('prunes other models by partition, counting the files it did not open', async () => {
    const { records, stats } = await run({ model: 'churn' });
    expect(records).toHaveLength(DATES.length * PER_PARTITION);
    expect(records.every((record) => record.model_name === 'churn')).toBe(true);
    expect(stats).toMatchObject({
      partitionsPruned: 1,
      filesPruned: DATES.length * 3 + 1,
      filesRead: DATES.length * 3,
    });
  });

  it('prunes dates outside [since, until): since inclusive, until exclusive', async () => {
    const { records, stats } = await run({
      since: new Date('2026-01-30T00:00:00.000Z'),
      until: new Date('2026-01-31T00:00:00.000Z'),
    });
    expect(records).toHaveLength(MODELS.length * PER_PARTITION);
    expect(records.every((record) => record.timestamp.startsWith('2026-01-30'))).toBe(true);
    expect(stats.partitionsPruned).toBe(MODELS.length * 2);
    expect(stats.filesRead).toBe(MODELS.length * 3);
  });

  it('filters by time within a partition', async () => {
    const { ids } = await run({
      model: 'fraud',
      since: new Date('2026-01-30T05:00:00.000Z'),
      until: new Date('2026-01-30T07:00:00.000Z'),
    });
    expect(ids).toEqual(['fraud-2026-01-30-5', 'fraud-2026-01-30-6']);
  });

  it('matches where conditions on the JSON text of scalars', async () => {
    const amount = await run({ model: 'fraud', where: [{ path: 'input_features.amount', value: '3' }] });
    expect(amount.ids).toEqual(DATES.map((date) => `fraud-${date}-3`));

    const score = await run({
      where: [
        { path: 'score', value: '0.25' },
        { path: 'model_name', value: 'churn' },
      ],
    });
    expect(score.ids).toEqual(DATES.map((date) => `churn-${date}-5`));

    const flags = await run({
      since: new Date('2026-01-31T00:00:00.000Z'),
      where: [
        { path: 'input_features.card_present', value: 'true' },
        { path: 'input_features.country', value: 'DE' },
        { path: 'input_features.merchant', value: 'null' },
      ],
    });
    expect(flags.ids).toEqual(
      ['churn', 'fraud'].flatMap((model) => [0, 6, 12, 18].map((i) => `${model}-2026-01-31-${i}`)),
    );
  });

  it('resolves dotted attribute keys and never matches objects or missing paths', async () => {
    const tier = await run({ model: 'churn', where: [{ path: 'attributes.app.tier', value: 'gold' }] });
    expect(tier.ids).toEqual(DATES.map((date) => `churn-${date}-7`));
    expect((await run({ where: [{ path: 'input_features', value: '{}' }] })).records).toHaveLength(0);
    expect((await run({ where: [{ path: 'no.such.field', value: 'x' }] })).records).toHaveLength(0);
    expect((await run({ where: [{ path: 'input_features.amount', value: '3.0' }] })).records).toHaveLength(0);
  });

  it('finds one request by id', async () => {
    const { records, stats } = await run({ requestId: 'churn-2026-01-29-11' });
    expect(records.map((record) => record.prediction_id)).toEqual(['p-churn-2026-01-29-11']);
    expect(stats.recordsMatched).toBe(1);
  });

  it('stops at the limit and still reports its stats', async () => {
    const { records, stats } = await run({ limit: 5 });
    expect(records).toHaveLength(5);
    expect(stats.recordsMatched).toBe(5);
    expect(stats.filesRead).toBe(1);
  });

  it('rejects a directory that does not exist', async () => {
    await expect(queryRecords({ directory: join(dir.path, 'missing') }).next()).rejects.toThrow(/ENOENT/);
  });
});
