import { STORED_COLUMNS } from '@predlog/schema';

// The columns themselves are defined in `@predlog/schema` (the analytics read Parquet files too).
export { STORED_COLUMNS, type StoredColumn, type StoredColumnType } from '@predlog/schema';

/**
 * The longest line DuckDB reads as a record (its own default, 16 MiB; core caps records at 1 MiB
 * by default). Each reading thread holds buffers of about twice this, so a larger value would not
 * fit the memory limits the CLI and compaction run with (200–256 MB); a longer line is left out of
 * the SQL views and keeps its partition as NDJSON at compaction (`predlog query` still reads it).
 */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** `columns = {...}` of DuckDB's `read_json`: fixed types, so every file reads alike. */
export function readJsonColumnsArgument(): string {
  return `{${STORED_COLUMNS.map((column) => `${column.name}: '${column.type}'`).join(', ')}}`;
}
