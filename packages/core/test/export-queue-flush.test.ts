import { describe, expect, it } from 'vitest';
import { PredictionLogger } from '../src/prediction-logger.ts';
import { FakeClock, MemoryExporter, recordingDiagnostics, settle, turn } from './support.ts';

describe('PredictionLogger.forceFlush under continuous traffic', () => {
  it('resolves once what was recorded before the call is exported, while record() keeps being called', async () => {
    const clock = new FakeClock();
    const exporter = new MemoryExporter('mem', clock);
    // A sink that takes 40 ms per batch of 100, for traffic of 5,000 records/s: never idle.
    exporter.delayMs = 40;
    const logger = new PredictionLogger({
      pipelines: [
        {
          exporters: [
            { exporter, queue: { maxBatchSize: 100, maxBatchAgeMs: 50, maxQueueRecords: 1_000_000 } },
          ],
        },
      ],
      model: { name: 'fraud', version: '1' },
      diagnostics: recordingDiagnostics().diagnostics,
      clock,
    });
    let recorded = 0;
    const traffic = clock.setInterval(() => {
      for (let i = 0; i < 50; i++) logger.record({ requestId: `r-${recorded++}`, prediction: 1 });
    }, 10);
    await clock.advanceAsync(2_000);
    const before = recorded;
    let exportedAtFlush: number | undefined;
    const flushed = logger.forceFlush().then(() => {
      exportedAtFlush = logger.stats().exported.mem;
    });
    for (let step = 0; exportedAtFlush === undefined; step++) {
      if (step > 10_000) throw new Error('forceFlush did not resolve');
      await clock.advanceAsync(5);
      await turn();
    }
    await flushed;
    expect(exportedAtFlush).toBeGreaterThanOrEqual(before);
    const requestIds = exporter.records.slice(0, before).map((r) => r.attributes['ml.request.id']);
    expect(requestIds).toEqual(Array.from({ length: before }, (_, i) => `r-${i}`));
    // Traffic went on the whole time: the queue was not empty when the flush ended.
    expect(recorded).toBeGreaterThan(before);
    expect(logger.stats().exportQueueDepth.mem).toBeGreaterThan(0);
    traffic.cancel();
    await settle(clock, logger.shutdown());
    expect(logger.stats().exported.mem).toBe(recorded);
  });
});
