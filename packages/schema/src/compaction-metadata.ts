/**
 * What the file exporter's compaction records in a Parquet file's key/value metadata, under one
 * key: the NDJSON files it replaced and what integrity can still check once they are gone. Every
 * reader of the on-disk layout (the exporter's, the analytics') uses it to read each record once.
 */
export const COMPACTION_METADATA_KEY = 'predlog.compaction';

export interface CompactionMetadata {
  readonly version: 1;
  /** File names (in the same partition) of the NDJSON sources, in creation order. */
  readonly sources: readonly string[];
  /** Records in the sources (control lines not counted) = rows of the Parquet file. */
  readonly records: number;
  /** SHA-256 of the sources' decompressed bytes, concatenated in order (for the audit trail). */
  readonly sourcesSha256: string;
  /** SHA-256 over the rows as compaction wrote them (see `ROW_DIGEST_SQL`); verify recomputes it. */
  readonly rowsSha256: string;
  /** For hash-chained sources: each file's trailer `last` hash, in order (null without a trailer). */
  readonly chainLast?: ReadonlyArray<string | null>;
  readonly compactedAt: string;
}

export function parseCompactionMetadata(text: string): CompactionMetadata | undefined {
  try {
    const value = JSON.parse(text) as Partial<CompactionMetadata>;
    if (value.version !== 1 || !Array.isArray(value.sources)) return undefined;
    if (typeof value.records !== 'number' || typeof value.rowsSha256 !== 'string') return undefined;
    return value as CompactionMetadata;
  } catch {
    return undefined;
  }
}
