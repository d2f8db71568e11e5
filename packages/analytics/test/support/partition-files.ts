import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export type Row = Record<string, unknown>;

export async function tempDir(label: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `predlog-analytics-${label}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

let sequence = 0;

/**
 * Writes stored-form records in the file exporter's layout: `model_name=<m>/date=<d>/part-*.ndjson`
 * (or `.ndjson.gz`, or `.ndjson.inprogress`), one partition per model and UTC day of the records.
 */
export async function writePartitions(
  root: string,
  records: readonly Row[],
  options: { gzip?: boolean; inprogress?: boolean; retention?: string } = {},
): Promise<void> {
  const groups = new Map<string, Row[]>();
  for (const record of records) {
    const model = typeof record.model_name === 'string' ? record.model_name : '_unknown';
    const date = String(record.timestamp).slice(0, 10);
    const dir = path.join(
      root,
      ...(options.retention === undefined ? [] : [`retention=${options.retention}`]),
      `model_name=${encodeURIComponent(model)}`,
      `date=${date}`,
    );
    let group = groups.get(dir);
    if (group === undefined) {
      group = [];
      groups.set(dir, group);
    }
    group.push(record);
  }
  for (const [dir, rows] of groups) {
    await mkdir(dir, { recursive: true });
    sequence += 1;
    const base = `part-${String(rows[0]?.timestamp).slice(0, 10)}T00-00-00-000Z-4242-${String(sequence).padStart(6, '0')}`;
    const text = rows.map((r) => `${JSON.stringify(r)}\n`).join('');
    if (options.gzip === true) await writeFile(path.join(dir, `${base}.ndjson.gz`), gzipSync(text));
    else if (options.inprogress === true) await writeFile(path.join(dir, `${base}.ndjson.inprogress`), text);
    else await writeFile(path.join(dir, `${base}.ndjson`), text);
  }
}

export async function writeLines(file: string, lines: readonly string[], gzip = false): Promise<void> {
  const text = lines.map((l) => `${l}\n`).join('');
  await writeFile(file, gzip ? gzipSync(text) : text);
}
