import { FEEDBACK_EVENT } from '@predlog/schema';
import { InputFileError } from './input-file-error.ts';
import { CsvRowSplitter } from './internal/csv-rows.ts';
import { forEachLine } from './internal/text-lines.ts';

/** One label: the truth about a prediction, found by request id or by entity and time. */
export interface GroundTruth {
  requestId?: string;
  entityId?: string;
  /** The true class (classification) or a numeric truth. */
  label?: string | number | boolean;
  /** The true value (regression) or a business outcome. */
  value?: number;
  /** When the truth was observed (ms since the epoch); NaN when the source has no time. */
  timeMs: number;
}

export interface LabelReadStats {
  /** Rows or lines read (blank lines excluded). */
  read: number;
  /** Without a request or entity id, without a label or value, or not parseable. */
  invalid: number;
  /** Records of another event (a prediction in a feedback file). */
  skipped: number;
}

export function emptyLabelReadStats(): LabelReadStats {
  return { read: 0, invalid: 0, skipped: 0 };
}

function idText(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function timeFrom(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : Number.NaN;
  if (typeof value !== 'string' || value === '') return Number.NaN;
  if (value.endsWith('Z')) return Date.parse(value);
  if (/^\d{10,16}$/.test(value)) return Number(value);
  // A time without a zone is read as UTC, as the CLI's --since does.
  const withZone = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value) ? `${value}Z` : value;
  return Date.parse(withZone);
}

/**
 * Reads a label from an object in the feedback record's stored form (`request_id`, `entity_id`,
 * `label`, `value`, `timestamp`); undefined when it has no key or no label/value.
 */
export function groundTruthFrom(fields: Readonly<Record<string, unknown>>): GroundTruth | undefined {
  const requestId = idText(fields.request_id);
  const entityId = idText(fields.entity_id);
  if (requestId === undefined && entityId === undefined) return undefined;
  const rawLabel = fields.label;
  const label =
    typeof rawLabel === 'string' ||
    typeof rawLabel === 'boolean' ||
    (typeof rawLabel === 'number' && Number.isFinite(rawLabel))
      ? rawLabel
      : undefined;
  const rawValue = fields.value;
  const value =
    typeof rawValue === 'number' && Number.isFinite(rawValue)
      ? rawValue
      : typeof rawValue === 'string' && rawValue.trim() !== '' && Number.isFinite(Number(rawValue))
        ? Number(rawValue)
        : undefined;
  if ((label === undefined || label === '') && value === undefined) return undefined;
  const truth: GroundTruth = { timeMs: timeFrom(fields.timestamp) };
  if (requestId !== undefined) truth.requestId = requestId;
  if (entityId !== undefined) truth.entityId = entityId;
  if (label !== undefined && label !== '') truth.label = label;
  if (value !== undefined) truth.value = value;
  return truth;
}

const CSV_COLUMNS = ['request_id', 'entity_id', 'label', 'value', 'timestamp'] as const;

/**
 * Streams the labels of a file to `onTruth`: CSV when the name ends in `.csv` or `.csv.gz` (a
 * header row naming `request_id` and/or `entity_id`, `label` and/or `value`, optionally
 * `timestamp`; other columns are ignored), otherwise NDJSON objects with the same fields, such as
 * `predlog query --json` output of `ml.feedback` records (lines of another event are skipped).
 * `.gz` files are gunzipped. A promise returned by `onTruth` is awaited before the next chunk.
 */
export async function scanGroundTruthFile(
  file: string,
  onTruth: (truth: GroundTruth) => void | Promise<void>,
  stats: LabelReadStats = emptyLabelReadStats(),
): Promise<void> {
  if (/\.csv(\.gz)?$/i.test(file)) {
    const rows = new CsvRowSplitter();
    let header: Array<[column: string, at: number]> | undefined;
    await forEachLine(file, (line) => {
      const row = rows.push(line);
      if (row === undefined) return undefined;
      if (header === undefined) {
        const names = new Map(
          row.map((name, i) => [
            name
              .trim()
              .toLowerCase()
              .replace(/^\uFEFF/, ''),
            i,
          ]),
        );
        if (!names.has('request_id') && !names.has('entity_id'))
          throw new InputFileError('the CSV header names neither request_id nor entity_id');
        if (!names.has('label') && !names.has('value'))
          throw new InputFileError('the CSV header names neither label nor value');
        header = CSV_COLUMNS.flatMap((column) => {
          const at = names.get(column);
          return at === undefined ? [] : [[column, at] as [string, number]];
        });
        return undefined;
      }
      stats.read += 1;
      const fields: Record<string, unknown> = {};
      for (const [column, at] of header) fields[column] = row[at]?.trim();
      const truth = groundTruthFrom(fields);
      if (truth === undefined) {
        stats.invalid += 1;
        return undefined;
      }
      return onTruth(truth);
    });
    rows.end();
    stats.invalid += rows.malformedRows;
    if (header === undefined) throw new InputFileError('the CSV file is empty (no header row)');
    return;
  }
  await forEachLine(file, (line) => {
    if (line.trim() === '') return undefined;
    stats.read += 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      stats.invalid += 1;
      return undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      stats.invalid += 1;
      return undefined;
    }
    const fields = parsed as Record<string, unknown>;
    if (fields.event !== undefined && fields.event !== FEEDBACK_EVENT) {
      stats.skipped += 1;
      return undefined;
    }
    const truth = groundTruthFrom(fields);
    if (truth === undefined) {
      stats.invalid += 1;
      return undefined;
    }
    return onTruth(truth);
  });
}
