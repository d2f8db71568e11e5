import { join, resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { type DuckDbSession, openDuckDb, sqlPathList } from './internal/duckdb-session.ts';
import { listPartitionFiles } from './internal/log-files.ts';
import {
  DATE_LEVEL,
  escapePartitionValue,
  isPartitionDate,
  MODEL_LEVEL,
  utcDate,
} from './internal/partition-path.ts';
import { MAX_RECORD_BYTES, readJsonColumnsArgument, STORED_COLUMNS } from './stored-columns.ts';

/**
 * SQL over a file exporter's tree with the embedded DuckDB: the NDJSON files (plain, gzip, in
 * progress) and the Parquet files of compaction, as the views `records`, `predictions` and
 * `feedback`.
 */
export interface LogDatabaseOptions {
  /** Read only this model's `model_name=` partitions. */
  readonly model?: string;
  /** Read only `date=` partitions that can hold times in `[since, until)`. */
  readonly since?: Date;
  readonly until?: Date;
  /** DuckDB's memory limit (`'256MB'`); joins and sorts past it spill to `tempDirectory`. */
  readonly memoryLimit?: string;
  readonly tempDirectory?: string;
  readonly threads?: number;
  /** Where relative paths in a query (`read_csv('labels.csv')`) are found; default: the process's. */
  readonly fileSearchPath?: string;
}

export interface SqlColumn {
  readonly name: string;
  /** DuckDB's type name: `VARCHAR`, `DOUBLE`, `TIMESTAMP WITH TIME ZONE`, `STRUCT(...)`, `JSON`. */
  readonly type: string;
}

/** Values as JavaScript: bigint for 64-bit integers, Date for times, objects for structs and maps. */
export type SqlValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Date
  | SqlValue[]
  | { [key: string]: SqlValue };

export interface SqlResult {
  readonly columns: readonly SqlColumn[];
  /** Rows in chunks of up to 2,048, streamed from the engine. */
  readonly rows: AsyncIterable<readonly SqlValue[][]>;
}

export interface LogDatabase {
  /** Files behind the views. */
  readonly files: { readonly ndjson: number; readonly parquet: number };
  /** Runs one statement (or several; the last one's result is returned). */
  query(sql: string): Promise<SqlResult>;
  close(): void;
}

/** Only the pipeline reads these columns of a prediction, the feedback view shows the rest. */
const FEEDBACK_ONLY = ['feedback_id', 'label', 'value', 'complaint', 'source'] as const;
const FEEDBACK_COLUMNS = [
  'event',
  'timestamp',
  'schema_version',
  'feedback_id',
  'request_id',
  'entity_id',
  'model_name',
  'label',
  'value',
  'complaint',
  'source',
  'service_name',
  'attributes',
  'date',
  'retention',
] as const;

/** Partition columns from each file's path, so a record's own `model_name` stays as logged. */
const PARTITION_COLUMNS = `regexp_extract(filename, '/${DATE_LEVEL}=([0-9]{4}-[0-9]{2}-[0-9]{2})/', 1)::DATE AS date,
  nullif(regexp_extract(filename, '/retention=([^/]+)/', 1), '') AS retention`;

const COLUMN_LIST = STORED_COLUMNS.map((column) => `"${column.name}"`).join(', ');

/** The Parquet branch: files written by other versions may lack columns (read as NULL). */
function parquetSelect(paths: readonly string[]): string {
  const columns = STORED_COLUMNS.map(
    (column) => `TRY_CAST("${column.name}" AS ${column.type}) AS "${column.name}"`,
  );
  return `SELECT ${columns.join(', ')}, ${PARTITION_COLUMNS}
    FROM (SELECT * FROM (SELECT NULL::VARCHAR AS ${STORED_COLUMNS.map((c) => `"${c.name}"`).join(', NULL AS ')}, NULL AS filename LIMIT 0)
          UNION ALL BY NAME
          SELECT * FROM read_parquet(${sqlPathList(paths)}, union_by_name = true, filename = true, hive_partitioning = false))`;
}

function ndjsonSelect(paths: readonly string[]): string {
  return `SELECT ${COLUMN_LIST}, ${PARTITION_COLUMNS}
    FROM read_json(${sqlPathList(paths)}, format = 'newline_delimited', columns = ${readJsonColumnsArgument()},
      filename = true, hive_partitioning = false, ignore_errors = true, maximum_object_size = ${MAX_RECORD_BYTES})
    WHERE event IS NOT NULL`;
}

function emptySelect(): string {
  const columns = STORED_COLUMNS.map((column) => `NULL::${column.type} AS "${column.name}"`);
  return `SELECT ${columns.join(', ')}, NULL::DATE AS date, NULL::VARCHAR AS retention LIMIT 0`;
}

async function createViews(connection: DuckDBConnection, ndjson: string[], parquet: string[]): Promise<void> {
  const branches = [emptySelect()];
  if (ndjson.length > 0) branches.push(ndjsonSelect(ndjson));
  if (parquet.length > 0) branches.push(parquetSelect(parquet));
  const union = branches.map((branch) => `SELECT * FROM (${branch})`).join('\nUNION ALL BY NAME\n');
  await connection.run(`CREATE VIEW records AS ${union}`);
  const predictionColumns = STORED_COLUMNS.map((c) => c.name).filter(
    (name) => !(FEEDBACK_ONLY as readonly string[]).includes(name),
  );
  const selectPrediction = predictionColumns.map((name) =>
    name === 'sampling_weight'
      ? 'coalesce(sampling_weight, 1.0) AS sampling_weight'
      : name === 'prediction'
        ? `json_extract_string(prediction, '$') AS prediction`
        : `"${name}"`,
  );
  await connection.run(
    `CREATE VIEW predictions AS SELECT ${selectPrediction.join(', ')}, date, retention FROM records WHERE event = 'ml.prediction'`,
  );
  await connection.run(
    `CREATE VIEW feedback AS SELECT ${FEEDBACK_COLUMNS.map((name) =>
      name === 'label' ? `json_extract_string(label, '$') AS label` : `"${name}"`,
    ).join(', ')} FROM records WHERE event = 'ml.feedback'`,
  );
}

export async function openLogDatabase(
  directory: string,
  options: LogDatabaseOptions = {},
): Promise<LogDatabase> {
  const root = resolve(directory);
  const modelDir = options.model === undefined ? undefined : escapePartitionValue(options.model);
  const firstDate = options.since === undefined ? undefined : utcDate(options.since.getTime());
  const lastDate = options.until === undefined ? undefined : utcDate(options.until.getTime());
  const session: DuckDbSession = await openDuckDb(options);
  try {
    const ndjson: string[] = [];
    const parquet: string[] = [];
    const walk = listPartitionFiles(root, async () => session.connection, {
      accept: (key, value) => {
        if (key === MODEL_LEVEL && modelDir !== undefined) return value === modelDir;
        if (key === DATE_LEVEL && isPartitionDate(value)) {
          if (firstDate !== undefined && value < firstDate) return false;
          if (lastDate !== undefined && value > lastDate) return false;
        }
        return true;
      },
    });
    for await (const partition of walk) {
      for (const file of partition.ndjson) ndjson.push(join(partition.dir.path, file.name));
      for (const name of partition.parquet) parquet.push(join(partition.dir.path, name));
    }
    await createViews(session.connection, ndjson, parquet);
    return {
      files: { ndjson: ndjson.length, parquet: parquet.length },
      query: (sql) => runQuery(session.connection, sql),
      close: () => session.close(),
    };
  } catch (error) {
    session.close();
    throw error;
  }
}

async function runQuery(connection: DuckDBConnection, sql: string): Promise<SqlResult> {
  const result = await connection.stream(sql);
  const names = result.columnNames();
  const types = result.columnTypes();
  return {
    // JSON columns are text underneath; the alias says what they hold.
    columns: names.map((name, i) => ({ name, type: types[i]?.alias === 'JSON' ? 'JSON' : String(types[i]) })),
    rows: result.yieldRowsJs() as AsyncIterable<SqlValue[][]>,
  };
}
