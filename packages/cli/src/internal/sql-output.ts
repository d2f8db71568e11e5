import type { SqlColumn, SqlValue } from '@predlog/exporter-file';
import { humanNumber } from './human-number.ts';
import { renderTextTable } from './text-table.ts';

/**
 * The three outputs of `predlog sql`. JSON and CSV keep every value at full precision (64-bit
 * integers as numbers when exact, else as strings; times as ISO 8601); the table rounds numbers
 * like the other text output and prints text that holds a control character as JSON, so a logged
 * value cannot drive the terminal.
 */
export type SqlOutputFormat = 'table' | 'json' | 'csv';

/**
 * Times as text before any output: a DATE column as `2026-03-01`, a timestamp as ISO 8601 (UTC),
 * so the three formats agree.
 */
export function withTimesAsText(columns: readonly SqlColumn[], row: readonly SqlValue[]): SqlValue[] {
  return row.map((value, i) =>
    value instanceof Date
      ? columns[i]?.type === 'DATE'
        ? value.toISOString().slice(0, 10)
        : value.toISOString()
      : value,
  );
}

function jsonSafe(value: SqlValue): unknown {
  if (value === null) return null;
  if (typeof value === 'bigint')
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) out[key] = jsonSafe(entry);
    return out;
  }
  return value;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** One NDJSON line per row, keyed by column name. */
export function jsonLine(columns: readonly SqlColumn[], row: readonly SqlValue[]): string {
  const out: Record<string, unknown> = {};
  columns.forEach((column, i) => {
    const value = row[i] ?? null;
    // A JSON column (raw_input, input_features...) is embedded as the value it holds.
    out[column.name] =
      column.type === 'JSON' && typeof value === 'string' ? parseJson(value) : jsonSafe(value);
  });
  return JSON.stringify(out);
}

function plainText(value: SqlValue): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  return JSON.stringify(jsonSafe(value));
}

const needsQuotes = /[",\r\n]/;

function csvCell(value: SqlValue): string {
  const text = plainText(value);
  return needsQuotes.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** RFC 4180: a header row, fields with a comma, quote or line break quoted. NULL is empty. */
export function csvLine(cells: readonly SqlValue[]): string {
  return cells.map(csvCell).join(',');
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds.
const controlCharacters = /[\u0000-\u001f\u007f-\u009f]/;

function tableCell(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') return humanNumber(value);
  const text = plainText(value);
  return controlCharacters.test(text) ? JSON.stringify(text) : text;
}

const numericType =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|U?TINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL)/;

export function renderSqlTable(
  columns: readonly SqlColumn[],
  rows: ReadonlyArray<readonly SqlValue[]>,
): string {
  const rightAligned = columns.flatMap((column, i) => (numericType.test(column.type) ? [i] : []));
  return renderTextTable(
    columns.map((column) => column.name),
    rows.map((row) => columns.map((_, i) => tableCell(row[i] ?? null))),
    rightAligned,
  );
}
