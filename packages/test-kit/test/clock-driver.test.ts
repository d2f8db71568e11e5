import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { advanceUntil, FakeClock, settle, turn } from '../src/index.ts';

describe('advanceUntil', () => {
  it('moves fake time in steps until the condition holds, running the timers on the way', async () => {
    const clock = new FakeClock({ startMs: 0, monotonicStartMs: 0 });
    let fired = 0;
    clock.setInterval(() => fired++, 100);
    await advanceUntil(clock, () => fired >= 3, { stepMs: 25 });
    expect(fired).toBe(3);
    expect(clock.monotonic()).toBe(300);
  });

  it('lets the file work a timer started finish before moving time on', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'predlog-driver-'));
    const clock = new FakeClock({ startMs: 0, monotonicStartMs: 0 });
    const file = path.join(dir, 'f');
    const written: number[] = [];
    // Each write is started by a timer; the next timer is set only when the write has finished.
    const writeAt = (n: number) =>
      clock.setTimeout(() => {
        void writeFile(file, 'x'.repeat(100_000) + n).then(() => {
          written.push(clock.monotonic());
          if (n < 5) writeAt(n + 1);
        });
      }, 10);
    writeAt(1);
    await advanceUntil(clock, () => written.length === 5, { stepMs: 10 });
    // One step per write: fake time never ran ahead of the disk.
    expect(written).toEqual([10, 20, 30, 40, 50]);
    expect((await readFile(file, 'utf8')).endsWith('5')).toBe(true);
    await rm(dir, { recursive: true, force: true });
  });

  it('fails, instead of hanging, when the condition is never reached', async () => {
    const clock = new FakeClock();
    await expect(advanceUntil(clock, () => false, { stepMs: 1000, limitMs: 5000 })).rejects.toThrow(
      /not reached within 5000 ms of fake time/,
    );
    await expect(advanceUntil(clock, () => false, { stepMs: 0, maxSteps: 3 })).rejects.toThrow(/3 steps/);
  });
});

describe('settle', () => {
  it('returns the value of a promise that needs fake time to settle, and passes on its rejection', async () => {
    const clock = new FakeClock();
    const later = new Promise<string>((resolve) => clock.setTimeout(() => resolve('done'), 2_000));
    expect(await settle(clock, later, { stepMs: 500 })).toBe('done');
    const failing = new Promise<never>((_, reject) => clock.setTimeout(() => reject(new Error('no')), 50));
    await expect(settle(clock, failing)).rejects.toThrow('no');
    await turn();
  });
});
