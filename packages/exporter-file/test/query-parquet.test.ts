import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { type LogRecordLike, PredlogLogRecord } from '@predlog/core';
import { feedbackToLogParts } from '@predlog/schema';
import { type TempDir, tempDir, testServices } from '@predlog/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compactDirectory,
  FileExporter,
  fileExporterConfigSchema,
  type QueryOptions,
  type QueryStats,
  queryRecords,
} from '../src/index.ts';
import { listFiles } from './support/data-files.ts';
import { predictionLogRecord } from './support/prediction-records.ts';

const DATES = ['2026-01-29', '2026-01-30'] as const;
let dir: TempDir;

function feedback(date: string, i: number, label: unknown): LogRecordLike {
  const parts = feedbackToLogParts({
    schema_version: 1,
    request_id: `req-${date}-${i}`,
    model_name: 'fraud',
    timestamp: `${date}T${String(i).padStart(2, '0')}:30:00.000Z`,
    label: label as string,
    source: 'chargeback',
  });
  return new PredlogLogRecord({
    hrTime: [Math.floor(parts.timeUnixMs / 1000), (parts.timeUnixMs % 1000) * 1e6],
    resource: resourceFromAttributes({ 'service.name': 'fraud-service' }),
    instrumentationScope: { name: '@predlog/core' },
    attributes: parts.attributes as PredlogLogRecord['attributes'],
    body: {},
    eventName: parts.eventName,
    jsonSafe: false,
  });
}

function batch(date: string, from: number, to: number): LogRecordLike[] {
  const out: LogRecordLike[] = [];
  for (let i = from; i < to; i++) {
    out.push(
      predictionLogRecord(
        {
          request_id: `req-${date}-${i}`,
          prediction_id: `p-${date}-${i}`,
          timestamp: `${date}T${String(i).padStart(2, '0')}:00:00.000Z`,
          score: i / 20,
          prediction: i % 2 === 0 ? 'fraud' : 1,
          input_features: { amount: i + 0.5, country: i % 2 === 0 ? 'DE' : 'FR', merchant: null },
        },
        i === 3 ? { 'ml.sampling.weight': 10, 'app.tier': 'gold' } : {},
      ),
    );
    // Labels of each JSON type: they must come back as logged, not as text.
    if (i % 3 === 0) out.push(feedback(date, i, [true, 0, 'fraud'][(i / 3) % 3]));
  }
  return out;
}

async function write(config: Record<string, unknown>, from: number, to: number): Promise<void> {
  const exporter = new FileExporter(
    fileExporterConfigSchema.parse({ directory: dir.path, ...config }),
    testServices({ id: 'file', baseDir: dir.path }).services,
  );
  for (const date of DATES) await exporter.send(batch(date, from, to), new AbortController().signal);
  await exporter.shutdown();
}

async function query(
  options: Omit<QueryOptions, 'directory'> = {},
): Promise<{ lines: string[]; stats: QueryStats }> {
  let stats: QueryStats | undefined;
  const lines: string[] = [];
  for await (const record of queryRecords({ directory: dir.path, ...options, onStats: (s) => (stats = s) }))
    lines.push(JSON.stringify(record));
  return { lines, stats: stats as QueryStats };
}

const QUERIES: Array<Omit<QueryOptions, 'directory'>> = [
  {},
  { requestId: 'req-2026-01-30-3' },
  { model: 'fraud', since: new Date('2026-01-29T05:00:00Z'), until: new Date('2026-01-30T02:00:00Z') },
  { where: [{ path: 'input_features.country', value: 'FR' }] },
  { where: [{ path: 'attributes.app.tier', value: 'gold' }] },
  { where: [{ path: 'label', value: '0' }] },
  { model: 'fraud', limit: 5 },
];

describe('queryRecords over compacted (Parquet) partitions', () => {
  let before: string[][];

  beforeAll(async () => {
    dir = await tempDir('predlog-query-parquet-');
    await write({ compress: true }, 0, 6);
    await write({ compress: false, integrity: true }, 6, 12);
    before = [];
    for (const options of QUERIES) before.push((await query(options)).lines);
  });

  afterAll(async () => {
    await dir.remove();
  });

  it('prints the same records, in the same order, before and after compaction', async () => {
    expect(before[0]).toHaveLength(2 * (12 + 4));
    const report = await compactDirectory({ directory: dir.path, before: '2026-02-01' });
    expect(report.skipped).toEqual([]);
    expect(report.compacted).toHaveLength(2);
    expect((await listFiles(dir.path)).filter((f) => f.includes('.ndjson'))).toEqual([]);
    for (const [i, options] of QUERIES.entries()) {
      expect((await query(options)).lines, JSON.stringify(options)).toEqual(before[i]);
    }
  });

  it('counts Parquet files and rows in its stats, and late NDJSON beside Parquet reads in creation order', async () => {
    // A late record for a compacted day lands in a new NDJSON file after the Parquet one.
    await write({ compress: false }, 12, 13);
    const { lines, stats } = await query({ model: 'fraud', since: new Date('2026-01-30T00:00:00Z') });
    // The Parquet file's 12 predictions and 4 labels, then the late file's prediction and label.
    expect(lines.map((line) => (JSON.parse(line) as { request_id: string }).request_id).slice(-3)).toEqual([
      'req-2026-01-30-11',
      'req-2026-01-30-12',
      'req-2026-01-30-12',
    ]);
    expect(stats).toMatchObject({ filesRead: 2, linesRead: 18, recordsMatched: 18, partitionsPruned: 1 });
  });
});

describe('compaction keeps NDJSON a Parquet file cannot reproduce', () => {
  it('skips a partition holding a field outside the stored form, or an explicit null, as not_lossless', async () => {
    const local = await tempDir('predlog-lossless-');
    try {
      for (const [name, line] of [
        ['a', '{"event":"app.log","timestamp":"2026-01-20T00:00:00.000Z","message":"foreign body"}'],
        [
          'b',
          '{"event":"ml.prediction","timestamp":"2026-01-20T00:00:00.000Z","model_name":"b","prediction":null}',
        ],
        ['c', '{"event":"ml.prediction","timestamp":"2026-01-20T00:00:00.123456Z","model_name":"c"}'],
      ] as const) {
        const partition = join(local.path, `model_name=${name}`, 'date=2026-01-20');
        await mkdir(partition, { recursive: true });
        await writeFile(join(partition, 'part-2026-01-20T00-00-00-000Z-1-000001.ndjson'), `${line}\n`);
      }
      const report = await compactDirectory({ directory: local.path, before: '2026-02-01' });
      expect(report.compacted).toEqual([]);
      expect(report.skipped.map((s) => s.reason)).toEqual(['not_lossless', 'not_lossless', 'not_lossless']);
      expect((await listFiles(local.path)).filter((f) => f.endsWith('.ndjson'))).toHaveLength(3);
    } finally {
      await local.remove();
    }
  });
});

describe('compaction of files written by other writers', () => {
  it('compacts records whose top-level keys come in another order; query gives the same records', async () => {
    const local = await tempDir('predlog-key-order-');
    try {
      const partition = join(local.path, 'model_name=fraud', 'date=2026-01-20');
      await mkdir(partition, { recursive: true });
      const lines = [
        '{"timestamp":"2026-01-20T00:00:00.000Z","score":0.5,"event":"ml.prediction","request_id":"a","model_name":"fraud","input_features":{"z":1,"a":[1,{"b":null}]}}',
        '{"request_id":"b","event":"ml.prediction","timestamp":"2026-01-20T00:00:01.000Z","label":0,"model_name":"fraud"}',
      ];
      await writeFile(
        join(partition, 'part-2026-01-20T00-00-00-000Z-1-000001.ndjson'),
        `${lines.join('\n')}\n`,
      );
      const read = async () => {
        const out: unknown[] = [];
        for await (const record of queryRecords({ directory: local.path })) out.push(record);
        return out;
      };
      const before = await read();
      const report = await compactDirectory({ directory: local.path, before: '2026-02-01' });
      expect(report.skipped).toEqual([]);
      expect(await read()).toEqual(before);
    } finally {
      await local.remove();
    }
  });
});

describe('predlog query stays light', () => {
  const run = promisify(execFile);
  /** Whether a fresh process that runs one query has DuckDB's native library mapped. */
  async function loadsDuckDb(directory: string): Promise<boolean> {
    const script = `
      import { readFileSync } from 'node:fs';
      import { queryRecords } from ${JSON.stringify(join(import.meta.dirname, '../src/index.ts'))};
      let n = 0;
      for await (const _ of queryRecords({ directory: ${JSON.stringify(directory)} })) n++;
      if (n === 0) throw new Error('no records');
      process.stdout.write(String(readFileSync('/proc/self/maps', 'utf8').includes('duckdb')));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
    return stdout === 'true';
  }

  it.runIf(process.platform === 'linux')(
    'loads DuckDB only when a selected partition holds a Parquet file',
    async () => {
      const local = await tempDir('predlog-light-');
      try {
        const exporter = new FileExporter(
          fileExporterConfigSchema.parse({ directory: local.path, compress: false }),
          testServices({ id: 'file', baseDir: local.path }).services,
        );
        await exporter.send(batch('2026-01-20', 0, 3), new AbortController().signal);
        await exporter.shutdown();
        expect(await loadsDuckDb(local.path)).toBe(false);
        await compactDirectory({ directory: local.path, before: '2026-02-01' });
        expect(await loadsDuckDb(local.path)).toBe(true);
      } finally {
        await local.remove();
      }
    },
    60_000,
  );
});
