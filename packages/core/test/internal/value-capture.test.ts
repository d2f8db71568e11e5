import { describe, expect, it } from 'vitest';
import { SANITIZE_KINDS, ValueCapture, type ValueCaptureLimits } from '../../src/internal/value-capture.ts';
import { PERSONAL_VALUES, proseOnly, valueAcross } from './personal-values.ts';

const LIMITS: ValueCaptureLimits = {
  maxStringLength: 8192,
  maxDepth: 8,
  maxArrayLength: 1024,
  maxObjectKeys: 512,
  maxRecordBytes: 1_048_576,
};

function capture(limits: Partial<ValueCaptureLimits> = {}) {
  const first: string[] = [];
  const values = new ValueCapture({ ...LIMITS, ...limits }, (kind) => first.push(kind));
  const count = (kind: (typeof SANITIZE_KINDS)[number]) => values.counts[SANITIZE_KINDS.indexOf(kind)];
  return { values, first, count };
}

/** The kept text of a cut string: what comes before the marker. */
function kept(text: string): string {
  const at = text.indexOf('…[truncated ');
  expect(at).toBeGreaterThanOrEqual(0);
  return text.slice(0, at);
}

/** A Proxy over `target` counting the values read through it (keys and symbols the engine asks for are not values). */
function countingReads<T extends object>(target: T): { proxy: T; reads: () => number } {
  let reads = 0;
  const proxy = new Proxy(target, {
    get(t, key, receiver) {
      if (typeof key === 'string' && key !== 'length' && key !== 'constructor') reads++;
      return Reflect.get(t, key, receiver);
    },
  });
  return { proxy, reads: () => reads };
}

describe('cuts leave no piece of a personal value', () => {
  const max = LIMITS.maxStringLength;

  it.each(PERSONAL_VALUES)('%s across the string limit', (_name, value) => {
    for (let shift = 1; shift < value.length; shift++) {
      const { values } = capture();
      const out = values.capture({ note: valueAcross(value, max, shift) }) as { note: string };
      expect(kept(out.note).length).toBeLessThanOrEqual(max);
      expect(proseOnly(kept(out.note)), `shift ${shift}: ${kept(out.note).slice(-20)}`).toBe(true);
    }
  });

  it.each(PERSONAL_VALUES)('%s across the key limit', (_name, value) => {
    for (let shift = 1; shift < value.length; shift++) {
      const { values } = capture();
      const out = values.capture({ [valueAcross(value, max, shift)]: 1 }) as Record<string, unknown>;
      const [key] = Object.keys(out) as [string];
      expect(proseOnly(kept(key)), `shift ${shift}: ${kept(key).slice(-20)}`).toBe(true);
      expect(Object.values(out)).toEqual([1]);
    }
  });

  it('cuts the keys of features, Maps and class instances, and feature values, the same way', () => {
    const { values, count } = capture({ maxStringLength: 64 });
    const long = valueAcross('4111 1111 1111 1111', 64, 8);
    class Point {
      readonly [key: string]: unknown;
      constructor() {
        Object.assign(this, { [long]: 2 });
      }
    }
    const out = values.capture({ map: new Map([[long, 1]]), point: new Point() }) as Record<
      string,
      Record<string, unknown>
    >;
    const features = values.captureFeatures({ [long]: 3, note: long });
    const texts = [
      ...Object.keys(out.map ?? {}),
      ...Object.keys(out.point ?? {}),
      ...Object.keys(features).filter((key) => key !== 'note'),
      features.note as string,
    ];
    expect(texts).toHaveLength(4);
    for (const text of texts) {
      expect(text.length).toBeLessThan(long.length);
      expect(proseOnly(kept(text))).toBe(true);
    }
    expect(count('string_truncated')).toBe(4);
  });

  it('keeps two keys that share their kept prefix apart', () => {
    const { values } = capture({ maxStringLength: 16 });
    const base = 'a b c d e f g h i j k l';
    const out = values.capture({ [`${base} one`]: 1, [`${base} two`]: 2 }) as Record<string, number>;
    expect(Object.values(out).sort()).toEqual([1, 2]);
  });

  it('keeps a fresh flat copy, and counts the bytes of what it keeps, not of the original', () => {
    const { values } = capture();
    values.bytes = 0;
    const huge = 'word '.repeat(2_000_000);
    const out = values.capture(huge) as string;
    expect(out.length).toBeLessThan(max + 40);
    expect(values.bytes).toBeLessThan(max + 64);
  });
});

describe('capture reads no more than its limits', () => {
  it('reads at most maxObjectKeys + 1 values of a wide object, and marks the rest', () => {
    const wide: Record<string, number> = {};
    for (let i = 0; i < 100_000; i++) wide[`k${i}`] = i;
    const { proxy, reads } = countingReads(wide);
    const { values, count } = capture({ maxObjectKeys: 512 });
    const out = values.capture({ wide: proxy }) as { wide: Record<string, unknown> };
    expect(reads()).toBeLessThanOrEqual(513);
    expect(Object.keys(out.wide)).toHaveLength(513);
    expect(out.wide['…']).toBe('more keys');
    expect(count('keys_limit')).toBe(1);
  });

  it('reads at most maxObjectKeys + 1 getters of a wide class instance', () => {
    let reads = 0;
    class Wide {}
    const wide = new Wide();
    for (let i = 0; i < 20_000; i++)
      Object.defineProperty(wide, `k${i}`, {
        enumerable: true,
        get: () => {
          reads++;
          return i;
        },
      });
    const { values } = capture({ maxObjectKeys: 100 });
    const out = values.capture(wide) as Record<string, unknown>;
    expect(reads).toBeLessThanOrEqual(101);
    expect(out.k0).toBe(0);
    expect(out['…']).toBe('more keys');
  });

  it('reads at most maxObjectKeys + 1 feature values', () => {
    const wide: Record<string, number> = {};
    for (let i = 0; i < 50_000; i++) wide[`f${i}`] = i;
    const { proxy, reads } = countingReads(wide);
    const { values } = capture({ maxObjectKeys: 512 });
    const features = values.captureFeatures(proxy);
    expect(reads()).toBeLessThanOrEqual(513);
    expect(Object.keys(features)).toHaveLength(512);
  });

  it('reads at most maxArrayLength + 1 items of a long array', () => {
    const { proxy, reads } = countingReads(Array.from({ length: 100_000 }, (_, i) => i));
    const { values } = capture({ maxArrayLength: 1024 });
    const out = values.capture(proxy) as unknown[];
    expect(reads()).toBeLessThanOrEqual(1025);
    expect(out).toHaveLength(1025);
    expect(out[1024]).toBe('…[98976 more items]');
  });

  it('iterates a Set, a Map and a typed array only up to the limit', () => {
    let steps = 0;
    const counted = <T>(source: Iterable<T>): Iterable<T> => ({
      *[Symbol.iterator]() {
        for (const item of source) {
          steps++;
          yield item;
        }
      },
    });
    const set = new Set(Array.from({ length: 100_000 }, (_, i) => i));
    const map = new Map(Array.from({ length: 100_000 }, (_, i) => [i, i] as const));
    const tensor = new Float32Array(1_000_000);
    const setValues = set.values.bind(set);
    const mapEntries = map.entries.bind(map);
    // Whatever way the capture walks them (for…of, spread, Array.from, entries()), each step is counted.
    Object.defineProperty(set, Symbol.iterator, { value: () => counted(setValues())[Symbol.iterator]() });
    Object.defineProperty(set, 'values', { value: () => counted(setValues())[Symbol.iterator]() });
    Object.defineProperty(map, Symbol.iterator, { value: () => counted(mapEntries())[Symbol.iterator]() });
    Object.defineProperty(map, 'entries', { value: () => counted(mapEntries())[Symbol.iterator]() });
    Object.defineProperty(tensor, Symbol.iterator, {
      value: () => counted(Float32Array.prototype.values.call(tensor))[Symbol.iterator](),
    });
    const { values } = capture({ maxArrayLength: 1024, maxObjectKeys: 512 });
    const out = values.capture({ set, map, tensor }) as Record<string, unknown>;
    expect(steps).toBeLessThanOrEqual(1025 + 513);
    expect(out.set as unknown[]).toHaveLength(1025);
    expect((out.set as unknown[])[1024]).toBe('…[98976 more items]');
    expect(Object.keys(out.map as object)).toHaveLength(513);
    expect((out.map as Record<string, unknown>)['…']).toBe('99488 more keys');
    expect(out.tensor as unknown[]).toHaveLength(1025);
    expect((out.tensor as unknown[])[1024]).toBe('…[998976 more items]');
  });

  it('stops walking once the record passes maxRecordBytes, whatever the product of the other limits', () => {
    // 64 keys × 64 keys × 1024 items: 4M leaves (a 512-wide table would have 268M), each within
    // every per-value limit.
    const leaf = countingReads(Array.from({ length: 1024 }, (_, i) => i));
    const row: Record<string, unknown> = {};
    for (let i = 0; i < 64; i++) row[`c${i}`] = leaf.proxy;
    const table: Record<string, unknown> = {};
    for (let i = 0; i < 64; i++) table[`r${i}`] = row;
    const { values, count } = capture({ maxRecordBytes: 100_000 });
    values.bytes = 0;
    const out = values.capture(table) as Record<string, unknown>;
    expect(values.bytes).toBeLessThan(100_000 + 10_000);
    expect(leaf.reads()).toBeLessThan(100_000);
    expect(out['…']).toBe('[record limit]');
    expect(count('record_too_large')).toBeGreaterThanOrEqual(1);
  });
});

describe('the rest of the outcome table still holds', () => {
  it('keeps small values as they were, each kind once in the diagnostics', () => {
    const { values, first } = capture();
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const out = values.capture({
      n: Number.NaN,
      big: 12n,
      cyclic,
      tensor: new Int16Array([1, 2]),
      big64: new BigInt64Array([3n]),
      set: new Set(['x']),
      map: new Map([['k', { v: 1 }]]),
      error: new RangeError('bad'),
      list: [1, undefined, 'b'],
    });
    expect(out).toEqual({
      n: 'NaN',
      big: '12',
      cyclic: { a: 1, self: '[Circular]' },
      tensor: [1, 2],
      big64: ['3'],
      set: ['x'],
      map: { k: { v: 1 } },
      error: { name: 'RangeError', message: 'bad' },
      list: [1, null, 'b'],
    });
    expect(first.sort()).toEqual(['bigint', 'circular', 'non_finite_number']);
  });

  it('a throwing getter makes the value unreadable, never an exception', () => {
    const { values } = capture();
    const bad = {
      get boom(): never {
        throw new Error('getter');
      },
    };
    expect(values.capture(bad)).toBe('[unreadable]');
    expect(values.captureFeatures(bad)).toEqual({});
  });
});
