/**
 * File names inside a partition. The state of a file is in its suffix, so a reader or a recovering
 * process knows what it holds without opening it:
 *
 *   part-<time>-<pid>-<seq>.ndjson.inprogress   being written by process <pid> (may end torn)
 *   part-<time>-<pid>-<seq>.ndjson              closed: complete lines only
 *   part-<time>-<pid>-<seq>.ndjson.gz           closed and compressed
 *   part-<time>-<pid>-<seq>.ndjson.gz.<pid>.tmp compression under way by process <pid>
 */

export const INPROGRESS_SUFFIX = '.ndjson.inprogress';
export const CLOSED_SUFFIX = '.ndjson';
export const GZIP_SUFFIX = '.ndjson.gz';

export type DataFileState = 'inprogress' | 'closed' | 'gzip';

export interface DataFileName {
  /** The name without its state suffix: `part-<time>-<pid>-<seq>`. */
  readonly base: string;
  readonly state: DataFileState;
  /** Pid of the process that created the file. */
  readonly pid: number;
}

const dataFilePattern = /^(part-[0-9TZ-]+-(\d+)-\d+)\.ndjson(\.inprogress|\.gz)?$/;
const tempFilePattern = /^part-[0-9TZ-]+-\d+-\d+\.ndjson\.gz\.(\d+)\.tmp$/;

/** `part-2026-01-31T12-00-00-123Z-4242-000007`: sorts by creation time, unique per process. */
export function newFileBase(nowMs: number, pid: number, seq: number): string {
  const stamp = new Date(nowMs).toISOString().replaceAll(':', '-').replace('.', '-');
  return `part-${stamp}-${pid}-${String(seq).padStart(6, '0')}`;
}

export function parseDataFileName(name: string): DataFileName | undefined {
  const match = dataFilePattern.exec(name);
  if (match === null) return undefined;
  const suffix = match[3];
  return {
    base: match[1] ?? '',
    pid: Number(match[2]),
    state: suffix === '.inprogress' ? 'inprogress' : suffix === '.gz' ? 'gzip' : 'closed',
  };
}

/** Pid of the compressing process when `name` is a compression temp file. */
export function parseTempFileName(name: string): number | undefined {
  const match = tempFilePattern.exec(name);
  return match === null ? undefined : Number(match[1]);
}

export function compressionTempName(closedName: string, pid: number): string {
  return `${closedName}.gz.${pid}.tmp`;
}
