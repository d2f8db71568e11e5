import { createHash } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { StoredRecord } from '@predlog/schema';
import { COMPACTION_METADATA_KEY, type CompactionMetadata } from '@predlog/schema';
import { openDuckDb, sqlPathList, sqlString } from './internal/duckdb-session.ts';
import { CLOSED_SUFFIX, parseDataFileName } from './internal/file-names.ts';
import { isControlLine, isTrailerLine } from './internal/hash-chain.ts';
import { openDataFile, readLines } from './internal/line-reader.ts';
import { listPartitionFiles } from './internal/log-files.ts';
import { PARQUET_SUFFIX, parquetTempName, parseParquetTempName } from './internal/parquet-names.ts';
import { readParquetRecords } from './internal/parquet-records.ts';
import { parquetRowDigest } from './internal/parquet-row-digest.ts';
import { DATE_LEVEL, isPartitionDate, utcDate } from './internal/partition-path.ts';
import { MAX_RECORD_BYTES, readJsonColumnsArgument, STORED_COLUMNS } from './stored-columns.ts';

/**
 * Compaction: the closed NDJSON files of a partition become one Parquet file in the same
 * `model_name=/date=` directory, written by DuckDB (typed columns, zstd, row groups of
 * `rowGroupSize`). Crash-safe: the Parquet file is written under a temp name, fsynced and renamed
 * into place; only then are its sources removed. Readers skip a source named in a Parquet file's
 * metadata, so a crash between the rename and the removals never shows a record twice, and the
 * next run removes those sources.
 */
export interface CompactionOptions {
  readonly directory: string;
  /** Also compact today's (UTC) partitions; by default only days that are over. */
  readonly includeToday?: boolean;
  /** Compact only `date=` partitions before this UTC day (`YYYY-MM-DD`, exclusive); default today. */
  readonly before?: string;
  /** Checked between partitions: an aborted run stops after the partition it is on. */
  readonly signal?: AbortSignal;
  /** DuckDB threads (default: one per core). */
  readonly threads?: number;
  /** Rows per Parquet row group (default 122,880, DuckDB's). */
  readonly rowGroupSize?: number;
  readonly memoryLimit?: string;
  /** Time source for "today" (tests). */
  readonly nowMs?: number;
}

export interface CompactedFile {
  readonly partition: string;
  readonly file: string;
  readonly sources: readonly string[];
  readonly records: number;
  readonly sourceBytes: number;
  readonly parquetBytes: number;
}

export interface CompactionReport {
  readonly compacted: readonly CompactedFile[];
  /**
   * Partitions left as NDJSON, and why: `rows_mismatch` (a line DuckDB could not read as a record),
   * `not_lossless` (a record would read back differently), `source_moved`, `readback_mismatch`.
   */
  readonly skipped: ReadonlyArray<{ readonly partition: string; readonly reason: string }>;
  /** Sources of earlier, interrupted runs removed now. */
  readonly leftoversRemoved: number;
}

class SourceMovedError extends Error {}

interface SourceSummary {
  records: number;
  bytes: number;
  sha256: string;
  chainLast: Array<string | null>;
  /** Why the Parquet rows are not the sources' records, if they are not. */
  mismatch?: 'rows_mismatch' | 'not_lossless';
}

/**
 * Reads the sources once: their digest, record count and trailers, and each record compared with
 * the Parquet row read back in the same place (as `predlog query` would print it). A field the
 * typed columns cannot hold exactly (a top-level key outside the stored form, an explicit null, a
 * time finer than milliseconds) makes the rows differ, and the partition stays NDJSON.
 */
async function summariseAndCompare(
  dirPath: string,
  names: readonly string[],
  rows: AsyncIterator<StoredRecord>,
): Promise<SourceSummary> {
  const hash = createHash('sha256');
  const summary: SourceSummary = { records: 0, bytes: 0, sha256: '', chainLast: [] };
  for (const name of names) {
    const parsed = parseDataFileName(name);
    if (parsed === undefined) continue;
    const opened = await openDataFile(dirPath, parsed);
    // Renamed or removed since listing (a gzip finished): this partition waits for the next run.
    if (opened === undefined) throw new SourceMovedError();
    let last: string | null = null;
    for await (const line of readLines(opened.stream, { tornTail: false, oversizedLines: 0 })) {
      hash.update(line);
      hash.update('\n');
      summary.bytes += line.length + 1;
      const text = line.toString('utf8');
      if (isTrailerLine(text)) last = (JSON.parse(text) as { last?: string }).last ?? null;
      if (isControlLine(text)) continue;
      summary.records += 1;
      if (summary.mismatch !== undefined) continue;
      const row = await rows.next();
      if (row.done === true) summary.mismatch = 'rows_mismatch';
      else if (!sameRecord(text, row.value)) summary.mismatch = 'not_lossless';
    }
    summary.chainLast.push(last);
  }
  if (summary.mismatch === undefined && (await rows.next()).done !== true) summary.mismatch = 'rows_mismatch';
  summary.sha256 = hash.digest('hex');
  return summary;
}

/**
 * The same fields with the same values (nested values compared as JSON text, so their key order
 * counts); the order of the top-level keys does not: a reader gives them in the exporter's order.
 */
function sameRecord(line: string, row: StoredRecord): boolean {
  try {
    const record = JSON.parse(line) as Record<string, unknown>;
    delete record._seq;
    delete record._prev;
    const keys = Object.keys(record);
    if (keys.length !== Object.keys(row).length) return false;
    for (const key of keys) {
      if (!Object.hasOwn(row, key) || JSON.stringify(record[key]) !== JSON.stringify(row[key])) return false;
    }
    return true;
  } catch {
    return false;
  }
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isOwnOrDead(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export async function compactDirectory(options: CompactionOptions): Promise<CompactionReport> {
  const root = resolve(options.directory);
  const today = utcDate(options.nowMs ?? Date.now());
  const rowGroupSize = options.rowGroupSize ?? 122_880;
  const before = options.before ?? today;
  const session = await openDuckDb({ memoryLimit: options.memoryLimit, threads: options.threads });
  const compacted: CompactedFile[] = [];
  const skipped: Array<{ partition: string; reason: string }> = [];
  let leftoversRemoved = 0;
  try {
    const connection = session.connection;
    for await (const partition of listPartitionFiles(root, async () => connection)) {
      if (options.signal?.aborted === true) break;
      const { dir } = partition;
      const listed = new Set(partition.ndjson.map((file) => file.name));
      // Leftovers: temp files of dead compactions, sources whose Parquet file is complete.
      for (const name of dir.fileNames) {
        const pid = parseParquetTempName(name);
        const parsed = parseDataFileName(name);
        const compactedSource = parsed !== undefined && parsed.state !== 'inprogress' && !listed.has(name);
        const shadowedByGzip = parsed?.state === 'closed' && dir.fileNames.includes(`${name}.gz`);
        if ((pid !== undefined && isOwnOrDead(pid)) || (compactedSource && !shadowedByGzip)) {
          await rm(join(dir.path, name), { force: true });
          leftoversRemoved += compactedSource ? 1 : 0;
        }
      }
      const date = dir.levels.get(DATE_LEVEL);
      if (date === undefined || !isPartitionDate(date)) continue;
      if (date >= before && !(options.includeToday === true && date <= today)) continue;
      const sources = partition.ndjson
        .filter((file) => file.parsed.state !== 'inprogress')
        .map((file) => file.name);
      const first = sources[0] === undefined ? undefined : parseDataFileName(sources[0]);
      if (first === undefined) continue;
      const final = join(dir.path, `${first.base}${PARQUET_SUFFIX}`);
      const plain = join(dir.path, parquetTempName(first.base, process.pid, 1));
      const tagged = join(dir.path, parquetTempName(first.base, process.pid, 2));
      const paths = sources.map((name) => join(dir.path, name));
      const columns = STORED_COLUMNS.map((column) => `"${column.name}"`).join(', ');
      const copyOptions = `FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE ${rowGroupSize}`;
      try {
        await connection.run(
          `COPY (SELECT ${columns} FROM read_json(${sqlPathList(paths)}, format = 'newline_delimited',
             columns = ${readJsonColumnsArgument()}, hive_partitioning = false, ignore_errors = true,
             maximum_object_size = ${MAX_RECORD_BYTES}) WHERE event IS NOT NULL)
           TO ${sqlString(plain)} (${copyOptions})`,
        );
        const rows = readParquetRecords(connection, plain);
        const summary = await summariseAndCompare(dir.path, sources, rows)
          .catch((error: unknown) => {
            if (error instanceof SourceMovedError) return undefined;
            throw error;
          })
          .finally(() => rows.return(undefined));
        if (summary === undefined || summary.mismatch !== undefined) {
          skipped.push({ partition: dir.relative, reason: summary?.mismatch ?? 'source_moved' });
          continue;
        }
        const digest = await parquetRowDigest(connection, plain);
        const metadata: CompactionMetadata = {
          version: 1,
          sources,
          records: summary.records,
          sourcesSha256: summary.sha256,
          rowsSha256: digest.sha256,
          ...(summary.chainLast.some((last) => last !== null) ? { chainLast: summary.chainLast } : {}),
          compactedAt: new Date(options.nowMs ?? Date.now()).toISOString(),
        };
        await connection.run(
          `COPY (SELECT * FROM read_parquet(${sqlString(plain)})) TO ${sqlString(tagged)}
           (${copyOptions}, KV_METADATA {${sqlString(COMPACTION_METADATA_KEY)}: ${sqlString(JSON.stringify(metadata))}})`,
        );
        const check = await parquetRowDigest(connection, tagged);
        if (check.rows !== digest.rows || check.sha256 !== digest.sha256) {
          skipped.push({ partition: dir.relative, reason: 'readback_mismatch' });
          continue;
        }
        await fsyncPath(tagged);
        await rename(tagged, final);
        await fsyncPath(dir.path);
        for (const name of sources) {
          await rm(join(dir.path, name), { force: true });
          // A gzip that ran beside us may have made a twin of a closed source.
          if (name.endsWith(CLOSED_SUFFIX)) await rm(join(dir.path, `${name}.gz`), { force: true });
        }
        await fsyncPath(dir.path);
        const { size } = await stat(final);
        compacted.push({
          partition: dir.relative,
          file: `${first.base}${PARQUET_SUFFIX}`,
          sources,
          records: summary.records,
          sourceBytes: summary.bytes,
          parquetBytes: size,
        });
      } finally {
        await rm(plain, { force: true });
        await rm(tagged, { force: true });
      }
    }
  } finally {
    session.close();
  }
  return { compacted, skipped, leftoversRemoved };
}
