import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyReadStats, scanPredictions } from '../../src/log-selection.ts';

// The round trip through real compaction is in packages/cli/test/analytics-compacted-logs.test.ts
// (the analytics do not depend on the exporter); here: a file that is not Parquet.

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'predlog-parquet-scan-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a .parquet file that cannot be read', () => {
  it('is counted as unreadable, shadows no NDJSON file and throws nothing', async () => {
    const partition = path.join(dir, 'model_name=m', 'date=2026-01-30');
    await mkdir(partition, { recursive: true });
    const base = 'part-2026-01-30T00-00-00-000Z-1-000001';
    await writeFile(path.join(partition, `${base}.parquet`), 'not parquet at all');
    const line = { event: 'ml.prediction', timestamp: '2026-01-30T01:00:00.000Z', model_name: 'm' };
    await writeFile(path.join(partition, `${base}.ndjson`), `${JSON.stringify(line)}\n`);
    const stats = emptyReadStats();
    const seen: unknown[] = [];
    await scanPredictions(
      { directory: dir },
      (record) => {
        seen.push(record);
      },
      stats,
    );
    expect(seen).toEqual([line]);
    expect(stats).toMatchObject({ filesRead: 1, records: 1, unreadableFiles: 1 });
  });
});
