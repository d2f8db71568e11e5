/**
 * Reads what the file exporter wrote, the way an analyst with only the files would: walk the
 * Hive-partitioned tree, gunzip where needed, parse each NDJSON line. Used by the demo's summary
 * and by the end-to-end test, which must not trust the server's own counters.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface LogFile {
  readonly path: string;
  /** `model_name=fraud/date=2026-01-31`, `/`-separated. */
  readonly partition: string;
  readonly name: string;
  readonly bytes: number;
}

const DATA_FILE = /\.ndjson(\.gz|\.inprogress)?$/;

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(path)));
    else if (entry.isFile() && DATA_FILE.test(entry.name)) files.push(path);
  }
  return files;
}

export async function listLogFiles(root: string): Promise<LogFile[]> {
  const files: LogFile[] = [];
  for (const path of await walk(root)) {
    const parts = relative(root, path).split(sep);
    const name = parts.pop() ?? '';
    files.push({ path, partition: parts.join('/'), name, bytes: (await stat(path)).size });
  }
  return files;
}

/** Every record in every data file under `root`, in file order. Torn last lines are skipped. */
export async function readStoredRecords(root: string): Promise<Array<Record<string, unknown>>> {
  const records: Array<Record<string, unknown>> = [];
  for (const file of await listLogFiles(root)) {
    const raw = await readFile(file.path);
    // The gzip magic number decides, not the name: a file may be caught mid-rename.
    const text = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('utf8');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const value: unknown = JSON.parse(line);
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
          records.push(value as Record<string, unknown>);
        }
      } catch {
        // A crash can leave a torn last line in an in-progress file; it is not a record.
      }
    }
  }
  return records;
}
