import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const fixture = fileURLToPath(new URL('./fixtures/million-records.ts', import.meta.url));

const RECORDS = 1_000_000;
const CAP_BYTES = 16 * 1024 * 1024;
/**
 * The cap counts approximate serialised bytes (`approxBytes`, ≈ the record's JSON size). On the
 * heap a record of this shape weighs about 1.0× its JSON; group bookkeeping, the decision table
 * (10,000 decisions) and the 512-record batch in flight come on top. Measured: 1.19–1.23× the cap
 * (about 20 MB); asserted: at most 1.5× the cap (25.2 MB), a margin of about 4.5 MB. Without
 * the cap the run would hold 30 s of traffic (30,000 requests, ≈ 41 MB) and, with a longer wait,
 * all of it (≈ 1.4 GB).
 */
const HEAP_LIMIT_BYTES = 1.5 * CAP_BYTES;

interface RunFigures {
  records: number;
  capBytes: number;
  peakHeapGrowth: number;
  samples: number[];
  maxBufferedBytes: number;
  bufferedGroupsAtEnd: number;
  kept: number;
  dropped: number;
  earlyDecisions: Record<string, number>;
}

describe('a 1,000,000-record run', () => {
  it(`keeps the heap under ${HEAP_LIMIT_BYTES / 2 ** 20} MiB with a ${CAP_BYTES / 2 ** 20} MiB byte cap, and loses nothing`, async () => {
    // Its own process with --expose-gc: the heap measured holds this run only, after full GCs.
    const { stdout } = await run(
      process.execPath,
      ['--expose-gc', fixture, String(RECORDS), String(CAP_BYTES)],
      { maxBuffer: 1024 * 1024 },
    );
    const figures = JSON.parse(stdout) as RunFigures;
    expect(figures.records).toBe(RECORDS);
    // Every record was decided: kept or counted as dropped, none left behind.
    expect(figures.kept + figures.dropped).toBe(RECORDS);
    // The cap bound (groups were decided early for it) and the accounting never passed it.
    expect(figures.earlyDecisions.max_bytes).toBeGreaterThan(100_000);
    expect(figures.maxBufferedBytes).toBeLessThanOrEqual(CAP_BYTES);
    expect(figures.maxBufferedBytes).toBeGreaterThan(CAP_BYTES * 0.95);
    expect(figures.bufferedGroupsAtEnd).toBeGreaterThan(10_000);
    // The heap, measured after a full GC every 50,000 records, stays under the limit throughout
    // and does not creep up with the number of records.
    expect(figures.samples).toHaveLength(20);
    expect(figures.peakHeapGrowth).toBeLessThanOrEqual(HEAP_LIMIT_BYTES);
    const firstHalf = Math.max(...figures.samples.slice(0, 10));
    const secondHalf = Math.max(...figures.samples.slice(10));
    expect(secondHalf).toBeLessThan(firstHalf * 1.15);
  }, 60_000);
});
