import { mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredRecord } from '@predlog/schema';
import { expectedLine, type TempDir, type TestServices, tempDir, testServices } from '@predlog/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CompactionReport,
  compactDirectory,
  FileExporter,
  fileExporterConfigSchema,
  queryRecords,
} from '../src/index.ts';
import { listFiles } from './support/data-files.ts';
import { predictionBatch } from './support/prediction-records.ts';

const HOUR_MS = 60 * 60 * 1000;
const DATES = ['2026-01-29', '2026-01-30', '2026-01-31'] as const;
let dir: TempDir;
let env: TestServices;
/** Every compaction the exporter started, so a test can wait for one to finish. */
let runs: Array<Promise<CompactionReport>>;

function exporter(compaction: Record<string, unknown> | undefined): FileExporter {
  return new FileExporter(
    fileExporterConfigSchema.parse({
      directory: dir.path,
      compress: false,
      maxFileAgeMs: 60_000,
      ...(compaction === undefined ? {} : { compaction }),
    }),
    env.services,
    {
      compact: (options) => {
        const run = compactDirectory(options);
        runs.push(run);
        return run;
      },
    },
  );
}

async function settle(): Promise<void> {
  for (let seen = -1; seen !== runs.length; ) {
    seen = runs.length;
    await Promise.allSettled(runs);
  }
}

async function allRecords(): Promise<string[]> {
  const lines: string[] = [];
  for await (const record of queryRecords({ directory: dir.path })) lines.push(JSON.stringify(record));
  return lines;
}

function filesOf(files: string[], date: string): string[] {
  return files.filter((file) => file.includes(`date=${date}/`)).map((file) => file.replace(/^.*\./, '.'));
}

beforeEach(async () => {
  dir = await tempDir('predlog-compaction-option-');
  env = testServices({ id: 'file', baseDir: dir.path }); // now: 2026-01-31T12:00Z
  runs = [];
});

afterEach(async () => {
  await dir.remove();
});

describe('FileExporter compaction option', () => {
  it('is off by default: no compaction runs', async () => {
    const file = exporter(undefined);
    await file.ready;
    await env.clock.advanceAsync(2 * HOUR_MS);
    expect(runs).toHaveLength(0);
    await file.shutdown();
  });

  it('compacts days over for afterDays, every intervalMs on the injected clock, and leaves the rest', async () => {
    const file = exporter({ afterDays: 1, intervalMs: HOUR_MS });
    await file.ready;
    // The run at start (after recovery) finds an empty tree.
    await settle();
    expect(runs).toHaveLength(1);
    const written: string[] = [];
    for (const date of DATES) {
      const batch = predictionBatch(20, {}, `${date}T10:00:00.000Z`);
      await file.send(batch, new AbortController().signal);
      written.push(...batch.map(expectedLine));
    }
    // The idle check closes the files by age.
    await env.clock.advanceAsync(60_000);
    await file.forceFlush();
    await settle();
    expect(file.stats().partitionsCompacted).toBe(0);

    await env.clock.advanceAsync(HOUR_MS);
    await settle();
    // 13:01 on the 31st: only the 29th has been over for a whole day.
    let files = await listFiles(dir.path);
    expect(filesOf(files, '2026-01-29')).toEqual(['.parquet']);
    expect(filesOf(files, '2026-01-30')).toEqual(['.ndjson']);
    expect(filesOf(files, '2026-01-31')).toEqual(['.ndjson']);
    expect(file.stats().partitionsCompacted).toBe(1);
    expect(env.metrics.sum('predlog.exporter.file.partitions_compacted')).toBe(1);

    // A run still going when the next is due makes that one skip: step hour by hour.
    for (let hour = 0; hour < 11; hour++) {
      await env.clock.advanceAsync(HOUR_MS);
      await settle();
    }
    files = await listFiles(dir.path);
    expect(filesOf(files, '2026-01-30')).toEqual(['.parquet']);
    expect(filesOf(files, '2026-01-31')).toEqual(['.ndjson']);
    expect((await allRecords()).map((line) => JSON.parse(line) as StoredRecord)).toEqual(
      written.map((line) => JSON.parse(line) as StoredRecord),
    );
    expect(env.diagnostics).toEqual([]);
    await file.shutdown();
  });

  it('reports a failing compaction once, leaves the NDJSON in place, and succeeds once the cause is gone', async () => {
    const file = exporter({ afterDays: 0, intervalMs: HOUR_MS });
    await file.ready;
    await settle();
    const batch = predictionBatch(20, {}, '2026-01-30T10:00:00.000Z');
    await file.send(batch, new AbortController().signal);
    await env.clock.advanceAsync(60_000);
    await file.forceFlush();
    await settle();
    // A directory where the Parquet file must go: the rename into place fails.
    const partition = join(dir.path, 'model_name=fraud', 'date=2026-01-30');
    const sources = (await listFiles(partition)).filter((name) => name.endsWith('.ndjson'));
    expect(sources).toHaveLength(1);
    const [source] = sources;
    const blocker = join(partition, `${String(source).replace(/\.ndjson$/, '')}.parquet`);
    await mkdir(join(blocker, 'x'), { recursive: true });

    await env.clock.advanceAsync(HOUR_MS);
    await settle();
    await env.clock.advanceAsync(HOUR_MS);
    await settle();
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(env.diagnostics.map((d) => d.code)).toEqual(['file.compaction_failed']);
    expect(env.diagnostics[0]?.message).not.toContain(dir.path);
    expect(filesOf(await listFiles(dir.path), '2026-01-30')).toEqual(['.ndjson']);
    expect(await allRecords()).toEqual(batch.map(expectedLine));

    await rmdir(join(blocker, 'x'));
    await rmdir(blocker);
    await env.clock.advanceAsync(HOUR_MS);
    await settle();
    expect(filesOf(await listFiles(dir.path), '2026-01-30')).toEqual(['.parquet']);
    expect(await allRecords()).toEqual(batch.map(expectedLine));
    await file.shutdown();
  });

  it('rejects a bad compaction config naming the key', () => {
    const result = fileExporterConfigSchema.safeParse({ directory: 'x', compaction: { intervalMs: 5 } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['compaction', 'intervalMs']);
    expect(fileExporterConfigSchema.parse({ directory: 'x', compaction: {} }).compaction).toEqual({
      afterDays: 1,
      intervalMs: HOUR_MS,
      memoryLimit: '256MB',
    });
  });
});
