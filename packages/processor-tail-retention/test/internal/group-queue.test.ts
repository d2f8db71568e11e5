import { describe, expect, it } from 'vitest';
import { GroupQueue } from '../../src/internal/group-queue.ts';
import { prediction } from '../support/records.ts';

describe('GroupQueue', () => {
  it('returns the oldest undecided group, skipping groups decided out of order', () => {
    const queue = new GroupQueue();
    const [a, b, c] = ['a', 'b', 'c'].map((key, i) => queue.create(key, i + 1, prediction(key), 500, i));
    expect(queue.peek()).toBe(a);
    if (b !== undefined) b.decided = true;
    expect(queue.peek()).toBe(a);
    if (a !== undefined) a.decided = true;
    expect(queue.peek()).toBe(c);
  });

  it('reuses a group object only after the queue has passed it, as a fresh group', () => {
    const queue = new GroupQueue();
    const a = queue.create('a', 1, prediction('a'), 500, 0);
    a.add(prediction('a'), 300);
    a.decided = true;
    // Not passed yet: a new group gets a new object.
    const b = queue.create('b', 2, prediction('b'), 500, 0);
    expect(b).not.toBe(a);
    expect(queue.peek()).toBe(b);
    const c = queue.create('c', 3, prediction('c'), 400, 7);
    expect(c).toBe(a);
    expect(c).toMatchObject({
      key: 'c',
      fingerprint: 3,
      count: 1,
      bytes: 400,
      dueAtMs: 7,
      rest: undefined,
      decided: false,
    });
  });

  it('stays correct across many compactions', () => {
    const queue = new GroupQueue();
    const open = [];
    for (let i = 0; i < 20_000; i++) {
      open.push(queue.create(`k${i}`, i + 1, prediction(`k${i}`), 1, i));
      if (i % 3 !== 0) {
        const oldest = queue.peek();
        if (oldest !== undefined) oldest.decided = true;
        open.shift();
      }
    }
    expect(queue.peek()).toBe(open[0]);
    expect(queue.peek()?.key).toBe(open[0]?.key);
  });
});
