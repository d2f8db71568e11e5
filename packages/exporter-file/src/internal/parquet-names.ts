/**
 * Names of compacted files. A Parquet file is named after the first NDJSON file it replaced, so it
 * sorts among the partition's files by creation time:
 *
 *   part-<time>-<pid>-<seq>.parquet               complete, fsynced, visible to readers
 *   part-<time>-<pid>-<seq>.parquet.<pid>.tmp     being written by compaction process <pid>
 */

export const PARQUET_SUFFIX = '.parquet';

const parquetPattern = /^(part-[0-9TZ-]+-\d+-\d+)\.parquet$/;
const parquetTempPattern = /^part-[0-9TZ-]+-\d+-\d+\.parquet\.(\d+)\.tmp(?:\.\d+)?$/;

/** The base (`part-<time>-<pid>-<seq>`) of a complete Parquet file's name. */
export function parseParquetName(name: string): string | undefined {
  return parquetPattern.exec(name)?.[1];
}

/** Pid of the compacting process when `name` is one of its temp files. */
export function parseParquetTempName(name: string): number | undefined {
  const match = parquetTempPattern.exec(name);
  return match === null ? undefined : Number(match[1]);
}

export function parquetTempName(base: string, pid: number, step: number): string {
  return `${base}${PARQUET_SUFFIX}.${pid}.tmp.${step}`;
}
