import { ANNOTATION_FIELDS, FEEDBACK_ATTRIBUTE_FIELDS } from './otel-mapping.ts';
import { FEEDBACK_EVENT, PREDICTION_EVENT } from './records.ts';
import { STORED_COLUMNS, type StoredColumnType } from './stored-columns.ts';
import { type StoredRecord, toStoredRecord } from './stored-record.ts';

/**
 * A row of the stored columns (a compacted Parquet file's, as any engine reads it) back as the
 * stored record it was compacted from: NULL columns are left out (the stored form omits missing
 * fields), JSON columns parsed from their text, times in the stored form's ISO text, and the keys
 * in the order the exporter writes them, so a record prints the same before and after compaction.
 * Shared by the file exporter's readers (DuckDB) and the analytics (hyparquet), so both give the
 * same records from the same file.
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

/**
 * A converter for rows whose values are in the order of `columnNames` (a file's columns; those it
 * lacks, written by an older version, are simply absent). JSON columns must arrive as their text,
 * timestamps as `Date`, 64-bit integers as `bigint` or `number`.
 */
export function storedRowReader(columnNames: readonly string[]): (row: ArrayLike<unknown>) => StoredRecord {
  const index = new Map(columnNames.map((name, i) => [name, i]));
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
  return (row) => {
    const record: Record<string, unknown> = {};
    for (const [name, i] of columnsFor(row[eventIndex])) {
      const value = storedValue(TYPES.get(name), row[i]);
      if (value !== undefined) record[name] = value;
    }
    return record as StoredRecord;
  };
}
