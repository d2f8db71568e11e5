import { describe, expect, it } from 'vitest';
import { deferred } from '../src/index.ts';

describe('deferred', () => {
  it('stays pending until resolve is called, then settles with its value', async () => {
    const { promise, resolve } = deferred<number>();
    let settled: number | undefined;
    void promise.then((value) => {
      settled = value;
    });
    await Promise.resolve();
    expect(settled).toBeUndefined();
    resolve(7);
    expect(await promise).toBe(7);
    expect(settled).toBe(7);
  });

  it('keeps the first value when resolved twice', async () => {
    const { promise, resolve } = deferred<string>();
    resolve('first');
    resolve('second');
    expect(await promise).toBe('first');
  });
});
