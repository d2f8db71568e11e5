import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { expectedLine, type TempDir, type TestServices, tempDir, testServices } from '@predlog/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileExporter, fileExporterConfigSchema, recoverDirectory, verifyIntegrity } from '../src/index.ts';
import { listFiles, readAllLines, readDataFile } from './support/data-files.ts';
import { predictionBatch } from './support/prediction-records.ts';

const writerScript = fileURLToPath(new URL('./fixtures/continuous-writer.ts', import.meta.url));
let dir: TempDir;
let env: TestServices;
let child: ChildProcess | undefined;

beforeEach(async () => {
  dir = await tempDir('predlog-file-');
  env = testServices({ id: 'file', baseDir: dir.path });
});

afterEach(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  child = undefined;
  await dir.remove();
});

/** Starts the writer in a real child process and resolves once it has written something. */
async function startWriter(mode: 'continuous' | 'torn', integrity = false): Promise<ChildProcess> {
  const started = spawn(process.execPath, [writerScript, dir.path, mode, integrity ? '1' : '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = started;
  let stderr = '';
  started.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines = createInterface({ input: started.stdout as NodeJS.ReadableStream });
  const exited = once(started, 'exit').then(() => {
    throw new Error(`writer exited early: ${stderr}`);
  });
  await Promise.race([once(lines, 'line'), exited]);
  return started;
}

async function killHard(process: ChildProcess): Promise<void> {
  process.kill('SIGKILL');
  // Wait for the exit: until the child is reaped its pid still answers kill(pid, 0).
  await once(process, 'exit');
}

async function inprogressFiles(): Promise<string[]> {
  return (await listFiles(dir.path)).filter((path) => path.endsWith('.inprogress'));
}

async function endsWithNewline(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) return true;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

async function deadPid(): Promise<number> {
  const shortLived = spawn(process.execPath, ['-e', '0']);
  await once(shortLived, 'exit');
  return shortLived.pid ?? 999_999;
}

describe('recovery after SIGKILL of a real writer process', () => {
  it('cuts the torn line of a write cut short, counts it, and closes the file; a live writer is left alone', async () => {
    const writer = await startWriter('torn');
    const [open] = await inprogressFiles();
    const sizeWhileAlive = (await stat(join(dir.path, open ?? ''))).size;

    const whileAlive = await recoverDirectory({ directory: dir.path });
    expect(whileAlive).toMatchObject({ skippedLiveFiles: 1, recoveredFiles: 0, tornLines: 0 });
    expect(await inprogressFiles()).toEqual([open]);
    expect((await stat(join(dir.path, open ?? ''))).size).toBe(sizeWhileAlive);

    await killHard(writer);
    const report = await recoverDirectory({ directory: dir.path, compress: false });
    expect(report).toMatchObject({ recoveredFiles: 1, tornLines: 1, skippedLiveFiles: 0 });
    expect(report.cutBytes).toBe(Buffer.byteLength('{"event":"ml.prediction","timestamp":"2026-01-31T12:'));

    const files = await listFiles(dir.path);
    expect(files).toEqual([open?.replace(/\.inprogress$/, '')]);
    const text = await readDataFile(join(dir.path, files[0] ?? ''));
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(500);
    expect(lines).toEqual(Array.from({ length: 5 }, () => predictionBatch(100).map(expectedLine)).flat());
  });

  it('leaves only complete lines after killing a writer at an arbitrary point, counting a torn tail', async () => {
    const writer = await startWriter('continuous');
    // Kill while a write is visibly under way if a few hundred looks catch one, else wherever it
    // is: the assertions below hold either way (a count of looks, not a time bound).
    for (let look = 0; look < 500; look++) {
      const [open] = await inprogressFiles();
      if (open !== undefined && !(await endsWithNewline(join(dir.path, open)))) break;
    }
    await killHard(writer);
    const [open] = await inprogressFiles();
    expect(open).toBeDefined();
    const tornBefore = !(await endsWithNewline(join(dir.path, open ?? '')));

    const report = await recoverDirectory({ directory: dir.path });
    expect(report.recoveredFiles).toBe(1);
    expect(report.tornLines).toBe(tornBefore ? 1 : 0);
    expect(report.compressedFiles).toBe(1);

    const files = await listFiles(dir.path);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/\.ndjson\.gz$/);
    const lines = await readAllLines(dir.path);
    expect(lines.length).toBeGreaterThanOrEqual(5_000);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('recovers a hash-chained file so that it still verifies, noting the cut in the trailer', async () => {
    const writer = await startWriter('torn', true);
    await killHard(writer);
    const report = await recoverDirectory({ directory: dir.path, compress: false });
    expect(report).toMatchObject({ recoveredFiles: 1, tornLines: 1 });

    const lines = await readAllLines(dir.path);
    expect(lines).toHaveLength(502);
    expect(JSON.parse(lines[501] ?? '')).toMatchObject({ _predlog: 'trailer', lines: 500, recovered: true });
    expect(JSON.parse(lines[501] ?? '').cutBytes).toBeGreaterThan(0);
    expect(await verifyIntegrity(dir.path)).toMatchObject({ ok: true, filesChecked: 1, linesVerified: 500 });
  });
});

describe('recovery at exporter start', () => {
  it('recovers stale in-progress files before the first write and counts them in its metrics', async () => {
    const pid = await deadPid();
    const partition = join(dir.path, 'logs/model_name=fraud/date=2026-01-30');
    await mkdir(partition, { recursive: true });
    const stale = `part-2026-01-30T10-00-00-000Z-${pid}-000001.ndjson.inprogress`;
    const good = predictionBatch(2).map(expectedLine).join('\n');
    await writeFile(join(partition, stale), `${good}\n{"event":"ml.pre`);
    // An earlier process with our own pid (a container restart) left this one: not ours to keep.
    const ownStale = `part-2026-01-30T09-00-00-000Z-${process.pid}-000001.ndjson.inprogress`;
    await writeFile(join(partition, ownStale), `${good}\n`);

    const exporter = new FileExporter(
      fileExporterConfigSchema.parse({ directory: 'logs', compress: false }),
      env.services,
    );
    await exporter.ready;
    expect(exporter.stats()).toMatchObject({ filesRecovered: 2, tornLinesCut: 1 });
    expect(env.metrics.sum('predlog.exporter.file.files_recovered')).toBe(2);
    expect(env.metrics.sum('predlog.exporter.file.torn_lines_cut')).toBe(1);
    await exporter.shutdown();

    const files = await listFiles(partition);
    expect(files).toEqual([ownStale.replace('.inprogress', ''), stale.replace('.inprogress', '')]);
    expect(await readFile(join(partition, files[1] ?? ''), 'utf8')).toBe(`${good}\n`);
  });

  it('removes compression leftovers and finishes interrupted compressions', async () => {
    const pid = await deadPid();
    const partition = join(dir.path, 'model_name=fraud/date=2026-01-30');
    await mkdir(partition, { recursive: true });
    const body = `${predictionBatch(3).map(expectedLine).join('\n')}\n`;
    const done = `part-2026-01-30T08-00-00-000Z-${pid}-000001.ndjson`;
    await writeFile(join(partition, done), body);
    await writeFile(join(partition, `${done}.gz`), gzipSync(body));
    const pending = `part-2026-01-30T09-00-00-000Z-${pid}-000002.ndjson`;
    await writeFile(join(partition, pending), body);
    await writeFile(join(partition, `${pending}.gz.${pid}.tmp`), gzipSync(body).subarray(0, 10));
    const empty = `part-2026-01-30T10-00-00-000Z-${pid}-000003.ndjson.inprogress`;
    await writeFile(join(partition, empty), '{"event":"ml.');

    const report = await recoverDirectory({ directory: dir.path });
    expect(report).toMatchObject({
      removedDuplicates: 1,
      removedTempFiles: 1,
      compressedFiles: 1,
      removedEmptyFiles: 1,
      tornLines: 1,
      recoveredFiles: 0,
    });
    expect(await listFiles(partition)).toEqual([`${done}.gz`, `${pending}.gz`]);
    expect(await readDataFile(join(partition, `${pending}.gz`))).toBe(body);
  });
});
