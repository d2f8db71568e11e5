import { describe, expect, it } from 'vitest';
import { DecisionTable } from '../../src/internal/decision-table.ts';
import { keyFingerprint } from '../../src/internal/fingerprint-map.ts';

describe('DecisionTable', () => {
  it('remembers the last `capacity` outcomes, forgetting the first remembered first', () => {
    const table = new DecisionTable(3);
    for (let i = 1; i <= 5; i++) table.set(keyFingerprint(`k${i}`), i);
    expect([1, 2, 3, 4, 5].map((i) => table.get(keyFingerprint(`k${i}`)))).toEqual([-1, -1, 3, 4, 5]);
    expect(table.size).toBe(3);
  });

  it('gives a fingerprint remembered again its new outcome in its old place', () => {
    const table = new DecisionTable(2);
    table.set(11, 1);
    table.set(22, 2);
    table.set(11, 7);
    expect([table.get(11), table.size]).toEqual([7, 2]);
    table.set(33, 3);
    expect([table.get(11), table.get(22), table.get(33)]).toEqual([-1, 2, 3]);
  });

  it('keeps evicting in order around its ring, many times over', () => {
    const table = new DecisionTable(100);
    for (let i = 0; i < 10_000; i++) table.set(keyFingerprint(`r${i}`), i % 5);
    expect(table.size).toBe(100);
    expect(table.get(keyFingerprint('r9899'))).toBe(-1);
    expect(table.get(keyFingerprint('r9900'))).toBe(0);
    expect(table.get(keyFingerprint('r9999'))).toBe(4);
  });

  it('holds nothing with capacity 0', () => {
    const table = new DecisionTable(0);
    table.set(5, 1);
    expect([table.get(5), table.size]).toEqual([-1, 0]);
  });
});
