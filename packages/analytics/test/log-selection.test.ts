import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StoredRecord } from '@predlog/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LogSelection,
  listPartitions,
  type ReadStats,
  scanFeedback,
  scanPredictions,
} from '../src/index.ts';
import { unescapePartitionValue } from '../src/internal/log-scanner.ts';
import { emptyReadStats } from '../src/log-selection.ts';
import { type Row, removeDir, tempDir, writePartitions } from './support/partition-files.ts';

let root: string;

const prediction = (id: string, model: string, timestamp: string): Row => ({
  event: 'ml.prediction',
  timestamp,
  request_id: id,
  prediction_id: id,
  model_name: model,
  model_version: '1',
  input_features: {},
  prediction: 1,
  latency_ms: 1,
  serving_node: 'n',
});

beforeAll(async () => {
  root = await tempDir('selection');
  await writePartitions(root, [prediction('a1', 'fraud', '2026-03-01T10:00:00.000Z')]);
  await writePartitions(root, [prediction('a2', 'fraud', '2026-03-02T10:00:00.000Z')], { gzip: true });
  await writePartitions(root, [prediction('a3', 'fraud', '2026-03-03T10:00:00.000Z')], { inprogress: true });
  await writePartitions(root, [prediction('a4', 'fraud', '2026-03-03T11:00:00.000Z')], {
    retention: 'audit',
  });
  await writePartitions(root, [prediction('b1', 'churn/v2', '2026-03-05T10:00:00.000Z')]);
  await writePartitions(root, [
    { event: 'ml.feedback', timestamp: '2026-03-04T00:00:00.000Z', request_id: 'a1', label: 1, source: 's' },
  ]);
  // A torn last line, as a crashed writer leaves an in-progress file.
  const dir = path.join(root, 'model_name=fraud', 'date=2026-03-04');
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, 'part-2026-03-04T00-00-00-000Z-99-000001.ndjson.inprogress'),
    `${JSON.stringify(prediction('a5', 'fraud', '2026-03-04T10:00:00.000Z'))}\n{"event":"ml.predic`,
  );
});

afterAll(async () => {
  await removeDir(root);
});

type Scan = (selection: LogSelection, on: (r: StoredRecord) => void, stats?: ReadStats) => Promise<void>;

async function ids(scan: Scan, selection: LogSelection, stats?: ReadStats): Promise<string[]> {
  const out: string[] = [];
  await scan(
    selection,
    (r) => {
      out.push(String(r.request_id));
    },
    stats,
  );
  return out.sort();
}

describe('log selection', () => {
  it('reads predictions of plain, gzip and in-progress files, below a retention level too', async () => {
    const stats: ReadStats = emptyReadStats();
    expect(await ids(scanPredictions, { directory: root, model: 'fraud' }, stats)).toEqual([
      'a1',
      'a2',
      'a3',
      'a4',
      'a5',
    ]);
    expect(stats.records).toBe(5);
    expect(stats.tornLines).toBe(1);
  });

  it('honours the window and unescapes model names', async () => {
    const window = {
      directory: root,
      since: new Date('2026-03-02T00:00:00Z'),
      until: new Date('2026-03-03T10:30:00Z'),
    };
    expect(await ids(scanPredictions, window)).toEqual(['a2', 'a3']);
    expect(await ids(scanPredictions, { directory: root, model: 'churn/v2' })).toEqual(['b1']);
  });

  it('reads feedback of the model and of _unknown', async () => {
    expect(await ids(scanFeedback, { directory: root, model: 'fraud' })).toEqual(['a1']);
  });

  it('lists models and dates from directory names', async () => {
    expect(await listPartitions(root)).toEqual({
      models: ['churn/v2', 'fraud'],
      dates: ['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05'],
    });
    expect((await listPartitions(root, 'churn/v2')).dates).toEqual(['2026-03-05']);
    expect(unescapePartitionValue('a%2Fb')).toBe('a/b');
    expect(unescapePartitionValue('bad%zz')).toBe('bad%zz');
  });
});
