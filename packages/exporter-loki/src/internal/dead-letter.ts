import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Owner-only: dead-lettered lines are prediction records, possibly with personal data. */
const FILE_MODE = 0o600;
const DIRECTORY_MODE = 0o700;

function compactTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[:.]/g, '-');
}

/**
 * Writes the lines of records Loki refused for good (or would refuse: too old, a line too long) as
 * one NDJSON file of stored records, the same form the file exporter writes, so they can be fixed
 * and replayed. Names sort by time: `loki-<exporter>-<UTC time>-<pid>-<seq>-<why>.ndjson`, `<why>`
 * being `http<status>`, `too_old` or `line_too_long`.
 */
export class DeadLetterWriter {
  readonly directory: string;
  private readonly prefix: string;
  private sequence = 0;

  constructor(directory: string, exporterId: string) {
    this.directory = directory;
    this.prefix = `loki-${exporterId.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  }

  /** Resolves with the file's path; rejects with the file system's error. `why` ends the name. */
  async write(lines: readonly string[], why: string, nowMs: number): Promise<string> {
    await mkdir(this.directory, { recursive: true, mode: DIRECTORY_MODE });
    this.sequence++;
    const name = `${this.prefix}-${compactTime(nowMs)}-${process.pid}-${String(this.sequence).padStart(6, '0')}-${why}.ndjson`;
    const path = join(this.directory, name);
    await writeFile(path, `${lines.join('\n')}\n`, { mode: FILE_MODE, flag: 'wx' });
    return path;
  }
}
