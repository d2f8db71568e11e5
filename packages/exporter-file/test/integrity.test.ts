import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { expectedLine, type TempDir, tempDir, testServices } from '@predlog/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FileExporter,
  fileExporterConfigSchema,
  isControlLine,
  isHeaderLine,
  isTrailerLine,
  verifyIntegrity,
} from '../src/index.ts';
import { listFiles } from './support/data-files.ts';
import { predictionBatch, predictionLogRecord } from './support/prediction-records.ts';

let dir: TempDir;
/** The one chained file written by `writeChainedFile`: header, 6 records (lines 2-7), trailer (line 8). */
let filePath: string;
let relativePath: string;

async function writeChainedFile(options: { compress?: boolean } = {}): Promise<void> {
  const env = testServices({ id: 'file', baseDir: dir.path });
  const exporter = new FileExporter(
    fileExporterConfigSchema.parse({ directory: '.', integrity: true, compress: options.compress ?? false }),
    env.services,
  );
  await exporter.send(predictionBatch(6), new AbortController().signal);
  await exporter.shutdown();
  const [file] = await listFiles(dir.path);
  relativePath = file ?? '';
  filePath = join(dir.path, relativePath);
}

async function lines(): Promise<string[]> {
  return (await readFile(filePath, 'utf8')).trimEnd().split('\n');
}

async function rewrite(edit: (lines: string[]) => string[]): Promise<void> {
  await writeFile(filePath, `${edit(await lines()).join('\n')}\n`);
}

beforeEach(async () => {
  dir = await tempDir('predlog-file-');
  await writeChainedFile();
});

afterEach(async () => {
  await dir.remove();
});

describe('verifyIntegrity', () => {
  it('accepts an untouched file', async () => {
    expect(await lines()).toHaveLength(8);
    expect(await verifyIntegrity(dir.path)).toEqual({
      ok: true,
      filesChecked: 1,
      linesVerified: 6,
      rowsVerified: 0,
      issues: [],
    });
  });

  it('finds an altered record line', async () => {
    await rewrite((all) =>
      all.map((line, i) => (i === 3 ? line.replace('"score":0.12', '"score":0.99') : line)),
    );
    const report = await verifyIntegrity(dir.path);
    expect(report.ok).toBe(false);
    expect(report.issues).toEqual([
      {
        file: relativePath,
        line: 4,
        kind: 'altered',
        message: 'line does not match the hash recorded in line 5',
      },
    ]);
  });

  it('finds an altered last record line through the trailer', async () => {
    await rewrite((all) => all.map((line, i) => (i === 6 ? line.replace('req-5', 'req-X') : line)));
    expect((await verifyIntegrity(dir.path)).issues).toMatchObject([{ line: 7, kind: 'altered' }]);
  });

  it('finds an inserted line without chain fields', async () => {
    const forged = expectedLine(predictionLogRecord({ request_id: 'forged' }));
    await rewrite((all) => [...all.slice(0, 4), forged, ...all.slice(4)]);
    expect((await verifyIntegrity(dir.path)).issues).toMatchObject([{ line: 5, kind: 'inserted' }]);
  });

  it('finds a duplicated line (a replayed record)', async () => {
    await rewrite((all) => [...all.slice(0, 5), all[2] ?? '', ...all.slice(5)]);
    expect((await verifyIntegrity(dir.path)).issues).toMatchObject([{ line: 6, kind: 'inserted' }]);
  });

  it('finds a line inserted with a plausible sequence number', async () => {
    const forged = (await lines())[3]?.replace('req-2', 'req-F') ?? '';
    await rewrite((all) => [...all.slice(0, 3), forged, ...all.slice(3)]);
    expect((await verifyIntegrity(dir.path)).issues).toMatchObject([{ line: 4, kind: 'inserted' }]);
  });

  it('finds a removed middle line', async () => {
    await rewrite((all) => all.filter((_, i) => i !== 3));
    expect((await verifyIntegrity(dir.path)).issues).toEqual([
      { file: relativePath, line: 4, kind: 'removed', message: '1 line(s) missing before this line' },
    ]);
  });

  it('finds a removed tail line through the trailer count', async () => {
    await rewrite((all) => all.filter((_, i) => i !== 6));
    expect((await verifyIntegrity(dir.path)).issues).toEqual([
      { file: relativePath, line: 7, kind: 'removed', message: '1 line(s) missing before the trailer' },
    ]);
  });

  it('finds the end of a file cut off together with its trailer', async () => {
    await rewrite((all) => all.slice(0, 5));
    expect((await verifyIntegrity(dir.path)).issues).toMatchObject([
      { line: 6, kind: 'removed', message: 'trailer missing: the end of the file was cut' },
    ]);
  });

  it('finds an edited header', async () => {
    await rewrite((all) =>
      all.map((line, i) =>
        i === 0 ? line.replace(/"created":"[^"]+"/, '"created":"2020-01-01T00:00:00.000Z"') : line,
      ),
    );
    expect((await verifyIntegrity(dir.path)).issues).toMatchObject([{ line: 1, kind: 'altered' }]);
  });

  it('finds a removed header', async () => {
    await rewrite((all) => all.slice(1));
    expect((await verifyIntegrity(dir.path)).issues).toMatchObject([{ line: 1, kind: 'removed' }]);
  });

  it('finds a whole file passed off under another name', async () => {
    await rename(filePath, filePath.replace(/-\d{6}\.ndjson$/, '-999999.ndjson'));
    expect((await verifyIntegrity(dir.path)).issues).toMatchObject([
      { line: 1, kind: 'altered', message: 'header names another file' },
    ]);
  });

  it('finds a file moved into another partition', async () => {
    const moved = join(dir.path, 'model_name=fraud/date=2026-01-01');
    await mkdir(moved, { recursive: true });
    await rename(filePath, join(moved, basename(filePath)));
    expect((await verifyIntegrity(dir.path)).issues).toMatchObject([
      { line: 1, kind: 'altered', message: 'header names another partition' },
    ]);
  });

  it('verifies a single partition directory given as the root', async () => {
    expect(await verifyIntegrity(dirname(filePath))).toMatchObject({ ok: true, filesChecked: 1 });
  });

  it('reports a file written without integrity mode as unprotected', async () => {
    await writeFile(filePath, `${predictionBatch(2).map(expectedLine).join('\n')}\n`);
    expect((await verifyIntegrity(dir.path)).issues).toMatchObject([{ line: 1, kind: 'unprotected' }]);
  });

  it('reports only the first issue of a damaged file, and passes the others', async () => {
    await writeChainedFile();
    await rewrite((all) =>
      all.map((line, i) => (i === 2 || i === 5 ? line.replace('"score":0.12', '"score":0.5') : line)),
    );
    const report = await verifyIntegrity(dir.path);
    expect(report.filesChecked).toBe(2);
    expect(report.issues).toEqual([
      {
        file: relativePath,
        line: 3,
        kind: 'altered',
        message: 'line does not match the hash recorded in line 4',
      },
    ]);
  });
});

describe('verifyIntegrity on gzip files', () => {
  beforeEach(async () => {
    await dir.remove();
    dir = await tempDir('predlog-file-');
    await writeChainedFile({ compress: true });
  });

  it('verifies a compressed file and finds an alteration inside one', async () => {
    expect(relativePath).toMatch(/\.ndjson\.gz$/);
    expect((await verifyIntegrity(dir.path)).ok).toBe(true);
    const text = gunzipSync(await readFile(filePath)).toString('utf8');
    await writeFile(filePath, gzipSync(text.replace('"req-1"', '"req-9"')));
    expect((await verifyIntegrity(dir.path)).issues).toMatchObject([{ line: 3, kind: 'altered' }]);
  });

  it('reports a truncated gzip file as unreadable', async () => {
    const raw = await readFile(filePath);
    await writeFile(filePath, raw.subarray(0, Math.floor(raw.length / 2)));
    expect((await verifyIntegrity(dir.path)).issues).toMatchObject([{ kind: 'unreadable' }]);
  });
});

describe('control line detection', () => {
  it('tells header and trailer lines from records', async () => {
    const [header, record, , , , , , trailer] = await lines();
    expect(isHeaderLine(header ?? '')).toBe(true);
    expect(isTrailerLine(trailer ?? '')).toBe(true);
    expect(isControlLine(header ?? '') && isControlLine(trailer ?? '')).toBe(true);
    expect(isControlLine(record ?? '') || isHeaderLine(record ?? '') || isTrailerLine(record ?? '')).toBe(
      false,
    );
  });
});
