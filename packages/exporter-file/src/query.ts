import { join, resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ATTR, type StoredRecord } from '@predlog/schema';
import { type DuckDbSession, openDuckDb } from './internal/duckdb-session.ts';
import { type DataFileName, parseDataFileName } from './internal/file-names.ts';
import { isControlLine, isHeaderLine } from './internal/hash-chain.ts';
import { type LineReadState, openDataFile, readLines } from './internal/line-reader.ts';
import { listPartitionFiles, type PartitionFiles } from './internal/log-files.ts';
import { parseParquetName } from './internal/parquet-names.ts';
import { readParquetRecords } from './internal/parquet-records.ts';
import {
  DATE_LEVEL,
  escapePartitionValue,
  isPartitionDate,
  MODEL_LEVEL,
  utcDate,
} from './internal/partition-path.ts';
import { walkPartitions } from './internal/partition-walk.ts';

/** One exact-match condition; see `QueryOptions.where`. */
export interface QueryCondition {
  /** Dotted path into the stored record: `model_version`, `input_features.amount`. */
  readonly path: string;
  readonly value: string;
}

export interface QueryOptions {
  /** Root of an exporter's partition tree (or any partition directory below it). */
  readonly directory: string;
  /** Exact `request_id`. */
  readonly requestId?: string;
  /** Exact model name; prunes every other `model_name=` partition. */
  readonly model?: string;
  /** Records at or after this instant; prunes older `date=` partitions. */
  readonly since?: Date;
  /** Records strictly before this instant; prunes later `date=` partitions. */
  readonly until?: Date;
  /**
   * All must hold. A condition matches when the value at `path` is a JSON scalar whose text equals
   * `value`: a string compares as itself, a number/boolean/null as its JSON text (`0.5`, `true`,
   * `null`). Objects, arrays and missing fields never match. A key that itself contains dots
   * (`attributes.ml.retention.policy`) is found too: at each level the shortest existing key wins.
   */
  readonly where?: ReadonlyArray<QueryCondition>;
  /** Stop after this many records. */
  readonly limit?: number;
  /** Called once when the iteration ends (also on `break` or an error) with what was read. */
  readonly onStats?: (stats: QueryStats) => void;
}

export interface QueryStats {
  /** Partition directories skipped by `model`, `since` or `until`, and the data files in them. */
  partitionsPruned: number;
  filesPruned: number;
  filesRead: number;
  linesRead: number;
  recordsMatched: number;
  /** Files that ended in a partial line (being written, or cut by a crash), which was skipped. */
  tornLines: number;
  /** Lines that were not a JSON object with a timestamp. */
  invalidLines: number;
  /** Files that could not be read to the end (I/O error, corrupt gzip). */
  unreadableFiles: number;
}

const MISSING = Symbol('missing');

/** Resolves a dotted path, trying the shortest existing key first and backing off to longer ones. */
function resolvePath(value: unknown, segments: readonly string[], from: number): unknown {
  if (from === segments.length) return value;
  if (value === null || typeof value !== 'object') return MISSING;
  let key = '';
  for (let i = from; i < segments.length; i++) {
    key = i === from ? (segments[i] ?? '') : `${key}.${segments[i]}`;
    if (Object.hasOwn(value, key)) {
      const found = resolvePath((value as Record<string, unknown>)[key], segments, i + 1);
      if (found !== MISSING) return found;
    }
  }
  return MISSING;
}

function scalarEquals(found: unknown, expected: string): boolean {
  if (typeof found === 'string') return found === expected;
  if (typeof found === 'number' || typeof found === 'boolean' || found === null) {
    return JSON.stringify(found) === expected;
  }
  return false;
}

/** The text a matching line must contain: the JSON-escaped value (a cheap pre-filter on bytes). */
function needleFor(value: string): Buffer {
  return Buffer.from(JSON.stringify(value).slice(1, -1));
}

function containsAll(line: Buffer, needles: readonly Buffer[]): boolean {
  for (const needle of needles) if (line.indexOf(needle) === -1) return false;
  return true;
}

function modelOf(record: StoredRecord): unknown {
  return record.model_name ?? record.attributes?.[ATTR.modelName];
}

function requestIdOf(record: StoredRecord): unknown {
  return record.request_id ?? record.attributes?.[ATTR.requestId];
}

interface CompiledQuery {
  readonly needles: Buffer[];
  readonly conditions: ReadonlyArray<{ segments: string[]; value: string }>;
  readonly sinceMs: number;
  readonly untilMs: number;
  readonly firstDate: string | undefined;
  readonly lastDate: string | undefined;
  readonly modelDir: string | undefined;
  readonly limit: number;
}

function compile(options: QueryOptions): CompiledQuery {
  const sinceMs = options.since?.getTime() ?? Number.NEGATIVE_INFINITY;
  const untilMs = options.until?.getTime() ?? Number.POSITIVE_INFINITY;
  if (Number.isNaN(sinceMs) || Number.isNaN(untilMs))
    throw new RangeError('since and until must be valid dates');
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (!(limit > 0)) throw new RangeError('limit must be a positive number');
  const conditions = (options.where ?? []).map((condition) => ({
    segments: condition.path.split('.'),
    value: condition.value,
  }));
  const needles = conditions.map((condition) => needleFor(condition.value));
  if (options.requestId !== undefined) needles.unshift(needleFor(options.requestId));
  return {
    needles,
    conditions,
    sinceMs,
    untilMs,
    firstDate: Number.isFinite(sinceMs) ? utcDate(sinceMs) : undefined,
    // `until` is exclusive: a record at exactly midnight belongs to the previous day's partition.
    lastDate: Number.isFinite(untilMs) ? utcDate(untilMs - 1) : undefined,
    modelDir: options.model === undefined ? undefined : escapePartitionValue(options.model),
    limit,
  };
}

function matches(record: StoredRecord, query: CompiledQuery, options: QueryOptions): boolean {
  if (options.requestId !== undefined && requestIdOf(record) !== options.requestId) return false;
  if (options.model !== undefined) {
    const model = modelOf(record);
    if (model === undefined ? options.model !== '_unknown' : String(model) !== options.model) return false;
  }
  if (query.sinceMs !== Number.NEGATIVE_INFINITY || query.untilMs !== Number.POSITIVE_INFINITY) {
    const time = Date.parse(record.timestamp);
    if (!(time >= query.sinceMs && time < query.untilMs)) return false;
  }
  for (const condition of query.conditions) {
    if (!scalarEquals(resolvePath(record, condition.segments, 0), condition.value)) return false;
  }
  return true;
}

function parseRecord(text: string): StoredRecord | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    return typeof (value as StoredRecord).timestamp === 'string' ? (value as StoredRecord) : undefined;
  } catch {
    return undefined;
  }
}

async function countDataFiles(path: string): Promise<number> {
  let count = 0;
  for await (const dir of walkPartitions(path, { includeRoot: true })) {
    for (const name of dir.fileNames)
      if (parseDataFileName(name) !== undefined || parseParquetName(name) !== undefined) count += 1;
  }
  return count;
}

/**
 * Streams the stored records of a partition tree that match every given filter, reading plain,
 * gzip and in-progress files line by line in bounded memory. Partitions are pruned by
 * `model_name=` and `date=` before any file is opened; within them a cheap byte search skips lines
 * that cannot match before any JSON is parsed.
 *
 * Order: partition by partition in name order (so by date within a model), each partition's files
 * in creation order; not merged across partitions. Integrity header and trailer lines are skipped
 * and the chain fields (`_seq`, `_prev`) are removed from records. A torn last line (a file being
 * written, or cut by a crash) is skipped and counted.
 */
export async function* queryRecords(options: QueryOptions): AsyncGenerator<StoredRecord, void, undefined> {
  const query = compile(options);
  const stats: QueryStats = {
    partitionsPruned: 0,
    filesPruned: 0,
    filesRead: 0,
    linesRead: 0,
    recordsMatched: 0,
    tornLines: 0,
    invalidLines: 0,
    unreadableFiles: 0,
  };
  const pruned: string[] = [];
  const countPruned = async (): Promise<void> => {
    for (let path = pruned.pop(); path !== undefined; path = pruned.pop()) {
      stats.partitionsPruned += 1;
      stats.filesPruned += await countDataFiles(path);
    }
  };
  const accept = (key: string, value: string): boolean => {
    if (key === MODEL_LEVEL && query.modelDir !== undefined) return value === query.modelDir;
    if (key === DATE_LEVEL && isPartitionDate(value)) {
      if (query.firstDate !== undefined && value < query.firstDate) return false;
      if (query.lastDate !== undefined && value > query.lastDate) return false;
    }
    return true;
  };
  // DuckDB (≈ 70 MB native) is loaded only when a selected partition holds a Parquet file.
  let session: Promise<DuckDbSession> | undefined;
  const connection = async () => {
    session ??= openDuckDb({ threads: 1 });
    return (await session).connection;
  };
  try {
    const walk = listPartitionFiles(resolve(options.directory), connection, {
      accept,
      onPruned: (path) => pruned.push(path),
    });
    for await (const partition of walk) {
      for (const file of partitionFilesInOrder(partition)) {
        const reading =
          file.parquet === undefined
            ? readNdjsonFile(partition.dir.path, file.ndjson, query, stats)
            : readParquetFile(await connection(), join(partition.dir.path, file.parquet), options, stats);
        for await (const record of reading) {
          if (!matches(record, query, options)) continue;
          stats.recordsMatched += 1;
          yield record;
          if (stats.recordsMatched >= query.limit) return;
        }
      }
      await countPruned();
    }
    await countPruned();
  } finally {
    if (session !== undefined) (await session.catch(() => undefined))?.close();
    options.onStats?.(stats);
  }
}

type PartitionFile = { readonly base: string } & (
  | { readonly ndjson: DataFileName; readonly parquet?: undefined }
  | { readonly parquet: string }
);

/** A partition's NDJSON and Parquet files in creation order (a Parquet file is named after its first source). */
function partitionFilesInOrder(partition: PartitionFiles): PartitionFile[] {
  const files: PartitionFile[] = [
    ...partition.ndjson.map((file) => ({ base: file.parsed.base, ndjson: file.parsed })),
    ...partition.parquet.map((name) => ({ base: parseParquetName(name) ?? name, parquet: name })),
  ];
  return files.sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
}

/** The candidate records of one NDJSON file: lines that pass the byte pre-filter, parsed. */
async function* readNdjsonFile(
  dirPath: string,
  parsed: DataFileName,
  query: CompiledQuery,
  stats: QueryStats,
): AsyncGenerator<StoredRecord> {
  const opened = await openDataFile(dirPath, parsed).catch(() => undefined);
  if (opened === undefined) return;
  stats.filesRead += 1;
  const readState: LineReadState = { tornTail: false, oversizedLines: 0 };
  let chained = false;
  let first = true;
  try {
    for await (const line of readLines(opened.stream, readState)) {
      stats.linesRead += 1;
      if (first) {
        first = false;
        chained = isHeaderLine(line.subarray(0, 32).toString('latin1'));
        if (chained) continue;
      }
      if (!containsAll(line, query.needles)) continue;
      const text = line.toString('utf8');
      if (isControlLine(text)) continue;
      const record = parseRecord(text);
      if (record === undefined) {
        stats.invalidLines += 1;
        continue;
      }
      if (chained) {
        delete record._seq;
        delete record._prev;
      }
      yield record;
    }
  } catch {
    stats.unreadableFiles += 1;
  } finally {
    // Also on an early return (the limit reached): the stream is closed by readLines.
    stats.invalidLines += readState.oversizedLines;
    if (readState.tornTail) stats.tornLines += 1;
  }
}

/** The records of one compacted Parquet file, each counted as a line read. */
async function* readParquetFile(
  connection: DuckDBConnection,
  path: string,
  options: QueryOptions,
  stats: QueryStats,
): AsyncGenerator<StoredRecord> {
  stats.filesRead += 1;
  try {
    const filter = options.requestId === undefined ? {} : { requestId: options.requestId };
    for await (const record of readParquetRecords(connection, path, filter)) {
      stats.linesRead += 1;
      yield record;
    }
  } catch {
    stats.unreadableFiles += 1;
  }
}
