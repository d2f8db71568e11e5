import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zstdDecompressSync } from 'node:zlib';
import { expectedLine, type TempDir, tempDir, testServices } from '@predlog/test-kit';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactDirectory, FileExporter, fileExporterConfigSchema, openLogDatabase } from '../src/index.ts';
import { STORED_COLUMNS } from '../src/stored-columns.ts';
import { listFiles } from './support/data-files.ts';
import { predictionLogRecord } from './support/prediction-records.ts';

const DATES = ['2026-01-30', '2026-01-31'] as const;
let dir: TempDir;
let expected: Array<Record<string, unknown>>;

function records(date: string, from: number, to: number) {
  return Array.from({ length: to - from }, (_, k) =>
    predictionLogRecord(
      {
        request_id: `req-${date}-${from + k}`,
        prediction_id: `p-${date}-${from + k}`,
        timestamp: `${date}T${String(from + k).padStart(2, '0')}:00:00.000Z`,
        score: (from + k) / 20,
        prediction: k % 2 === 0 ? 'fraud' : 1,
        raw_input: { text: `line ${k}\n"quoted"`, nested: [k, { deep: true }] },
        input_features: {
          amount: from + k + 0.25,
          country: k % 2 === 0 ? 'DE' : 'FR',
          card_present: k % 3 === 0,
        },
      },
      k === 1 ? { 'ml.sampling.weight': 10, 'app.tier': 'gold' } : {},
    ),
  );
}

async function write(config: Record<string, unknown>, from: number, to: number): Promise<string[]> {
  const exporter = new FileExporter(
    fileExporterConfigSchema.parse({ directory: dir.path, ...config }),
    testServices({ id: 'file', baseDir: dir.path }).services,
  );
  const lines: string[] = [];
  for (const date of DATES) {
    const batch = records(date, from, to);
    await exporter.send(batch, new AbortController().signal);
    lines.push(...batch.map(expectedLine));
  }
  await exporter.shutdown();
  return lines;
}

/** A stored record as a Parquet row holds it: every column, absent fields as null. */
function asRow(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(STORED_COLUMNS.map((column) => [column.name, record[column.name] ?? null]));
}

beforeAll(async () => {
  dir = await tempDir('predlog-compact-');
  // Gzip, plain and hash-chained sources in each partition.
  const lines = [
    ...(await write({ compress: true }, 0, 4)),
    ...(await write({ compress: false }, 4, 8)),
    ...(await write({ compress: false, integrity: true }, 8, 12)),
  ];
  expected = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
});

afterAll(async () => {
  await dir.remove();
});

describe('compactDirectory', () => {
  it('turns the closed NDJSON of each past day into one zstd Parquet file, sources removed', async () => {
    const report = await compactDirectory({ directory: dir.path, nowMs: Date.parse('2026-02-01T00:00:00Z') });
    expect(report.skipped).toEqual([]);
    expect(report.compacted.map((c) => [c.partition, c.records, c.sources.length])).toEqual(
      DATES.map((date) => [`model_name=fraud/date=${date}`, 12, 3]),
    );
    const files = await listFiles(dir.path);
    expect(files.filter((f) => f.includes('.ndjson'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.parquet'))).toHaveLength(2);
  });

  it('holds every recorded value, as read by a second, independent reader (hyparquet)', async () => {
    const files = (await listFiles(dir.path)).filter((f) => f.endsWith('.parquet'));
    const rows: Array<Record<string, unknown>> = [];
    for (const file of files) {
      const bytes = await readFile(join(dir.path, file));
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      const read = await parquetReadObjects({
        file: buffer,
        compressors: { ZSTD: (input: Uint8Array) => new Uint8Array(zstdDecompressSync(input)) },
      });
      rows.push(...(read as Array<Record<string, unknown>>));
    }
    const normalised = rows.map((row) => {
      const out: Record<string, unknown> = {};
      for (const column of STORED_COLUMNS) {
        let value = row[column.name] ?? null;
        // hyparquet decodes the JSON logical type itself: values arrive as they were logged.
        if (value instanceof Date) value = value.toISOString();
        if (typeof value === 'bigint') value = Number(value);
        out[column.name] = value;
      }
      return out;
    });
    const byId = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      String(a.request_id) < String(b.request_id) ? -1 : 1;
    expect(normalised.sort(byId)).toEqual(expected.map(asRow).sort(byId));
  });

  it('is read by openLogDatabase (DuckDB) with the same values', async () => {
    const database = await openLogDatabase(dir.path);
    try {
      expect(database.files).toEqual({ ndjson: 0, parquet: 2 });
      const result = await database.query(
        `SELECT request_id, score, sampling_weight, prediction, input_features->>'country' AS country, raw_input
         FROM predictions ORDER BY request_id`,
      );
      const rows: unknown[][] = [];
      for await (const chunk of result.rows) rows.push(...chunk);
      const want = [...expected]
        .sort((a, b) => (String(a.request_id) < String(b.request_id) ? -1 : 1))
        .map((r) => [
          r.request_id,
          r.score,
          r.sampling_weight ?? 1,
          String(r.prediction),
          (r.input_features as Record<string, unknown>).country,
          JSON.stringify(r.raw_input),
        ]);
      expect(rows).toEqual(want);
    } finally {
      database.close();
    }
  });

  it('a second run finds nothing left to compact', async () => {
    const report = await compactDirectory({ directory: dir.path, nowMs: Date.parse('2026-02-01T00:00:00Z') });
    expect(report).toEqual({ compacted: [], skipped: [], leftoversRemoved: 0 });
  });
});
