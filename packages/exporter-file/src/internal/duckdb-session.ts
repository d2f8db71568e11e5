import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/**
 * One embedded DuckDB for reading and compacting the logs. `@duckdb/node-api` is loaded only here,
 * on first use, so an application that only writes logs never loads the engine (≈ 70 MB native).
 */
export interface DuckDbSession {
  readonly connection: DuckDBConnection;
  close(): void;
}

export interface DuckDbSessionOptions {
  /** DuckDB's `memory_limit` (e.g. `'256MB'`); past it, operators spill to `tempDirectory`. */
  readonly memoryLimit?: string;
  readonly tempDirectory?: string;
  readonly threads?: number;
  readonly fileSearchPath?: string;
}

export async function openDuckDb(options: DuckDbSessionOptions = {}): Promise<DuckDbSession> {
  const { DuckDBInstance: Instance } = await import('@duckdb/node-api');
  // Nothing is fetched at run time: the JSON and Parquet readers are built into the binary, and
  // other extensions (ICU among them, so times print in UTC) stay off.
  const config: Record<string, string> = { autoinstall_known_extensions: 'false' };
  if (options.memoryLimit !== undefined) config.memory_limit = options.memoryLimit;
  if (options.tempDirectory !== undefined) config.temp_directory = options.tempDirectory;
  if (options.threads !== undefined) config.threads = String(options.threads);
  if (options.fileSearchPath !== undefined) config.file_search_path = options.fileSearchPath;
  const instance: DuckDBInstance = await Instance.create(':memory:', config);
  const connection = await instance.connect();
  return {
    connection,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** A SQL string literal: the text in single quotes, quotes doubled. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A list literal of paths for `read_json` / `read_parquet`. */
export function sqlPathList(paths: readonly string[]): string {
  return `[${paths.map(sqlString).join(', ')}]`;
}
