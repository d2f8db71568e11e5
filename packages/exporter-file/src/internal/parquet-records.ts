import type { DuckDBConnection } from '@duckdb/node-api';
import { type StoredRecord, storedRowReader } from '@predlog/schema';
import { sqlString } from './duckdb-session.ts';

/**
 * A compacted Parquet file's rows read back as the stored records they were compacted from, in file
 * order (the mapping is `@predlog/schema`'s `storedRowReader`). Compaction reads every file back
 * through this and keeps NDJSON where the two differ, so what it returns is exact for every
 * compacted file.
 */

export interface ParquetRecordFilter {
  /** Rows of this request id, and rows without one (whose id may be in `attributes`). */
  readonly requestId?: string;
}

/**
 * Streams the records of one Parquet file. Columns a file lacks (written by an older version) are
 * simply absent; a filter on `request_id` is pushed down to the engine (row groups it rules out by
 * their statistics are not read).
 */
export async function* readParquetRecords(
  connection: DuckDBConnection,
  path: string,
  filter: ParquetRecordFilter = {},
): AsyncGenerator<StoredRecord> {
  const where =
    filter.requestId === undefined
      ? ''
      : `WHERE request_id IS NULL OR request_id = ${sqlString(filter.requestId)}`;
  const result = await connection.stream(`SELECT * FROM read_parquet(${sqlString(path)}) ${where}`);
  const toRecord = storedRowReader(result.columnNames());
  for await (const rows of result.yieldRowsJs()) {
    for (const row of rows) yield toRecord(row);
  }
}
