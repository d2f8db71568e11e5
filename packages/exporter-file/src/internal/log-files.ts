import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { COMPACTION_METADATA_KEY, type CompactionMetadata, parseCompactionMetadata } from '@predlog/schema';
import { sqlString } from './duckdb-session.ts';
import { CLOSED_SUFFIX, type DataFileName, parseDataFileName } from './file-names.ts';
import { parseParquetName } from './parquet-names.ts';
import { type PartitionDir, type WalkOptions, walkPartitions } from './partition-walk.ts';

/** The data files of one partition directory that a reader should read: each record once. */
export interface PartitionFiles {
  readonly dir: PartitionDir;
  /** NDJSON files (plain, gzip, in progress), in creation order. */
  readonly ndjson: ReadonlyArray<{ readonly name: string; readonly parsed: DataFileName }>;
  /** Complete Parquet files, in creation order. */
  readonly parquet: readonly string[];
}

/**
 * Lists a partition tree for reading. Left out: a closed file whose `.gz` exists (an interrupted
 * compression), and any NDJSON file that a Parquet file of the same partition names as one of
 * its sources (compaction renames the Parquet file into place before it removes its sources, and a
 * gzip running beside it may re-create one), so a record is never read twice.
 */
export async function* listPartitionFiles(
  root: string,
  connection: () => Promise<DuckDBConnection>,
  walkOptions: WalkOptions = {},
): AsyncGenerator<PartitionFiles> {
  for await (const dir of walkPartitions(root, { includeRoot: true, ...walkOptions })) {
    const names = new Set(dir.fileNames);
    const parquet = dir.fileNames.filter((name) => parseParquetName(name) !== undefined);
    const compacted =
      parquet.length === 0
        ? new Set<string>()
        : await compactedBases(
            await connection(),
            parquet.map((name) => join(dir.path, name)),
          );
    const ndjson: Array<{ name: string; parsed: DataFileName }> = [];
    for (const name of dir.fileNames) {
      const parsed = parseDataFileName(name);
      if (parsed === undefined || compacted.has(parsed.base)) continue;
      if (parsed.state === 'closed' && names.has(`${parsed.base}${CLOSED_SUFFIX}.gz`)) continue;
      ndjson.push({ name, parsed });
    }
    yield { dir, ndjson, parquet };
  }
}

/**
 * Bases of the NDJSON files that the given Parquet files replaced. A file whose metadata cannot be
 * read (corrupt, not Parquet) shadows nothing; its readers report it as unreadable.
 */
export async function compactedBases(
  connection: DuckDBConnection,
  paths: readonly string[],
): Promise<Set<string>> {
  const bases = new Set<string>();
  for (const path of paths) {
    const metadata = await readCompactionMetadata(connection, path).catch(() => undefined);
    for (const source of metadata?.sources ?? []) {
      const parsed = parseDataFileName(source);
      if (parsed !== undefined) bases.add(parsed.base);
    }
  }
  return bases;
}

/** What compaction wrote into one Parquet file's key/value metadata; undefined when absent. */
export async function readCompactionMetadata(
  connection: DuckDBConnection,
  path: string,
): Promise<CompactionMetadata | undefined> {
  const reader = await connection.runAndReadAll(
    `SELECT decode(value) AS value FROM parquet_kv_metadata(${sqlString(path)}) WHERE decode(key) = '${COMPACTION_METADATA_KEY}'`,
  );
  const [value] = reader.getRowsJS()[0] ?? [];
  return typeof value === 'string' ? parseCompactionMetadata(value) : undefined;
}
