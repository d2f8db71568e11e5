import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPredictionLogger, type PredictionLogger } from '../src/prediction-logger.ts';
import type { PipelineStats } from '../src/self-metrics.ts';
import { jsonLinesExporterFactory, TestSink } from './http-sink.ts';
import { recordingDiagnostics } from './support.ts';

const OUTAGE_MS = 20_000;
const TICK_MS = 50;
const PER_TICK = 25;

const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);

/** received + recovered = sampledOut + dropped + exported + everything still queued (memory and disk). */
function balances(stats: PipelineStats): boolean {
  const out =
    stats.sampledOut +
    sum(stats.dropped) +
    sum(stats.exported) +
    stats.queueDepth +
    sum(stats.exportQueueDepth);
  return stats.received + sum(stats.spillRecovered) === out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function drained(logger: PredictionLogger, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const stats = logger.stats();
    if (stats.queueDepth === 0 && sum(stats.exportQueueDepth) === 0) return;
    if (performance.now() > deadline) throw new Error('the queue did not drain');
    await sleep(20);
  }
}

describe('a sink that is down for 20 s, then returns', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('with a spill every record arrives exactly once, in order; without, the drop counters equal what is missing', async () => {
    const withSpill = await TestSink.start();
    const withoutSpill = await TestSink.start();
    cleanup.push(
      () => withSpill.close(),
      () => withoutSpill.close(),
    );
    const spillRoot = await mkdtemp(path.join(os.tmpdir(), 'predlog-outage-'));
    cleanup.push(() => rm(spillRoot, { recursive: true, force: true }));

    const logger = (sink: TestSink, spill: boolean) =>
      createPredictionLogger({
        config: {
          exporters: {
            jsonlines: {
              endpoint: sink.url,
              queue: {
                maxBatchSize: 100,
                maxBatchAgeMs: 50,
                maxQueueRecords: 1000,
                retry: { initialIntervalMs: 50, maxIntervalMs: 500, maxElapsedMs: 5000 },
                ...(spill ? { spill: { enabled: true, directory: spillRoot } } : {}),
              },
            },
          },
          pipelines: { predictions: { exporters: ['jsonlines'] } },
        },
        components: [jsonLinesExporterFactory],
        model: { name: 'fraud', version: '1' },
        diagnostics: recordingDiagnostics().diagnostics,
      });
    const spilling = await logger(withSpill, true);
    const plain = await logger(withoutSpill, false);
    cleanup.push(
      () => spilling.shutdown(),
      () => plain.shutdown(),
    );

    await withSpill.goDown();
    await withoutSpill.goDown();
    const expected: string[] = [];
    const started = performance.now();
    let spilledDuringOutage = 0;
    let segmentsDuringOutage = 0;
    for (let tick = 0; performance.now() - started < OUTAGE_MS; tick++) {
      for (let i = 0; i < PER_TICK; i++) {
        const n = tick * PER_TICK + i;
        const id = `pred-${String(n).padStart(6, '0')}`;
        expect(spilling.record({ predictionId: id, requestId: `r-${n}`, prediction: 1, score: 0.5 })).toBe(
          id,
        );
        expect(plain.record({ predictionId: id, requestId: `r-${n}`, prediction: 1, score: 0.5 })).toBe(id);
        expected.push(id);
      }
      await sleep(TICK_MS);
      expect(balances(spilling.stats())).toBe(true);
      expect(balances(plain.stats())).toBe(true);
      if (tick === Math.floor(OUTAGE_MS / TICK_MS / 2)) {
        spilledDuringOutage = spilling.stats().spilled.jsonlines ?? 0;
        segmentsDuringOutage = (await readdir(path.join(spillRoot, 'jsonlines'))).filter((f) =>
          f.startsWith('seg-'),
        ).length;
      }
    }
    expect(spilledDuringOutage).toBeGreaterThan(1000);
    expect(segmentsDuringOutage).toBeGreaterThan(0);

    await withSpill.comeBack();
    await withoutSpill.comeBack();
    await drained(spilling, 15_000);
    await drained(plain, 15_000);

    // With the spill: every record once, in the order it was recorded, nothing dropped.
    const spillStats = spilling.stats();
    expect(withSpill.duplicates()).toEqual([]);
    expect(withSpill.arrivals).toEqual(expected);
    expect(spillStats.exported.jsonlines).toBe(expected.length);
    expect(spillStats.dropped).toEqual({});
    expect(balances(spillStats)).toBe(true);

    // Without: no duplicates either, and what is missing is exactly what the counters say was dropped.
    const plainStats = plain.stats();
    const missing = expected.filter((id) => !withoutSpill.counts.has(id)).length;
    expect(withoutSpill.duplicates()).toEqual([]);
    expect(missing).toBeGreaterThan(0);
    expect(sum(plainStats.dropped)).toBe(missing);
    expect(Object.keys(plainStats.dropped).sort()).toEqual([
      'export_failed:jsonlines',
      'export_queue_full:jsonlines',
    ]);
    expect(plainStats.exported.jsonlines).toBe(expected.length - missing);
    expect(balances(plainStats)).toBe(true);
  }, 60_000);
});
