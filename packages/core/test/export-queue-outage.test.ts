import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPredictionLogger, type PredictionLogger } from '../src/prediction-logger.ts';
import type { PipelineStats } from '../src/self-metrics.ts';
import { jsonLinesExporterFactory, TestSink } from './http-sink.ts';
import { advanceUntil, FakeClock, recordingDiagnostics } from './support.ts';

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

const empty = (logger: PredictionLogger) => {
  const stats = logger.stats();
  return stats.queueDepth === 0 && sum(stats.exportQueueDepth) === 0;
};

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
    // One fake clock drives both loggers' batching, retries and probes: 20 s pass in a few real ones.
    const clock = new FakeClock();

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
        clock,
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
    let spilledDuringOutage = 0;
    let segmentsDuringOutage = 0;
    for (let tick = 0; tick * TICK_MS < OUTAGE_MS; tick++) {
      for (let i = 0; i < PER_TICK; i++) {
        const n = tick * PER_TICK + i;
        const id = `pred-${String(n).padStart(6, '0')}`;
        expect(spilling.record({ predictionId: id, requestId: `r-${n}`, prediction: 1, score: 0.5 })).toBe(
          id,
        );
        expect(plain.record({ predictionId: id, requestId: `r-${n}`, prediction: 1, score: 0.5 })).toBe(id);
        expected.push(id);
      }
      // One tick of fake time, with a real millisecond or two for refused connections to come back.
      const until = clock.monotonic() + TICK_MS;
      await advanceUntil(clock, () => clock.monotonic() >= until, { stepMs: TICK_MS / 5, ioPollsPerStep: 1 });
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
    // No restart: the spill drains while the process runs, once a probe finds the sink back.
    await advanceUntil(clock, () => empty(spilling) && empty(plain), {
      stepMs: 10,
      ioPollsPerStep: 1,
      limitMs: 120_000,
    });

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
  }, 120_000);
});
