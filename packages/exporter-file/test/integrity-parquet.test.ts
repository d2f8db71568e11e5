import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type TempDir, tempDir, testServices } from '@predlog/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compactDirectory, FileExporter, fileExporterConfigSchema, verifyIntegrity } from '../src/index.ts';
import { listFiles } from './support/data-files.ts';
import { predictionBatch } from './support/prediction-records.ts';

let dir: TempDir;

async function writeDay(config: Record<string, unknown>): Promise<void> {
  const exporter = new FileExporter(
    fileExporterConfigSchema.parse({ directory: dir.path, compress: false, ...config }),
    testServices({ id: 'file', baseDir: dir.path }).services,
  );
  await exporter.send(predictionBatch(50, {}, '2026-01-20T10:00:00.000Z'), new AbortController().signal);
  await exporter.shutdown();
}

async function parquetFile(): Promise<string> {
  const files = (await listFiles(dir.path)).filter((file) => file.endsWith('.parquet'));
  expect(files).toHaveLength(1);
  return files[0] as string;
}

/** Rewrites a Parquet file with DuckDB, keeping its key/value metadata: `select` picks the rows. */
async function rewrite(file: string, select: string): Promise<void> {
  const path = join(dir.path, file);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const kv = await connection.runAndReadAll(
      `SELECT decode(key), decode(value) FROM parquet_kv_metadata('${path}')`,
    );
    const [key, value] = kv.getRowsJS()[0] as [string, string];
    const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
    await connection.run(
      `COPY (${select.replaceAll('$file', `read_parquet('${path}', file_row_number = true)`)})
       TO '${path}.new' (FORMAT PARQUET, KV_METADATA {${quote(key)}: ${quote(value)}})`,
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  await rename(`${path}.new`, path);
}

beforeEach(async () => {
  dir = await tempDir('predlog-verify-parquet-');
});

afterEach(async () => {
  await dir.remove();
});

describe('verifyIntegrity over compacted Parquet files', () => {
  it('verifies a file compacted from hash-chained sources by its row count and digest', async () => {
    await writeDay({ integrity: true });
    await compactDirectory({ directory: dir.path, before: '2026-02-01' });
    const report = await verifyIntegrity(dir.path);
    expect(report).toEqual({ ok: true, filesChecked: 1, linesVerified: 0, rowsVerified: 50, issues: [] });
  });

  it('reports a value changed by rewriting the file with DuckDB, naming the file', async () => {
    await writeDay({ integrity: true });
    await compactDirectory({ directory: dir.path, before: '2026-02-01' });
    const file = await parquetFile();
    await rewrite(
      file,
      `SELECT * EXCLUDE (file_row_number) REPLACE (CASE WHEN file_row_number = 7 THEN 0.99 ELSE score END AS score) FROM $file ORDER BY file_row_number`,
    );
    const report = await verifyIntegrity(dir.path);
    expect(report.ok).toBe(false);
    expect(report.issues).toEqual([
      { file, line: 0, kind: 'altered', message: 'rows do not match the digest recorded at compaction' },
    ]);
  });

  it('reports rows removed or added', async () => {
    await writeDay({ integrity: true });
    await compactDirectory({ directory: dir.path, before: '2026-02-01' });
    const file = await parquetFile();
    await rewrite(
      file,
      `SELECT * EXCLUDE (file_row_number) FROM $file WHERE file_row_number <> 3 ORDER BY file_row_number`,
    );
    expect((await verifyIntegrity(dir.path)).issues).toEqual([
      { file, line: 0, kind: 'removed', message: '1 row(s) missing' },
    ]);
    await rewrite(
      file,
      `SELECT * EXCLUDE (file_row_number) FROM $file UNION ALL SELECT * EXCLUDE (file_row_number) FROM $file LIMIT 51`,
    );
    expect((await verifyIntegrity(dir.path)).issues).toEqual([
      { file, line: 0, kind: 'inserted', message: '1 row(s) added' },
    ]);
  });

  it('calls a file compacted from sources without a hash chain intact but unprotected', async () => {
    await writeDay({});
    await compactDirectory({ directory: dir.path, before: '2026-02-01' });
    const file = await parquetFile();
    expect((await verifyIntegrity(dir.path)).issues).toEqual([
      { file, line: 0, kind: 'unprotected', message: 'compacted from files without a hash chain' },
    ]);
  });
});
