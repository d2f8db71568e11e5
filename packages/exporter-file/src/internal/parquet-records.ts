import type { DuckDBConnection } from '@duckdb/node-api';
import {
  ANNOTATION_FIELDS,
  FEEDBACK_ATTRIBUTE_FIELDS,
  FEEDBACK_EVENT,
  PREDICTION_EVENT,
  type StoredRecord,
  toStoredRecord,
} from '@predlog/schema';
import { STORED_COLUMNS, type StoredColumnType } from '../stored-columns.ts';
import { sqlString } from './duckdb-session.ts';

/**
 * A compacted Parquet file's rows read back as the stored records they were compacted from, in file
 * order: NULL columns are left out (the stored form omits missing fields), JSON columns parsed,
 * times in the stored form's ISO text, and the keys in the order the exporter writes them, so a
 * record prints the same before and after compaction. Compaction reads every file back through
 * this and keeps NDJSON where the two differ, so what it returns is exact for every compacted file.
 */

/** Every column, in `order` first and then the rest (a foreign record may hold any of them). */
function withEveryColumn(order: readonly string[]): string[] {
  const names = new Set(order);
  for (const column of STORED_COLUMNS) names.add(column.name);
  return [...names];
}

/** The exporter's own key order for a prediction (its stored form is one object literal). */
const PREDICTION_ORDER = withEveryColumn(
  Object.keys(toStoredRecord({ eventName: PREDICTION_EVENT, timeUnixMs: 0, attributes: {}, body: {} })),
);

const TRAILING = ['trace_id', 'span_id', 'attributes', 'body'];

/** Other events: identity, the event's attribute fields in table order, annotations, the rest. */
function genericOrder(leading: readonly string[]): string[] {
  const names = new Set<string>(['event', 'timestamp', 'service_name', ...leading]);
  for (const [field] of ANNOTATION_FIELDS) names.add(field);
  for (const column of STORED_COLUMNS) if (!TRAILING.includes(column.name)) names.add(column.name);
  for (const name of TRAILING) names.add(name);
  return [...names];
}

const FEEDBACK_ORDER = genericOrder(FEEDBACK_ATTRIBUTE_FIELDS.map(([field]) => field));
const OTHER_ORDER = genericOrder([]);

function keyOrder(event: unknown): readonly string[] {
  if (event === PREDICTION_EVENT) return PREDICTION_ORDER;
  if (event === FEEDBACK_EVENT) return FEEDBACK_ORDER;
  return OTHER_ORDER;
}

const TYPES: ReadonlyMap<string, StoredColumnType> = new Map(
  STORED_COLUMNS.map((column) => [column.name, column.type]),
);

/** One column's value as the stored form holds it; undefined for NULL. */
function storedValue(type: StoredColumnType | undefined, value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (type === 'JSON' && typeof value === 'string') return JSON.parse(value);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return Number(value);
  return value;
}

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
  const names = result.columnNames();
  const index = new Map(names.map((name, i) => [name, i]));
  const orders = new Map<unknown, Array<readonly [string, number]>>();
  const columnsFor = (event: unknown) => {
    let columns = orders.get(event);
    if (columns === undefined) {
      columns = [];
      for (const name of keyOrder(event)) {
        const i = index.get(name);
        if (i !== undefined) columns.push([name, i]);
      }
      orders.set(event, columns);
    }
    return columns;
  };
  const eventIndex = index.get('event') ?? -1;
  for await (const rows of result.yieldRowsJs()) {
    for (const row of rows) {
      const record: Record<string, unknown> = {};
      for (const [name, i] of columnsFor(row[eventIndex])) {
        const value = storedValue(TYPES.get(name), row[i]);
        if (value !== undefined) record[name] = value;
      }
      yield record as StoredRecord;
    }
  }
}
