import type { DuckDBConnection } from '@duckdb/node-api';
import { STORED_COLUMNS } from '../stored-columns.ts';
import { sqlString } from './duckdb-session.ts';

/**
 * Rows and a SHA-256 over every value of every row, in file order: what compaction records in a
 * Parquet file's metadata (`rowsSha256`) and verify recomputes. Over the stored-form columns the
 * file has, in the table's order, so a file written before a column was added still verifies
 * (and a column dropped from a file changes the digest).
 */
export async function parquetRowDigest(
  connection: DuckDBConnection,
  path: string,
): Promise<{ rows: number; sha256: string }> {
  const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(path)})`);
  const present = new Set(described.getRowsJS().map((row) => String(row[0])));
  const values = STORED_COLUMNS.filter((column) => present.has(column.name))
    .map((column) => `"${column.name}"::VARCHAR`)
    .join(', ');
  const reader = await connection.runAndReadAll(
    `SELECT count(*)::DOUBLE, coalesce(sha256(string_agg(sha256(to_json(list_value(${values}))), '' ORDER BY file_row_number)), '')
     FROM read_parquet(${sqlString(path)}, file_row_number = true)`,
  );
  const [rows, sha256] = reader.getRowsJS()[0] ?? [0, ''];
  return { rows: Number(rows), sha256: String(sha256) };
}
