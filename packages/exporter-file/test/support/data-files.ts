import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Every regular file below `root`, as sorted `/`-separated relative paths. */
export async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
}

/** Content of a data file, gunzipped when it is a .gz. */
export async function readDataFile(path: string): Promise<string> {
  const raw = await readFile(path);
  return path.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
}

/** The non-empty lines of every data file below `root`, in path order. */
export async function readAllLines(root: string): Promise<string[]> {
  const lines: string[] = [];
  for (const file of await listFiles(root)) {
    if (!/\.ndjson(\.gz|\.inprogress)?$/.test(file)) continue;
    for (const line of (await readDataFile(join(root, file))).split('\n')) if (line !== '') lines.push(line);
  }
  return lines;
}
