import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { FEEDBACK_EVENT, PREDICTION_EVENT, type StoredRecord } from '@predlog/schema';
import { type ScanStats, scanRecords, unescapePartitionValue } from './internal/log-scanner.ts';

/** Which logged records a command reads: a file exporter's tree, one model, a time window. */
export interface LogSelection {
  /** Root of the file exporter's partition tree (`model_name=<m>/date=<d>/part-*.ndjson[.gz]`). */
  readonly directory: string;
  /** Exact model name; other `model_name=` partitions are not opened. */
  readonly model?: string | undefined;
  /** Records at or after this instant. */
  readonly since?: Date | undefined;
  /** Records strictly before this instant. */
  readonly until?: Date | undefined;
}

/** What a scan read: files, lines, records of the wanted event, and what it had to skip. */
export type ReadStats = ScanStats;

export function emptyReadStats(): ReadStats {
  return { filesRead: 0, linesRead: 0, records: 0, invalidLines: 0, tornLines: 0, unreadableFiles: 0 };
}

/**
 * Calls `onPrediction` with every `ml.prediction` record of a selection, streaming: plain, gzip and
 * in-progress files, partitions outside the model and the window never opened, integrity control
 * lines skipped. Order: partition by partition (by date within a model), each partition's files in
 * creation order. A callback returning a promise is awaited before the next chunk is read.
 */
export function scanPredictions(
  selection: LogSelection,
  onPrediction: (record: StoredRecord) => void | Promise<void>,
  stats: ReadStats = emptyReadStats(),
): Promise<void> {
  return scanRecords({ ...selection, event: PREDICTION_EVENT }, onPrediction, stats);
}

/**
 * Calls `onFeedback` with every `ml.feedback` record of a selection. Feedback without a model name
 * is stored under `model_name=_unknown`, so with a model both that model's partitions and
 * `_unknown` are read (a record naming no model is taken to be about any model).
 */
export function scanFeedback(
  selection: LogSelection,
  onFeedback: (record: StoredRecord) => void | Promise<void>,
  stats: ReadStats = emptyReadStats(),
): Promise<void> {
  return scanRecords({ ...selection, event: FEEDBACK_EVENT, alsoUnknownModel: true }, onFeedback, stats);
}

export interface PartitionListing {
  /** Model names (`model_name=` values, unescaped), sorted; `_unknown` excluded. */
  models: string[];
  /** `date=` values (UTC days), sorted. */
  dates: string[];
}

const MAX_DEPTH = 8;

/**
 * The models and dates in a partition tree (optionally of one model), from directory names alone.
 * Used to find the first N days for a baseline and the only model when none is named.
 */
export async function listPartitions(directory: string, model?: string): Promise<PartitionListing> {
  const models = new Set<string>();
  const dates = new Set<string>();
  const walk = async (dir: string, depth: number, inModel: boolean): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (depth === 0) throw error;
      return;
    }
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const eq = entry.name.indexOf('=');
      if (eq <= 0) continue;
      const key = entry.name.slice(0, eq);
      const value = unescapePartitionValue(entry.name.slice(eq + 1));
      let nowInModel = inModel;
      if (key === 'model_name') {
        if (value !== '_unknown') models.add(value);
        nowInModel = model === undefined || value === model;
        if (!nowInModel) continue;
      }
      if (key === 'date' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
        if (nowInModel) dates.add(value);
        continue;
      }
      if (depth < MAX_DEPTH) await walk(path.join(dir, entry.name), depth + 1, nowInModel);
    }
  };
  await walk(directory, 0, model === undefined);
  return { models: [...models].sort(), dates: [...dates].sort() };
}
