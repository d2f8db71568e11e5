import { join } from 'node:path';
import { ExportError, ExportQueue, exportQueueConfigSchema, type PredlogLogRecord } from '@predlog/core';
import { type TempDir, type TestServices, tempDir, testServices } from '@predlog/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FileExporter,
  type FileExporterConfigInput,
  fileExporterConfigSchema,
  isControlLine,
  verifyIntegrity,
} from '../src/index.ts';
import { listFiles, readDataFile } from './support/data-files.ts';
import { FailingFileSystem } from './support/failing-file-system.ts';
import { predictionLogRecord } from './support/prediction-records.ts';

const MODELS = ['fraud', 'churn', 'ltv'];
let dir: TempDir;
let env: TestServices;
let fs: FailingFileSystem;

beforeEach(async () => {
  dir = await tempDir('predlog-file-');
  env = testServices({ id: 'file', baseDir: dir.path });
  fs = new FailingFileSystem();
});

afterEach(async () => {
  await dir.remove();
});

function exporter(config: Partial<FileExporterConfigInput> = {}): FileExporter {
  return new FileExporter(
    fileExporterConfigSchema.parse({ directory: 'logs', compress: false, ...config }),
    env.services,
    { fileSystem: fs },
  );
}

function root(): string {
  return join(dir.path, 'logs');
}

/** `count` predictions spread over three models (three partitions), with distinct request ids. */
function mixedBatch(count: number, first = 0): PredlogLogRecord[] {
  const start = Date.parse('2026-01-31T12:00:00.000Z');
  return Array.from({ length: count }, (_, n) => {
    const i = first + n;
    return predictionLogRecord({
      request_id: `req-${i}`,
      prediction_id: `pred-${i}`,
      model_name: MODELS[i % MODELS.length] ?? 'fraud',
      timestamp: new Date(start + i).toISOString(),
    });
  });
}

/** How many times each request id appears in the data files; a torn or unparsable line fails. */
async function requestIdCounts(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const path of await listFiles(root())) {
    const text = await readDataFile(join(root(), path));
    expect(text === '' || text.endsWith('\n'), `${path} ends in a partial line`).toBe(true);
    for (const line of text.split('\n')) {
      if (line === '' || isControlLine(line)) continue;
      const id = (JSON.parse(line) as { request_id: string }).request_id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  return counts;
}

async function expectEachOnce(records: readonly PredlogLogRecord[]): Promise<void> {
  const counts = await requestIdCounts();
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  expect(duplicated).toEqual([]);
  const ids = records.map((record) => String(record.attributes['ml.request.id']));
  expect([...counts.keys()].sort()).toEqual([...ids].sort());
}

async function inprogressFiles(): Promise<string[]> {
  return (await listFiles(root())).filter((path) => path.endsWith('.inprogress'));
}

/** What the export queue does with a retryable failure, without its timers: send again until accepted. */
async function sendUntilAccepted(
  file: FileExporter,
  records: readonly PredlogLogRecord[],
  beforeRetry: () => void,
): Promise<number> {
  let failures = 0;
  for (;;) {
    try {
      // A copy each time: nothing may depend on getting the same array back.
      await file.send(records.slice(), new AbortController().signal);
      return failures;
    } catch (error) {
      expect(error).toBeInstanceOf(ExportError);
      expect((error as ExportError).retryable).toBe(true);
      failures += 1;
      expect(failures).toBeLessThan(50);
      beforeRetry();
    }
  }
}

describe('a write that fails part-way', () => {
  for (const [code, integrity] of [
    ['ENOSPC', false],
    ['EDQUOT', false],
    ['EIO', false],
    ['ENOSPC', true],
  ] as const) {
    it(`leaves no line twice after ${code} across partitions and size rotation, then retries (integrity ${integrity})`, async () => {
      const file = exporter({ maxFileBytes: 6_000, integrity });
      await file.send(mixedBatch(30, 1000), new AbortController().signal);
      const before = file.stats().recordsWritten;
      // Room for part of the next batch: it fails after some partitions and files are written.
      fs.writeErrorCode = code;
      fs.freeBytes = 20_000;
      const records = mixedBatch(240);
      const failures = await sendUntilAccepted(file, records, () => {
        fs.freeBytes += 40_000;
      });
      expect(failures).toBeGreaterThan(1);
      expect(fs.failedWrites).toBeGreaterThan(1);
      await file.shutdown();

      await expectEachOnce([...mixedBatch(30, 1000), ...records]);
      expect(file.stats().recordsWritten - before).toBe(records.length);
      expect(file.stats().writeErrors).toBe(failures);
      expect(await inprogressFiles()).toEqual([]);
      if (integrity) expect(await verifyIntegrity(root())).toMatchObject({ ok: true, issues: [] });
    });
  }

  it('cuts back a file the failed batch had evicted (more partitions than maxOpenFiles)', async () => {
    const file = exporter({ maxOpenFiles: 1, integrity: true });
    await file.send(mixedBatch(9, 1000), new AbortController().signal);
    fs.freeBytes = 50_000;
    const records = mixedBatch(300);
    const failures = await sendUntilAccepted(file, records, () => {
      fs.freeBytes += 60_000;
    });
    expect(failures).toBeGreaterThan(0);
    await file.shutdown();
    await expectEachOnce([...mixedBatch(9, 1000), ...records]);
    expect(await verifyIntegrity(root())).toMatchObject({ ok: true, issues: [] });
    expect(await inprogressFiles()).toEqual([]);
  });

  it('holds back every write while a failed write cannot be cut back, then writes each record once', async () => {
    const file = exporter({ maxFileBytes: 6_000 });
    await file.send(mixedBatch(12, 1000), new AbortController().signal);
    fs.freeBytes = 5_000;
    fs.truncateErrorCode = 'EIO';
    const records = mixedBatch(60);
    await expect(file.send(records, new AbortController().signal)).rejects.toBeInstanceOf(ExportError);
    // Space is back but the partial write is still in the file: nothing new may be written yet.
    fs.freeBytes = Number.POSITIVE_INFINITY;
    const writesBefore = fs.writeCalls;
    await expect(file.send(records, new AbortController().signal)).rejects.toMatchObject({ retryable: true });
    expect(fs.writeCalls).toBe(writesBefore);
    fs.truncateErrorCode = undefined;
    await file.send(records, new AbortController().signal);
    await file.shutdown();
    await expectEachOnce([...mixedBatch(12, 1000), ...records]);
    expect(await inprogressFiles()).toEqual([]);
  });

  it('writes nothing of a batch whose send was aborted (timeout) while writing', async () => {
    const file = exporter({ maxFileBytes: 6_000 });
    const records = mixedBatch(90);
    const controller = new AbortController();
    fs.beforeWrite = () => {
      if (fs.writeCalls === 3) controller.abort(new Error('timed out'));
    };
    await expect(file.send(records, controller.signal)).rejects.toMatchObject({ retryable: true });
    expect(await requestIdCounts()).toEqual(new Map());
    fs.beforeWrite = undefined;
    await file.send(records, new AbortController().signal);
    await file.shutdown();
    await expectEachOnce(records);
    expect(file.stats().recordsWritten).toBe(records.length);
  });
});

describe('behind core export queue', () => {
  function queueFor(file: FileExporter, retry: boolean): ExportQueue {
    const config = exportQueueConfigSchema.parse({
      maxBatchSize: 200,
      retry: { enabled: retry, initialIntervalMs: 1, maxIntervalMs: 1, jitter: 0 },
    });
    // The queue keeps the system clock: its 1 ms backoff is not what is tested, and no assertion
    // depends on time; the disk frees up after a number of failed writes, not after a delay.
    return new ExportQueue(file, config, { diagnostics: env.services.diagnostics });
  }

  it('exports every record exactly once through ENOSPC and its retries, and the ledger balances', async () => {
    const file = exporter({ maxFileBytes: 6_000 });
    const queue = queueFor(file, true);
    fs.freeBytes = 30_000;
    // The disk is cleaned up after the third failed write.
    fs.beforeWrite = () => {
      if (fs.failedWrites >= 3) fs.freeBytes = Number.POSITIVE_INFINITY;
    };
    const records = mixedBatch(600);
    queue.enqueue(records);
    await queue.forceFlush();
    const stats = queue.stats();
    expect(stats.failures).toBeGreaterThanOrEqual(1);
    expect(stats).toMatchObject({ exported: records.length, dropped: {}, queued: 0 });
    await queue.shutdown(1_000);
    await expectEachOnce(records);
    expect(file.stats().recordsWritten).toBe(stats.exported);
    expect(await inprogressFiles()).toEqual([]);
  });

  it('counts a failed batch it gives up on as export_failed, and the files hold none of it', async () => {
    const file = exporter({ maxFileBytes: 6_000 });
    const queue = queueFor(file, false);
    fs.freeBytes = 30_000;
    const records = mixedBatch(600);
    queue.enqueue(records);
    await queue.forceFlush();
    const stats = queue.stats();
    const failed = stats.dropped.export_failed ?? 0;
    expect(failed).toBeGreaterThan(0);
    expect(stats.exported + failed).toBe(records.length);
    await queue.shutdown(1_000);
    const counts = await requestIdCounts();
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(counts.size).toBe(stats.exported);
    expect(file.stats().recordsWritten).toBe(stats.exported);
  });
});

describe('shutdown', () => {
  it('leaves no .inprogress file after rotation, eviction and several partitions', async () => {
    const file = exporter({ maxFileBytes: 4_000, maxOpenFiles: 2 });
    await file.send(mixedBatch(50), new AbortController().signal);
    await file.send(mixedBatch(50, 50), new AbortController().signal);
    expect((await inprogressFiles()).length).toBeGreaterThan(0);
    await file.shutdown();
    expect(await inprogressFiles()).toEqual([]);
    await expectEachOnce(mixedBatch(100));
  });

  it('leaves no .inprogress file, and no empty file, after a new file could not even take its header', async () => {
    const file = exporter({ integrity: true });
    fs.freeBytes = 40;
    const records = mixedBatch(6);
    await expect(file.send(records, new AbortController().signal)).rejects.toBeInstanceOf(ExportError);
    await file.shutdown();
    expect(await listFiles(root())).toEqual([]);
  });

  it('removes a file whose only write failed instead of closing it empty', async () => {
    const file = exporter();
    fs.freeBytes = 100;
    await expect(file.send(mixedBatch(3), new AbortController().signal)).rejects.toBeInstanceOf(ExportError);
    await file.shutdown();
    expect(await listFiles(root())).toEqual([]);
  });

  it('closes a file whose close failed through recovery, before shutdown resolves', async () => {
    const file = exporter({ integrity: true });
    const records = mixedBatch(6);
    await file.send(records, new AbortController().signal);
    fs.failingRenames = 1;
    await file.shutdown();
    expect(await inprogressFiles()).toEqual([]);
    expect(file.stats().writeErrors).toBe(1);
    await expectEachOnce(records);
    expect(await verifyIntegrity(root())).toMatchObject({ ok: true, filesChecked: 3 });
  });

  it('says so when a file still cannot be cut back at shutdown, and leaves it for recovery', async () => {
    const file = exporter();
    await file.send(mixedBatch(3, 100), new AbortController().signal);
    fs.freeBytes = 500;
    fs.truncateErrorCode = 'EIO';
    await expect(file.send(mixedBatch(30), new AbortController().signal)).rejects.toBeInstanceOf(ExportError);
    await file.shutdown();
    expect(await inprogressFiles()).toHaveLength(1);
    expect(env.diagnostics.map((event) => event.code)).toContain('file.left_inprogress');
  });

  it('closes every file even while the disk is still full', async () => {
    const file = exporter({ maxFileBytes: 6_000 });
    await file.send(mixedBatch(30), new AbortController().signal);
    fs.freeBytes = 0;
    await expect(file.send(mixedBatch(30, 30), new AbortController().signal)).rejects.toBeInstanceOf(
      ExportError,
    );
    await file.shutdown();
    expect(await inprogressFiles()).toEqual([]);
    await expectEachOnce(mixedBatch(30));
  });
});
