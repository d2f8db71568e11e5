import { InputFileError } from './input-file-error.ts';
import { CsvRowSplitter } from './internal/csv-rows.ts';
import { forEachLine } from './internal/text-lines.ts';

/** Business metrics the model influences (conversion rate, fraud rate, ...), one value per metric and UTC day. */
export interface BusinessSeries {
  /** Metric names, in the file's order. */
  readonly metrics: readonly string[];
  /** `YYYY-MM-DD` → metric → value. */
  readonly days: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Rows without a usable date, and cells that are not numbers. */
  readonly skipped: number;
}

const DAY = /^\d{4}-\d{2}-\d{2}/;
const MAX_METRICS = 20;

/**
 * Reads a business time series: CSV (`.csv`) with a `date` column (ISO day or time, taken as its UTC
 * day) and one numeric column per metric, or NDJSON lines `{"date": …, "<metric>": number, …}`.
 * Several rows of one day: the last wins. At most 20 metrics (later columns are ignored).
 */
export async function readBusinessSeries(file: string): Promise<BusinessSeries> {
  const days = new Map<string, Map<string, number>>();
  const metrics: string[] = [];
  let skipped = 0;
  const put = (dateText: unknown, metric: string, raw: unknown): void => {
    const day = typeof dateText === 'string' ? DAY.exec(dateText.trim())?.[0] : undefined;
    const value =
      typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
    if (day === undefined || !Number.isFinite(value)) {
      skipped += 1;
      return;
    }
    if (!metrics.includes(metric)) {
      if (metrics.length >= MAX_METRICS) return;
      metrics.push(metric);
    }
    let row = days.get(day);
    if (row === undefined) {
      row = new Map();
      days.set(day, row);
    }
    row.set(metric, value);
  };
  if (/\.csv(\.gz)?$/i.test(file)) {
    const rows = new CsvRowSplitter();
    let header: string[] | undefined;
    let dateColumn = -1;
    await forEachLine(file, (line) => {
      const fields = rows.push(line);
      if (fields === undefined) return;
      if (header === undefined) {
        header = fields.map((f) => f.trim());
        dateColumn = header.findIndex((h) => h.toLowerCase() === 'date');
        if (dateColumn < 0) throw new InputFileError('the business CSV has no date column');
        return;
      }
      for (let i = 0; i < header.length; i++) {
        if (i !== dateColumn) put(fields[dateColumn], header[i] as string, fields[i]);
      }
    });
    rows.end();
    if (header === undefined) throw new InputFileError('the business CSV is empty');
  } else {
    await forEachLine(file, (line) => {
      if (line.trim() === '') return;
      let object: unknown;
      try {
        object = JSON.parse(line);
      } catch {
        skipped += 1;
        return;
      }
      if (object === null || typeof object !== 'object' || Array.isArray(object)) {
        skipped += 1;
        return;
      }
      const fields = object as Record<string, unknown>;
      for (const [key, value] of Object.entries(fields)) if (key !== 'date') put(fields.date, key, value);
    });
  }
  return { metrics, days, skipped };
}
