import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createLedger, LEDGER_SLOTS, MAX_NAME_BYTES } from '../../src/worker/ledger-layout.ts';
import { LedgerReader } from '../../src/worker/ledger-reader.ts';
import { LedgerWriter } from '../../src/worker/ledger-writer.ts';

describe('the shared ledger', () => {
  it('publishes adds and acknowledgements, and a transaction as one step', () => {
    const memory = createLedger();
    const writer = new LedgerWriter(memory);
    const reader = new LedgerReader(memory);
    writer.add('exported:file', 3);
    writer.acknowledge(3);
    expect(reader.snapshot()).toEqual({ acknowledged: 3, counters: { 'exported:file': 3 } });
    let inside: unknown;
    writer.transaction(() => {
      writer.add('exported:file', 2);
      writer.add('dropped:filtered@sampling', 1);
      writer.acknowledge(3);
      inside = reader.snapshot();
    });
    expect(inside).toEqual({ acknowledged: 3, counters: { 'exported:file': 3 } });
    expect(reader.snapshot()).toEqual({
      acknowledged: 6,
      counters: { 'exported:file': 5, 'dropped:filtered@sampling': 1 },
    });
  });

  it('a restarted writer goes on adding to the same named slots', () => {
    const memory = createLedger();
    new LedgerWriter(memory).add('exported:loki', 7);
    const second = new LedgerWriter(memory);
    second.add('exported:loki', 1);
    second.add('exported:file', 2);
    expect(new LedgerReader(memory).snapshot().counters).toEqual({ 'exported:loki': 8, 'exported:file': 2 });
  });

  it('counts what does not fit the name table under ledger_overflow, never dropping a count', () => {
    const memory = createLedger();
    const writer = new LedgerWriter(memory);
    writer.add('x'.repeat(MAX_NAME_BYTES + 1), 4);
    for (let i = 0; i < LEDGER_SLOTS; i++) writer.add(`c${i}`, 1);
    const { counters } = new LedgerReader(memory).snapshot();
    const named = Object.entries(counters).filter(([name]) => name.startsWith('c'));
    expect(named.length).toBe(LEDGER_SLOTS - 2);
    expect(counters.ledger_overflow).toBe(4 + 2);
    expect(Object.values(counters).reduce((a, b) => a + b, 0)).toBe(4 + LEDGER_SLOTS);
  });

  it('never shows a transaction half-published to a reader on another thread', async () => {
    const memory = createLedger();
    const rounds = 20_000;
    const worker = new Worker(new URL('./fixtures/ledger-writer-worker.ts', import.meta.url), {
      workerData: { ledger: memory, rounds },
    });
    const reader = new LedgerReader(memory);
    let done = false;
    const exited = once(worker, 'exit').then(() => {
      done = true;
    });
    let snapshots = 0;
    let torn = 0;
    while (!done) {
      const { acknowledged, counters } = reader.snapshot();
      for (let c = 0; c < 200; c++) {
        if ((counters[`c${c}`] ?? 0) !== acknowledged) {
          torn++;
          break;
        }
      }
      snapshots++;
      if (snapshots % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await exited;
    expect(torn).toBe(0);
    expect(snapshots).toBeGreaterThan(10);
    const last = reader.snapshot();
    expect(last.acknowledged).toBe(rounds);
    expect(Object.values(last.counters)).toEqual(Array.from({ length: 200 }, () => rounds));
  });
});
