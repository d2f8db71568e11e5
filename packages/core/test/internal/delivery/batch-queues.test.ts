import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchQueue, QueuedBatch } from '../../../src/internal/delivery/batch-queue.ts';
import { MemoryBatchQueue } from '../../../src/internal/delivery/memory-queue.ts';
import { SpillBatchQueue } from '../../../src/internal/delivery/spill-queue.ts';
import { SpillStore } from '../../../src/internal/spill-store.ts';
import { numbered, numbers } from './records.ts';

const batch = (n: number, from: number, firstSeq = from + 1): QueuedBatch => ({
  records: numbered(n, from),
  firstSeq,
  firstAttemptAt: undefined,
});

/** Takes, reads and ends every lease, oldest first: what a sink taking everything would see. */
async function drainAll(queue: BatchQueue): Promise<number[]> {
  const seen: number[] = [];
  for (let lease = queue.take(); lease !== undefined; lease = queue.take()) {
    seen.push(...numbers(await lease.records()));
    lease.done();
  }
  return seen;
}

describe('MemoryBatchQueue', () => {
  it('is a FIFO whose count holds a leased batch until it ends', async () => {
    const q = new MemoryBatchQueue();
    q.push(batch(3, 0));
    q.push(batch(2, 3));
    const lease = q.take();
    if (lease === undefined) throw new Error('empty');
    expect([lease.tier, lease.firstSeq, q.records, q.memoryRecords, q.oldestMemorySeq()]).toEqual([
      'memory',
      1,
      5,
      5,
      1,
    ]);
    lease.done();
    lease.done();
    expect([q.records, q.oldestMemorySeq()]).toEqual([2, 4]);
    expect(await drainAll(q)).toEqual([3, 4]);
    expect([q.records, q.spilledRecords, q.canSpill, q.oldestDiskSeq()]).toEqual([0, 0, false, undefined]);
  });

  it('keep() puts what is left first in line as a new, shorter batch with the same start and budget', async () => {
    const q = new MemoryBatchQueue();
    q.push(batch(4, 0));
    q.push(batch(2, 4));
    const lease = q.take();
    if (lease === undefined) throw new Error('empty');
    lease.firstAttemptAt = 123;
    const sent = await lease.records();
    lease.keep([1, 3]);
    expect(q.records).toBe(4);
    const again = q.take();
    if (again === undefined) throw new Error('lost');
    const kept = await again.records();
    expect([numbers(kept), again.firstSeq, again.firstAttemptAt]).toEqual([[1, 3], 1, 123]);
    expect(kept).not.toBe(sent);
    again.keep([]);
    expect(await drainAll(q)).toEqual([4, 5]);
  });

  it('dropWaiting() removes what waits but not a leased batch', () => {
    const q = new MemoryBatchQueue();
    q.push(batch(3, 0));
    q.push(batch(2, 3));
    const lease = q.take();
    expect(q.dropWaiting()).toBe(2);
    expect(q.records).toBe(3);
    lease?.done();
    expect(q.records).toBe(0);
  });
});

describe('SpillBatchQueue', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  async function tiered() {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'predlog-tiers-'));
    dirs.push(directory);
    const store = new SpillStore({
      directory,
      exporterId: 'tiers',
      maxBytes: 1 << 24,
      fsync: false,
      maxSegmentRecords: 10,
      maxSegmentApproxBytes: 1 << 20,
      now: () => 0,
      onDrop: () => undefined,
      onIoError: () => undefined,
    });
    await store.open();
    const route = { disk: false };
    const q = new SpillBatchQueue(() => route.disk);
    return { q, store, route };
  }

  it('is a memory queue until the store is attached', async () => {
    const { q, store } = await tiered();
    q.push(batch(2, 0));
    q.spillWaiting();
    expect([q.canSpill, q.memoryRecords, q.spilledRecords]).toEqual([false, 2, 0]);
    q.attach(store);
    expect(q.canSpill).toBe(true);
    expect(await drainAll(q)).toEqual([0, 1]);
    await store.close();
  });

  it('one FIFO over both tiers: disk is older than memory and is always taken first', async () => {
    const { q, store, route } = await tiered();
    q.attach(store);
    q.push(batch(2, 0));
    q.push(batch(2, 2));
    // Memory full: the waiting batches move to disk, in order; newer ones stay in memory.
    q.spillWaiting();
    q.push(batch(2, 4));
    expect([q.spilledRecords, q.memoryRecords, q.oldestDiskSeq(), q.oldestMemorySeq()]).toEqual([4, 2, 1, 5]);
    const first = q.take();
    if (first === undefined) throw new Error('empty');
    expect([first.tier, numbers(await first.records())]).toEqual(['disk', [0, 1, 2, 3]]);
    first.done();
    // Routed to disk (sink unavailable): what waits in memory goes first, then the new batch.
    route.disk = true;
    q.push(batch(2, 6));
    expect([q.spilledRecords, q.memoryRecords]).toEqual([4, 0]);
    route.disk = false;
    q.push(batch(2, 8));
    const order: Array<[string, number[]]> = [];
    for (let lease = q.take(); lease !== undefined; lease = q.take()) {
      order.push([lease.tier, numbers(await lease.records())]);
      lease.done();
    }
    expect(order).toEqual([
      ['disk', [4, 5, 6, 7]],
      ['memory', [8, 9]],
    ]);
    await store.close();
  });

  it('a memory batch that comes back goes in front of anything spilled meanwhile, and to disk while routed there', async () => {
    const { q, store, route } = await tiered();
    q.attach(store);
    q.push(batch(3, 0));
    const lease = q.take();
    if (lease === undefined) throw new Error('empty');
    await lease.records();
    // While it was in flight the sink became unavailable: newer records went to disk.
    route.disk = true;
    q.push(batch(2, 3));
    lease.keep([1, 2]);
    expect([q.memoryRecords, q.spilledRecords, q.oldestDiskSeq()]).toEqual([0, 4, 1]);
    route.disk = false;
    expect(await drainAll(q)).toEqual([1, 2, 3, 4]);
    await store.close();
  });

  it('a partly settled segment keeps only the rest, first in line', async () => {
    const { q, store } = await tiered();
    q.attach(store);
    q.push(batch(5, 0));
    q.spillWaiting();
    const lease = q.take();
    if (lease === undefined) throw new Error('empty');
    expect(lease.tier).toBe('disk');
    await lease.records();
    lease.keep([0, 4]);
    expect(q.records).toBe(2);
    expect(await drainAll(q)).toEqual([0, 4]);
    expect(q.records).toBe(0);
    await store.close();
  });
});
