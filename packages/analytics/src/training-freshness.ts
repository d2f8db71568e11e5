import { InputFileError } from './input-file-error.ts';
import { CsvRowSplitter } from './internal/csv-rows.ts';
import { forEachLine } from './internal/text-lines.ts';

export interface TrainingFreshness {
  /** Rows with a readable time, and those without one (left out of the share). */
  rows: number;
  undated: number;
  /** Rows from the `days` days before `asOf`. */
  recent: number;
  /** recent / rows; null without a dated row. */
  share: number | null;
  days: number;
  asOf: string;
}

const DAY_MS = 86_400_000;

function timeOf(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || value.trim() === '') return Number.NaN;
  const text = value.trim();
  if (/^\d{10,16}$/.test(text)) return Number(text);
  // Without a zone, UTC (as label files are read).
  return Date.parse(/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text) ? `${text}Z` : text);
}

/**
 * Share of a training set from the `days` (90) days before `asOf`: rows of NDJSON (a `timestamp`
 * field, the stored form) or CSV (a `timestamp` column), `.gz` gunzipped. Rows without a time are
 * counted apart; a row after `asOf` counts as recent.
 */
export async function trainingFreshness(file: string, asOf: Date, days = 90): Promise<TrainingFreshness> {
  const since = asOf.getTime() - days * DAY_MS;
  let rows = 0;
  let undated = 0;
  let recent = 0;
  const count = (value: unknown) => {
    const ms = timeOf(value);
    if (!Number.isFinite(ms)) {
      undated += 1;
      return;
    }
    rows += 1;
    if (ms >= since) recent += 1;
  };
  if (/\.csv(\.gz)?$/i.test(file)) {
    const splitter = new CsvRowSplitter();
    let column: number | undefined;
    await forEachLine(file, (line) => {
      const fields = splitter.push(line);
      if (fields === undefined) return;
      if (column === undefined) {
        column = fields.findIndex((f) => f.trim().toLowerCase() === 'timestamp');
        if (column < 0) throw new InputFileError('the training set CSV has no timestamp column');
        return;
      }
      count(fields[column]);
    });
    splitter.end();
  } else {
    await forEachLine(file, (line) => {
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        undated += 1;
        return;
      }
      count(
        value !== null && typeof value === 'object'
          ? (value as Record<string, unknown>).timestamp
          : undefined,
      );
    });
  }
  return { rows, undated, recent, share: rows > 0 ? recent / rows : null, days, asOf: asOf.toISOString() };
}
