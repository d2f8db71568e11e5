import { describe, expect, it } from 'vitest';
import { Batcher, type SealedBatch } from '../../../src/internal/delivery/batcher.ts';
import { FakeClock } from '../../support.ts';
import { numbered, numbers } from './records.ts';

function batcher(
  limits: Partial<{ maxBatchSize: number; maxBatchBytes: number; maxBatchAgeMs: number }> = {},
) {
  const clock = new FakeClock();
  const sealed: SealedBatch[] = [];
  let aged = 0;
  let seq = 1;
  const b = new Batcher(
    { maxBatchSize: 10, maxBatchBytes: 1_000_000, maxBatchAgeMs: 100, ...limits },
    clock,
    (batch) => sealed.push(batch),
    () => aged++,
  );
  const add = (n: number, from = 0, bytes = 100) => {
    for (const record of numbered(n, from, bytes)) b.add(record, seq++);
  };
  return { b, clock, sealed, add, aged: () => aged };
}

describe('Batcher', () => {
  it('seals at maxBatchSize, in order, numbering each batch by its first record', () => {
    const { b, sealed, add } = batcher();
    add(25);
    expect(sealed.map((batch) => [batch.firstSeq, numbers(batch.records)[0], batch.records.length])).toEqual([
      [1, 0, 10],
      [11, 10, 10],
    ]);
    expect([b.records, b.oldestSeq]).toEqual([5, 21]);
  });

  it('seals at maxBatchBytes of approximate bytes', () => {
    const { sealed, add } = batcher({ maxBatchSize: 1000, maxBatchBytes: 1000 });
    add(10, 0, 300);
    expect(sealed.map((batch) => batch.records.length)).toEqual([4, 4]);
  });

  it('seals a batch when its oldest record is maxBatchAgeMs old, then tells its owner', () => {
    const { b, clock, sealed, add, aged } = batcher();
    add(2);
    clock.advance(60);
    add(1, 2);
    clock.advance(39);
    expect(sealed).toEqual([]);
    clock.advance(1);
    expect(sealed.map((batch) => numbers(batch.records))).toEqual([[0, 1, 2]]);
    expect(aged()).toBe(1);
    expect([b.records, b.oldestSeq, clock.pendingTimers]).toEqual([0, undefined, 0]);
  });

  it('seal() sends what is there now; an empty batcher seals nothing; stop() and takePending() end the timer', () => {
    const { b, clock, sealed, add } = batcher();
    b.seal();
    expect(sealed).toEqual([]);
    add(3);
    b.seal();
    expect(sealed).toHaveLength(1);
    add(2, 3);
    b.stop();
    expect(clock.pendingTimers).toBe(0);
    add(1, 5);
    expect(numbers(b.takePending())).toEqual([3, 4, 5]);
    expect([b.records, clock.pendingTimers]).toEqual([0, 0]);
  });
});
