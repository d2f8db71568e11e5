import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createNoopMeter } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { afterEach, describe, expect, it } from 'vitest';
import { exportQueueConfigSchema } from '../src/config.ts';
import { ExportError } from '../src/contracts.ts';
import { ExportQueue } from '../src/export-queue.ts';
import { PredlogLogRecord } from '../src/log-record.ts';
import { SelfMetrics } from '../src/self-metrics.ts';
import { listSpillSegments, readSpillSegment, spillFolderOwner } from '../src/spill-reader.ts';
import { FakeClock, MemoryExporter, recordingDiagnostics } from './support.ts';

const resource = resourceFromAttributes({ 'service.name': 'fraud-api' });
const records = (n: number, from = 0) =>
  Array.from(
    { length: n },
    (_, i) =>
      new PredlogLogRecord({
        hrTime: [1_700_000_000 + from + i, 0],
        resource,
        instrumentationScope: { name: '@predlog/core', version: '0.1.0' },
        attributes: { i: from + i, 'ml.model.name': 'fraud' },
        body: { prediction: 'legit' },
        eventName: 'ml.prediction',
        jsonSafe: true,
      }),
  );

/** Leaves a spill behind: a queue whose sink is down, shut down with its records on disk. */
async function spillOf(root: string, id: string, n: number): Promise<ExportQueue> {
  const exporter = new MemoryExporter(id);
  exporter.failWith = () => new ExportError('down', { retryable: true });
  const q = new ExportQueue(
    exporter,
    exportQueueConfigSchema.parse({
      maxBatchSize: 10,
      maxBatchAgeMs: 5,
      spill: { enabled: true, directory: root },
    }),
    {
      metrics: new SelfMetrics(createNoopMeter()),
      diagnostics: recordingDiagnostics().diagnostics,
      clock: new FakeClock(),
    },
  );
  await q.opened();
  q.enqueue(records(n));
  await q.forceFlush();
  return q;
}

describe('spill reader', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('lists the segments of an exporter folder, or of every folder under the root, oldest first', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'predlog-reader-'));
    dirs.push(root);
    await (await spillOf(root, 'b', 25)).shutdown(10);
    await (await spillOf(root, 'a', 5)).shutdown(10);

    const ofB = await listSpillSegments(path.join(root, 'b'));
    expect(ofB.length).toBeGreaterThanOrEqual(2);
    expect(ofB.map((s) => s.seq)).toEqual([...ofB.map((s) => s.seq)].sort((x, y) => x - y));
    const all = await listSpillSegments(root);
    expect(all.map((s) => path.basename(s.folder))).toEqual(['a', ...ofB.map(() => 'b')]);

    const read: number[] = [];
    for (const segment of ofB) {
      const contents = await readSpillSegment(segment.file);
      expect(contents.exporter).toBe('b');
      expect(contents.tornTail).toBe(false);
      read.push(...contents.records.map((r) => r.attributes.i as number));
      expect(contents.records[0]?.resource.attributes['service.name']).toBe('fraud-api');
      expect(contents.records[0]?.instrumentationScope).toEqual({ name: '@predlog/core', version: '0.1.0' });
    }
    expect(read).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('names the live process using a folder, and nobody once it shut down', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'predlog-reader-'));
    dirs.push(root);
    const q = await spillOf(root, 'x', 3);
    expect(await spillFolderOwner(path.join(root, 'x'))).toBe(process.pid);
    await q.shutdown(10);
    expect(await spillFolderOwner(path.join(root, 'x'))).toBeUndefined();
  });
});
