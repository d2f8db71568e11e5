import { zstdDecompressSync } from 'node:zlib';
import {
  COMPACTION_METADATA_KEY,
  parseCompactionMetadata,
  type StoredRecord,
  storedRowReader,
} from '@predlog/schema';
import {
  type AsyncBuffer,
  asyncBufferFromFile,
  type FileMetaData,
  parquetMetadataAsync,
  parquetRead,
  parquetSchema,
} from 'hyparquet';

/**
 * Reads the file exporter's compacted Parquet files (`part-<time>-<pid>-<seq>.parquet`) as the
 * stored records they were compacted from, with hyparquet (pure JS: the analytics load no native
 * engine). The row mapping is `@predlog/schema`'s, the one the exporter's own readers use, so a
 * record reads the same from NDJSON and from Parquet. Memory: one row group at a time.
 */

export interface ParquetSource {
  readonly file: AsyncBuffer;
  readonly metadata: FileMetaData;
}

/** Compaction writes zstd; hyparquet decodes snappy itself. */
const COMPRESSORS = {
  ZSTD: (input: Uint8Array) => new Uint8Array(zstdDecompressSync(input)),
};

/** JSON columns as text: the shared mapping parses them (as it does DuckDB's). */
const decoder = new TextDecoder();
const PARSERS = { jsonFromBytes: (bytes: Uint8Array) => decoder.decode(bytes) };

/** The file and its footer; undefined when it cannot be read as Parquet (counted by the caller). */
export async function openParquet(path: string): Promise<ParquetSource | undefined> {
  try {
    const file = await asyncBufferFromFile(path);
    return { file, metadata: await parquetMetadataAsync(file, { parsers: PARSERS }) };
  } catch {
    return undefined;
  }
}

/** Names of the NDJSON files (same partition) that compaction replaced with this file. */
export function compactedSources(source: ParquetSource): readonly string[] {
  const entry = source.metadata.key_value_metadata?.find((kv) => kv.key === COMPACTION_METADATA_KEY);
  if (entry?.value === undefined) return [];
  return parseCompactionMetadata(entry.value)?.sources ?? [];
}

/**
 * Calls `onRecord` with every row as a stored record, in file order; a returned promise is awaited
 * before the next row group is decoded. Throws when a row group cannot be decoded.
 */
export async function forEachParquetRecord(
  source: ParquetSource,
  onRecord: (record: StoredRecord) => void | Promise<void>,
): Promise<void> {
  const columns = parquetSchema(source.metadata).children.map((child) => child.element.name);
  const toRecord = storedRowReader(columns);
  let rowStart = 0;
  for (const group of source.metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: unknown[][] = [];
    await parquetRead({
      file: source.file,
      metadata: source.metadata,
      columns,
      rowStart,
      rowEnd,
      compressors: COMPRESSORS,
      parsers: PARSERS,
      onComplete: (read) => {
        rows = read;
      },
    });
    rowStart = rowEnd;
    const pending: Promise<void>[] = [];
    for (const row of rows) {
      const done = onRecord(toRecord(row));
      if (done !== undefined) pending.push(done);
    }
    if (pending.length > 0) await Promise.all(pending);
  }
}
