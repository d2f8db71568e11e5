import { attr, FakeClock, memoryLogger, turn } from '@predlog/test-kit';
import { describe, expect, it } from 'vitest';
import { createPredictionScope, instrumentModel, runInPredictionScope } from '../src/index.ts';

type Txn = { amount: number; tags: string[] };

describe('shadow mode', () => {
  it('runs the challenger after the champion, on its own copy, both logged with one request id', async () => {
    const { logger, records } = memoryLogger();
    const order: string[] = [];
    const predict = instrumentModel(
      (txn: Txn) => {
        order.push('champion');
        return txn.amount > 100 ? 0.9 : 0.1;
      },
      {
        logger,
        name: 'fraud',
        version: '1',
        shadow: {
          name: 'fraud',
          version: '2-candidate',
          predict: (input) => {
            order.push('challenger');
            const txn = input as Txn;
            txn.tags.push('seen-by-challenger');
            txn.amount = 0;
            return 0.7;
          },
        },
      },
    );
    const txn: Txn = { amount: 500, tags: [] };
    expect(predict(txn)).toBe(0.9);
    expect(order).toEqual(['champion']);
    await turn();
    expect(predict.predlog.stats().shadow?.completed).toBe(1);
    expect(order).toEqual(['champion', 'challenger']);
    expect(txn).toEqual({ amount: 500, tags: [] });

    const logged = await records();
    expect(logged).toHaveLength(2);
    const [champion, challenger] = logged;
    expect(attr(champion, 'ml.model.role')).toBe('champion');
    expect(attr(challenger, 'ml.model.role')).toBe('challenger');
    expect(attr(challenger, 'ml.model.version')).toBe('2-candidate');
    expect(attr(challenger, 'ml.prediction.score')).toBe(0.7);
    expect(attr(champion, 'ml.request.id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(attr(challenger, 'ml.request.id')).toBe(attr(champion, 'ml.request.id'));
  });

  it('uses the request id of the active scope for both records', async () => {
    const { logger, records } = memoryLogger();
    const predict = instrumentModel(async (_: unknown) => 0.2, {
      logger,
      name: 'm',
      version: '1',
      shadow: { name: 'm', version: '2', predict: async () => 0.3 },
    });
    await runInPredictionScope(createPredictionScope('req-shadow-1'), () => predict({ a: 1 }));
    await turn();
    expect(predict.predlog.stats().shadow?.completed).toBe(1);
    const logged = await records();
    expect(logged.map((r) => attr(r, 'ml.request.id'))).toEqual(['req-shadow-1', 'req-shadow-1']);
  });

  it('logs a challenger that outlives timeoutMs as a timeout at exactly timeoutMs on the clock, without delaying the champion', async () => {
    const { logger, records } = memoryLogger();
    const clock = new FakeClock();
    let release: (value: number) => void = () => undefined;
    const predict = instrumentModel(async (_: unknown) => 0.2, {
      logger,
      name: 'm',
      version: '1',
      clock,
      shadow: {
        name: 'slow',
        version: '1',
        timeoutMs: 200,
        predict: () =>
          new Promise<number>((resolve) => {
            release = resolve;
          }),
      },
    });
    expect(await predict({ a: 1 })).toBe(0.2);
    await turn();
    expect(predict.predlog.stats().shadow).toMatchObject({ started: 1, timedOut: 0 });
    expect(clock.pendingTimers).toBe(1);
    clock.advance(199);
    expect(predict.predlog.stats().shadow?.timedOut).toBe(0);
    clock.advance(1);
    expect(predict.predlog.stats().shadow?.timedOut).toBe(1);
    // The late answer is ignored.
    release(0.99);
    await turn();
    const logged = await records();
    const challenger = logged.find((r) => attr(r, 'ml.model.role') === 'challenger');
    expect(attr(challenger, 'error.type')).toBe('timeout');
    expect(attr(challenger, 'ml.prediction.score')).toBeUndefined();
    expect(attr(challenger, 'ml.inference.duration_ms')).toBe(200);
    expect(logged).toHaveLength(2);
    expect(predict.predlog.stats().shadow).toMatchObject({ started: 1, completed: 0, timedOut: 1 });
  });

  it('measures the challenger on the clock and cancels its timeout when it answers in time', async () => {
    const { logger, records } = memoryLogger();
    const clock = new FakeClock();
    const predict = instrumentModel((_: unknown) => 0.2, {
      logger,
      name: 'm',
      version: '1',
      clock,
      shadow: {
        name: 'c',
        version: '2',
        timeoutMs: 200,
        predict: () => new Promise<number>((resolve) => clock.setTimeout(() => resolve(0.4), 30)),
      },
    });
    predict({ a: 1 });
    await turn();
    // The challenger's own 30 ms timer and the 200 ms timeout.
    expect(clock.pendingTimers).toBe(2);
    await clock.advanceAsync(30);
    expect(predict.predlog.stats().shadow).toMatchObject({ completed: 1, timedOut: 0 });
    expect(clock.pendingTimers).toBe(0);
    const challenger = (await records()).find((r) => attr(r, 'ml.model.role') === 'challenger');
    expect(attr(challenger, 'ml.prediction.score')).toBe(0.4);
    expect(attr(challenger, 'ml.inference.duration_ms')).toBe(30);
  });

  it('swallows and counts challenger errors, sync and async', async () => {
    const { logger, records } = memoryLogger();
    let calls = 0;
    const predict = instrumentModel((_: unknown) => 0.2, {
      logger,
      name: 'm',
      version: '1',
      shadow: {
        name: 'flaky',
        version: '1',
        predict: () => {
          calls++;
          if (calls === 1) throw new TypeError('sync failure');
          return Promise.reject(new RangeError('async failure'));
        },
      },
    });
    expect(predict({ a: 1 })).toBe(0.2);
    expect(predict({ a: 2 })).toBe(0.2);
    await turn();
    expect(predict.predlog.stats().shadow?.failed).toBe(2);
    const challengers = (await records()).filter((r) => attr(r, 'ml.model.role') === 'challenger');
    expect(challengers.map((r) => attr(r, 'error.type')).sort()).toEqual(['RangeError', 'TypeError']);
  });

  it('skips (and counts) requests beyond maxConcurrent, and by rate', async () => {
    const { logger } = memoryLogger();
    const pending: Array<() => void> = [];
    const predict = instrumentModel((_: unknown) => 0.2, {
      logger,
      name: 'm',
      version: '1',
      shadow: {
        name: 'c',
        version: '1',
        maxConcurrent: 2,
        timeoutMs: 60_000,
        predict: () => new Promise<number>((resolve) => pending.push(() => resolve(1))),
      },
    });
    for (let i = 0; i < 5; i++) predict({ i });
    await turn();
    expect(predict.predlog.stats().shadow).toMatchObject({ started: 2, skipped: 3 });
    for (const resolve of pending) resolve();

    const never = instrumentModel((_: unknown) => 0.2, {
      logger,
      name: 'm',
      version: '1',
      shadow: { name: 'c', version: '1', rate: 0, predict: () => 1 },
    });
    never({ a: 1 });
    await turn();
    expect(never.predlog.stats().shadow).toMatchObject({ started: 0, skipped: 1 });
  });

  it('does not shadow a failed champion call', async () => {
    const { logger } = memoryLogger();
    const predict = instrumentModel(
      (_: unknown): number => {
        throw new Error('champion down');
      },
      { logger, name: 'm', version: '1', shadow: { name: 'c', version: '1', predict: () => 1 } },
    );
    expect(() => predict({ a: 1 })).toThrow('champion down');
    await turn();
    expect(predict.predlog.stats().shadow).toMatchObject({ started: 0, skipped: 0 });
  });
});
