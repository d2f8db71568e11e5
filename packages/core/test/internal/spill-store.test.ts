import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { afterEach, describe, expect, it } from 'vitest';
import { SpillLockedError, SpillStore, type SpillStoreOptions } from '../../src/internal/spill-store.ts';
import { type LogRecordLike, PredlogLogRecord } from '../../src/log-record.ts';

const resource = resourceFromAttributes({ 'service.name': 't' });
const records = (n: number, from = 0) =>
  Array.from(
    { length: n },
    (_, i) =>
      new PredlogLogRecord({
        hrTime: [1_700_000_000 + from + i, 0],
        resource,
        instrumentationScope: { name: 'test' },
        attributes: { i: from + i },
        approxBytes: 100,
        jsonSafe: true,
      }),
  );
const ids = (list: readonly LogRecordLike[]) => list.map((r) => r.attributes.i);

describe('SpillStore', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  async function store(options: Partial<SpillStoreOptions> = {}) {
    const directory = options.directory ?? (await mkdtemp(path.join(os.tmpdir(), 'predlog-store-')));
    dirs.push(directory);
    const drops: Array<[string, number]> = [];
    const s = new SpillStore({
      directory,
      exporterId: 'test',
      maxBytes: 1024 * 1024,
      fsync: false,
      maxSegmentRecords: 10,
      maxSegmentApproxBytes: 100_000,
      now: () => Date.parse('2026-01-31T00:00:00Z'),
      onDrop: (reason, count) => drops.push([reason, count]),
      onIoError: () => undefined,
      ...options,
    });
    return { s, directory, drops, recovery: await s.open() };
  }
  const segmentNames = async (dir: string) => (await readdir(dir)).filter((n) => n.startsWith('seg-')).sort();

  it('coalesces appends into segments of at most one batch, and writes a header first', async () => {
    const { s, directory } = await store();
    s.append(records(4));
    s.append(records(4, 4));
    s.append(records(4, 8)); // 12 > 10: a new segment
    await s.flush();
    const names = await segmentNames(directory);
    expect(names).toHaveLength(2);
    const first = (await readFile(path.join(directory, names[0] as string), 'utf8')).split('\n');
    expect(JSON.parse(first[0] as string)).toMatchObject({ predlog: 'spill', exporter: 'test' });
    expect(first.filter(Boolean)).toHaveLength(9);
    expect(s.records).toBe(12);
    await s.close();
  });

  it('puts a prepended batch in front, under a lower sequence number, so the order survives a restart', async () => {
    const { s, directory } = await store();
    s.append(records(5, 10));
    s.prepend(records(5, 0));
    await s.close();
    const names = await segmentNames(directory);
    expect(names).toHaveLength(2);
    const again = await store({ directory });
    const loaded: unknown[] = [];
    for (let segment = again.s.head(); segment !== undefined; segment = again.s.head()) {
      loaded.push(...ids(await again.s.load(segment)));
      again.s.remove(segment);
    }
    expect(loaded).toEqual([0, 1, 2, 3, 4, 10, 11, 12, 13, 14]);
    await again.s.close();
  });

  it('never appends to a segment that is being sent', async () => {
    const { s } = await store();
    s.append(records(3));
    const head = s.head();
    if (head === undefined) throw new Error('no segment');
    const loading = s.load(head);
    s.append(records(3, 3));
    expect(ids(await loading)).toEqual([0, 1, 2]);
    s.remove(head);
    const next = s.head();
    if (next === undefined) throw new Error('no second segment');
    expect(ids(await s.load(next))).toEqual([3, 4, 5]);
    await s.close();
  });

  it('evicts the oldest segment that is not in flight when full', async () => {
    const one = Buffer.byteLength(JSON.stringify(records(1)[0])) * 10;
    const { s, drops } = await store({ maxBytes: 4096 + one, maxSegmentRecords: 5 });
    for (let i = 0; i < 20; i++) s.append(records(5, i * 5));
    expect(s.bytes).toBeLessThanOrEqual(4096 + one);
    const dropped = drops.filter(([reason]) => reason === 'spill_full').reduce((a, [, n]) => a + n, 0);
    expect(dropped).toBeGreaterThan(0);
    expect(s.records + dropped).toBe(100);
    const head = s.head();
    if (head === undefined) throw new Error('empty');
    // The survivors are the newest records.
    expect(ids(await s.load(head))[0]).toBe(dropped);
    await s.close();
  });

  it('counts a torn tail, deletes an empty segment and leaves a newer format alone on recovery', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'predlog-store-'));
    const first = await store({ directory });
    first.s.append(records(3));
    await first.s.close();
    const [name] = await segmentNames(directory);
    await writeFile(path.join(directory, name as string), '{"resource":', { flag: 'a' });
    await writeFile(
      path.join(directory, 'seg-0000999999999990.ndjson'),
      '{"predlog":"spill","version":99,"exporter":"test"}\n{"future":true}\n',
    );
    await writeFile(
      path.join(directory, 'seg-0000999999999991.ndjson'),
      '{"predlog":"spill","version":1,"exporter":"test","created":"x","pid":1}\n',
    );
    const again = await store({ directory });
    expect(again.recovery).toEqual({ segments: 1, records: 3, tornLines: 1, unreadableFiles: 1 });
    expect(await segmentNames(directory)).toEqual(['seg-0000999999999990.ndjson', name]);
    await again.s.close();
  });

  it('refuses a folder this process already uses, and takes over the lock of a dead process', async () => {
    const { directory, s } = await store();
    await expect(store({ directory })).rejects.toBeInstanceOf(SpillLockedError);
    await s.close();

    const dead = spawn(process.execPath, ['-e', '0']);
    const pid = dead.pid as number;
    await new Promise((resolve) => dead.on('exit', resolve));
    await mkdir(directory, { recursive: true });
    await writeFile(path.join(directory, 'spill.lock'), `${pid}\n`);
    const taken = await store({ directory });
    expect((await readFile(path.join(directory, 'spill.lock'), 'utf8')).trim()).toBe(String(process.pid));
    await taken.s.close();
    expect(await readdir(directory)).not.toContain('spill.lock');
  });

  it('keeps only what is left of a segment the sink partly settled: counts now, file rewritten whole', async () => {
    const { s, directory } = await store();
    s.append(records(10), 41);
    const head = s.head();
    if (head === undefined) throw new Error('no segment');
    expect(head.firstSeq).toBe(41);
    expect(s.oldestSeq()).toBe(41);
    const loaded = await s.load(head);
    const before = s.bytes;
    s.keep(head, [loaded[3], loaded[7], loaded[9]] as LogRecordLike[]);
    // The ledger moves in the same turn; the segment stays first in line, with its place in the sequence.
    expect(s.records).toBe(3);
    expect(s.bytes).toBeLessThan(before);
    expect(s.head()).toBe(head);
    expect(ids(await s.load(head))).toEqual([3, 7, 9]);
    s.release(head);
    await s.close();
    const [name] = await segmentNames(directory);
    expect(await readdir(directory)).not.toContain(`${name}.rewrite`);
    const again = await store({ directory });
    expect(again.recovery).toMatchObject({ segments: 1, records: 3 });
    const recovered = again.s.head();
    if (recovered === undefined) throw new Error('lost');
    expect(ids(await again.s.load(recovered))).toEqual([3, 7, 9]);
    expect(again.s.bytes).toBe(s.bytes);
    await again.s.close();
  });

  it('removes a segment kept with nothing left, and leaves one kept whole as it is', async () => {
    const { s, directory } = await store();
    s.append(records(4));
    s.append(records(4, 10), 0);
    const head = s.head();
    if (head === undefined) throw new Error('no segment');
    const loaded = await s.load(head);
    s.keep(head, loaded);
    expect(s.records).toBe(8);
    await s.load(head);
    s.keep(head, []);
    expect(s.records).toBe(0);
    await s.close();
    expect(await segmentNames(directory)).toEqual([]);
  });

  it('deletes a rewrite left by a crash and keeps the segment it was to replace', async () => {
    const { s, directory } = await store();
    s.append(records(5));
    await s.close();
    const [name] = await segmentNames(directory);
    await writeFile(path.join(directory, `${name}.rewrite`), '{"predlog":"spill","ver');
    const again = await store({ directory });
    expect(again.recovery).toMatchObject({ segments: 1, records: 5, tornLines: 0 });
    expect(await readdir(directory)).not.toContain(`${name}.rewrite`);
    await again.s.close();
  });
});
