import type { Dirent } from 'node:fs';
import { type FileHandle, open, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { StoredRecord } from '@predlog/schema';
import { forEachChunk, readBuffers } from './file-chunks.ts';
import { compactedSources, forEachParquetRecord, openParquet, type ParquetSource } from './parquet-scan.ts';

/**
 * Reads the file exporter's documented on-disk layout for the analytics, as fast as the data
 * allows: `key=value` partition directories (`retention=`, `model_name=`, `date=`) pruned by model
 * and day before any file is opened; `part-<time>-<pid>-<seq>.ndjson`, `.ndjson.gz` and
 * `.ndjson.inprogress` files, a file renamed or compressed meanwhile followed to its new name;
 * integrity header and trailer lines skipped and `_seq`/`_prev` removed; a torn last line skipped.
 * Compacted days: `part-<time>-<pid>-<seq>.parquet` files are read too, and the NDJSON files their
 * metadata names as sources are left out (as the exporter's readers do), so each record is read once.
 *
 * Unlike the exporter's general `queryRecords` (an async iterator with arbitrary filters), each
 * chunk's lines are parsed and handed to a synchronous callback in one go (no promise per record),
 * plain files are read into one reused buffer, and lines of another event are skipped before any
 * JSON is parsed. Memory: one 1 MiB read buffer (plus 256 KiB gunzip chunks), the longest line.
 */

/** Longer lines are skipped (counted as invalid): no record is this large. */
const MAX_LINE_BYTES = 64 * 1024 * 1024;
const NEWLINE = 0x0a;
const MAX_DEPTH = 8;
const DATA_FILE = /^(part-[0-9TZ-]+-\d+-\d+)\.ndjson(\.inprogress|\.gz)?$/;
const PARQUET_FILE = /^part-[0-9TZ-]+-\d+-\d+\.parquet$/;
const CONTROL_PREFIX = Buffer.from('{"_predlog":');
const EVENT_PREFIX = Buffer.from('{"event":"');

export interface ScanStats {
  filesRead: number;
  linesRead: number;
  /** Records of the wanted event inside the selection. */
  records: number;
  /** Lines that are not JSON objects with a timestamp, or longer than 64 MiB. */
  invalidLines: number;
  /** Files that ended in a partial line (being written, or cut by a crash). */
  tornLines: number;
  /** Files that could not be read to the end (I/O error, corrupt gzip or Parquet). */
  unreadableFiles: number;
}

export interface ScanOptions {
  readonly directory: string;
  readonly model?: string | undefined;
  readonly since?: Date | undefined;
  readonly until?: Date | undefined;
  /** `ml.prediction` or `ml.feedback`. */
  readonly event: string;
  /** Model name of records read below `model_name=_unknown` when `model` is set (feedback). */
  readonly alsoUnknownModel?: boolean;
}

/** Hive `%XX` escapes back to text; a value that is not valid escaping stays as it is. */
export function unescapePartitionValue(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

type DataFile =
  | { readonly dir: string; readonly base: string; readonly state: 'inprogress' | 'closed' | 'gzip' }
  /** `source` undefined: not readable as Parquet (shadows nothing, counted as unreadable). */
  | { readonly dir: string; readonly state: 'parquet'; readonly source: ParquetSource | undefined };

const SUFFIX = { inprogress: '.ndjson.inprogress', closed: '.ndjson', gzip: '.ndjson.gz' } as const;

async function listDir(dir: string, root: boolean): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    // The root must exist; a partition removed under us (retention sweep) is simply empty.
    if (!root && (error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Data files below `directory` in the selection, partition by partition in name order. */
async function* dataFiles(options: ScanOptions): AsyncGenerator<DataFile> {
  const firstDay = options.since === undefined ? undefined : options.since.toISOString().slice(0, 10);
  // `until` is exclusive: a record at exactly midnight belongs to the previous day's partition.
  const lastDay =
    options.until === undefined
      ? undefined
      : new Date(options.until.getTime() - 1).toISOString().slice(0, 10);
  const wantModel = (value: string) =>
    options.model === undefined ||
    value === options.model ||
    (options.alsoUnknownModel === true && value === '_unknown');
  const walk = async function* (dir: string, depth: number): AsyncGenerator<DataFile> {
    const entries = (await listDir(dir, depth === 0)).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    const names = new Set<string>();
    for (const entry of entries) if (entry.isFile()) names.add(entry.name);
    // Compaction renames a Parquet file into place before it removes its sources: skip those.
    const compacted = new Set<string>();
    const parquet = new Map<string, ParquetSource | undefined>();
    for (const entry of entries) {
      if (!entry.isFile() || !PARQUET_FILE.test(entry.name)) continue;
      const source = await openParquet(path.join(dir, entry.name));
      parquet.set(entry.name, source);
      for (const name of source === undefined ? [] : compactedSources(source)) {
        const base = DATA_FILE.exec(name)?.[1];
        if (base !== undefined) compacted.add(base);
      }
    }
    // In name order: a Parquet file is named after its first source, so records keep their order.
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      if (parquet.has(entry.name)) {
        yield { dir, state: 'parquet', source: parquet.get(entry.name) };
        continue;
      }
      const match = DATA_FILE.exec(entry.name);
      if (match === null) continue;
      const base = match[1] as string;
      if (compacted.has(base)) continue;
      const state = match[2] === '.inprogress' ? 'inprogress' : match[2] === '.gz' ? 'gzip' : 'closed';
      // Closed and already compressed (the original not yet removed): read the .gz only.
      if (state === 'closed' && names.has(`${base}${SUFFIX.gzip}`)) continue;
      yield { dir, base, state };
    }
    if (depth >= MAX_DEPTH) return;
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const eq = entry.name.indexOf('=');
      if (eq <= 0) continue;
      const key = entry.name.slice(0, eq);
      const value = entry.name.slice(eq + 1);
      if (key === 'model_name' && !wantModel(unescapePartitionValue(value))) continue;
      if (key === 'date' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
        if (firstDay !== undefined && value < firstDay) continue;
        if (lastDay !== undefined && value > lastDay) continue;
      }
      yield* walk(path.join(dir, entry.name), depth + 1);
    }
  };
  yield* walk(path.resolve(options.directory), 0);
}

/** Opens a listed file, following it if it was closed or compressed since; undefined when gone. */
async function openDataFile(
  file: Extract<DataFile, { base: string }>,
): Promise<{ handle: FileHandle; gzip: boolean } | undefined> {
  const states: Array<keyof typeof SUFFIX> =
    file.state === 'inprogress'
      ? ['inprogress', 'closed', 'gzip']
      : file.state === 'closed'
        ? ['closed', 'gzip']
        : ['gzip'];
  for (const state of states) {
    try {
      return {
        handle: await open(path.join(file.dir, file.base + SUFFIX[state]), 'r'),
        gzip: state === 'gzip',
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return undefined;
}

function startsWith(buffer: Buffer, start: number, prefix: Buffer): boolean {
  if (buffer.length - start < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buffer[start + i] !== prefix[i]) return false;
  return true;
}

/**
 * Calls `onRecord` with every record of the wanted event in the selection. A callback returning a
 * promise (a join spilling to disk) is awaited before the next chunk is read.
 */
export async function scanRecords(
  options: ScanOptions,
  onRecord: (record: StoredRecord) => void | Promise<void>,
  stats: ScanStats,
): Promise<void> {
  const eventBytes = Buffer.from(`${JSON.stringify(options.event)}`.slice(1, -1));
  const sinceIso = options.since?.toISOString();
  const untilIso = options.until?.toISOString();
  const sinceMs = options.since?.getTime() ?? Number.NEGATIVE_INFINITY;
  const untilMs = options.until?.getTime() ?? Number.POSITIVE_INFINITY;
  const model = options.model;
  const windowed = sinceIso !== undefined || untilIso !== undefined;
  /** The event, the window and the model of the selection. */
  const wanted = (record: StoredRecord): boolean => {
    if (record.event !== options.event) return false;
    if (windowed) {
      const ts = record.timestamp;
      // Canonical ISO UTC compares as text; anything else is parsed.
      if (ts.length === 24 && ts.charCodeAt(23) === 90) {
        if ((sinceIso !== undefined && ts < sinceIso) || (untilIso !== undefined && ts >= untilIso))
          return false;
      } else {
        const ms = Date.parse(ts);
        if (!(ms >= sinceMs && ms < untilMs)) return false;
      }
    }
    if (model !== undefined) {
      const name = record.model_name;
      const unknown = name === undefined || name === null;
      if (!(name === model || (unknown && (model === '_unknown' || options.alsoUnknownModel === true))))
        return false;
    }
    return true;
  };
  const buffers = readBuffers();
  for await (const file of dataFiles(options)) {
    if (file.state === 'parquet') {
      await scanParquet(file.source, wanted, onRecord, stats);
      continue;
    }
    const opened = await openDataFile(file);
    if (opened === undefined) continue;
    stats.filesRead += 1;
    let chained = false;
    let first = true;
    let carry: Buffer | undefined;
    let skipping = false;
    let pending: Promise<void>[] = [];

    /** Handles the complete lines of `data` from `from`; returns where the unfinished tail starts. */
    const lines = (data: Buffer, from: number): number => {
      let start = from;
      let newline = data.indexOf(NEWLINE, start);
      while (newline !== -1) {
        const end = newline;
        const lineStart = start;
        start = newline + 1;
        newline = data.indexOf(NEWLINE, start);
        if (end === lineStart) continue;
        stats.linesRead += 1;
        if (startsWith(data, lineStart, CONTROL_PREFIX)) {
          // A hash chain's header (first line) or trailer; the chain fields are removed below.
          if (first) chained = true;
          first = false;
          continue;
        }
        first = false;
        // The stored form always starts with the event: another event is skipped unparsed.
        if (startsWith(data, lineStart, EVENT_PREFIX)) {
          const at = lineStart + EVENT_PREFIX.length;
          if (
            data.compare(eventBytes, 0, eventBytes.length, at, at + eventBytes.length) !== 0 ||
            data[at + eventBytes.length] !== 0x22
          ) {
            continue;
          }
        }
        let record: StoredRecord;
        try {
          const value: unknown = JSON.parse(data.toString('utf8', lineStart, end));
          if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError();
          record = value as StoredRecord;
          if (typeof record.timestamp !== 'string') throw new TypeError();
        } catch {
          stats.invalidLines += 1;
          continue;
        }
        if (!wanted(record)) continue;
        if (chained) {
          delete record._seq;
          delete record._prev;
        }
        stats.records += 1;
        const done = onRecord(record);
        if (done !== undefined) pending.push(done);
      }
      return start;
    };

    const consume = (chunk: Buffer): void | Promise<void> => {
      let data = chunk;
      let from = 0;
      if (carry !== undefined) {
        // The line cut by the previous chunk: join it to this chunk's first line only.
        const newline = chunk.indexOf(NEWLINE);
        if (newline === -1) {
          if (!skipping) carry = Buffer.concat([carry, chunk]);
          if ((carry?.length ?? 0) > MAX_LINE_BYTES) {
            carry = Buffer.alloc(0);
            skipping = true;
            stats.invalidLines += 1;
          }
          return;
        }
        if (skipping) {
          skipping = false;
          carry = undefined;
          from = newline + 1;
        } else {
          data = Buffer.concat([carry, chunk.subarray(0, newline + 1)]);
          carry = undefined;
          lines(data, 0);
          data = chunk;
          from = newline + 1;
        }
      }
      const tail = lines(data, from);
      if (tail < data.length) carry = Buffer.from(data.subarray(tail));
      if (pending.length === 0) return undefined;
      const waiting = pending;
      pending = [];
      return Promise.all(waiting).then(() => undefined);
    };

    try {
      await forEachChunk(opened.handle, opened.gzip, consume, buffers);
      if (carry !== undefined && carry.length > 0) stats.tornLines += 1;
      else if (skipping) stats.tornLines += 1;
    } catch {
      stats.unreadableFiles += 1;
    }
  }
}

/** One compacted file's records of the selection (a Parquet row is one stored record, no line). */
async function scanParquet(
  source: ParquetSource | undefined,
  wanted: (record: StoredRecord) => boolean,
  onRecord: (record: StoredRecord) => void | Promise<void>,
  stats: ScanStats,
): Promise<void> {
  if (source === undefined) {
    stats.unreadableFiles += 1;
    return;
  }
  stats.filesRead += 1;
  try {
    await forEachParquetRecord(source, (record) => {
      // A row is the line it was compacted from: the read figures match before and after.
      stats.linesRead += 1;
      if (typeof record.timestamp !== 'string') {
        stats.invalidLines += 1;
        return undefined;
      }
      if (!wanted(record)) return undefined;
      stats.records += 1;
      return onRecord(record);
    });
  } catch {
    stats.unreadableFiles += 1;
  }
}
