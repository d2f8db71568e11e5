import { safeCutLength } from '@predlog/schema';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SANITIZE_KINDS, ValueCapture } from '../../src/internal/value-capture.ts';
import { createByteRing } from '../../src/worker/byte-ring-layout.ts';
import { ByteRingReader } from '../../src/worker/byte-ring-reader.ts';
import { ByteRingWriter } from '../../src/worker/byte-ring-writer.ts';
import { ScratchTarget } from '../../src/worker/encode-target.ts';
import { createShapeTable, MAX_SHAPES, ShapeReader, ShapeRegistry } from '../../src/worker/shape-table.ts';
import { FrameDecodeError, ValueDecoder } from '../../src/worker/value-decoder.ts';
import { type EncodeLimits, TARGET_FULL, ValueEncoder } from '../../src/worker/value-encoder.ts';

const LIMITS: EncodeLimits = {
  maxStringLength: 8192,
  maxDepth: 8,
  maxArrayLength: 1024,
  maxObjectKeys: 512,
  maxRecordBytes: 1 << 20,
};

function encoderFor(limits: EncodeLimits = LIMITS) {
  const target = new ScratchTarget(64);
  const firsts: string[] = [];
  const encoder = new ValueEncoder(limits, target, (kind) => firsts.push(kind));
  return { target, encoder, firsts };
}

function counted(encoder: ValueEncoder): Record<string, number> {
  const out: Record<string, number> = {};
  SANITIZE_KINDS.forEach((kind, i) => {
    if ((encoder.counts[i] as number) > 0) out[kind] = encoder.counts[i] as number;
  });
  return out;
}

/** Encodes `values` as consecutive fields of one frame and decodes them back. */
function roundTrip(values: unknown[], limits: EncodeLimits = LIMITS) {
  const { target, encoder, firsts } = encoderFor(limits);
  encoder.begin(0);
  for (const v of values) encoder.field(v);
  const decoder = new ValueDecoder(target);
  decoder.begin(0, encoder.length);
  const out = values.map(() => decoder.value());
  expect(decoder.remaining).toBe(0);
  return { out, length: encoder.length, kinds: counted(encoder), firsts };
}

const one = (v: unknown, limits?: EncodeLimits) => roundTrip([v], limits).out[0];

describe('ValueEncoder and ValueDecoder: values JSON holds', () => {
  it('round-trips scalars of every width exactly', () => {
    const values = [
      0,
      1,
      127,
      128,
      -1,
      2 ** 31 - 1,
      -(2 ** 31),
      2 ** 31,
      0.1,
      -0,
      1e300,
      Number.MIN_VALUE,
      true,
      false,
      null,
      '',
      'a',
      'é',
      '日本語',
      '🙂',
      'x'.repeat(85),
      'y'.repeat(86),
      `${'ü'.repeat(100)}z`,
      'a'.repeat(8192),
    ];
    const { out } = roundTrip(values);
    expect(out).toEqual(values);
    expect(Object.is(out[9], -0)).toBe(true);
  });

  it('keeps an undefined at the top level, leaves undefined keys out and turns undefined elements into null', () => {
    const sparse: unknown[] = [undefined, 2];
    sparse[3] = 3;
    expect(roundTrip([undefined, { a: undefined, b: 1 }, sparse]).out).toStrictEqual([
      undefined,
      { b: 1 },
      [null, 2, null, 3],
    ]);
  });

  it('keeps a __proto__ key as an own key without changing the prototype', () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const out = one(input) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ polluted: true });
  });

  it('round-trips any JSON value within the limits', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        expect(one(value)).toStrictEqual(value);
      }),
      { seed: 1402, numRuns: 1500 },
    );
  });

  it('is compact: the demo-like record takes fewer bytes than its JSON', () => {
    const record = {
      input_features: {
        log_amount: 4.8675,
        amount_vs_avg_30d: 1.2034,
        is_night: 0,
        txn_count_24h: 7,
        device_trust_score: 0.5,
      },
      raw_input: {
        amount: 129.5,
        currency: 'EUR',
        customer_email: 'anna.schmidt123@example.com',
        device_id: null,
      },
      prediction: 'legit',
    };
    const { length } = roundTrip([record]);
    expect(length).toBeLessThan(Buffer.byteLength(JSON.stringify(record)));
  });
});

describe('ValueEncoder: the defined outcomes of core capture', () => {
  class Money {
    amount = 12;
    currency = 'EUR';
    get doubled() {
      return this.amount * 2;
    }
  }
  const cases: Array<[string, () => unknown, unknown, string[]]> = [
    ['NaN', () => Number.NaN, 'NaN', ['non_finite_number']],
    ['Infinity', () => Number.POSITIVE_INFINITY, 'Infinity', ['non_finite_number']],
    ['-Infinity', () => [Number.NEGATIVE_INFINITY], ['-Infinity'], ['non_finite_number']],
    ['BigInt', () => ({ id: 12345678901234567890n }), { id: '12345678901234567890' }, ['bigint']],
    [
      'functions and symbols',
      () => ({ f() {}, s: Symbol('x'), list: [() => 1, Symbol('y')] }),
      { list: [null, null] },
      ['function_or_symbol'],
    ],
    ['a Buffer', () => Buffer.from('secret'), '[binary 6 bytes]', ['binary']],
    [
      'a Uint8Array, ArrayBuffer and DataView',
      () => [new Uint8Array(3), new ArrayBuffer(5), new DataView(new ArrayBuffer(7))],
      ['[binary 3 bytes]', '[binary 5 bytes]', '[binary 7 bytes]'],
      ['binary'],
    ],
    [
      'a Float32Array tensor',
      () => new Float32Array([0.5, 1.5, Number.NaN]),
      [0.5, 1.5, 'NaN'],
      ['non_finite_number'],
    ],
    ['a BigInt64Array', () => new BigInt64Array([1n, -2n]), ['1', '-2'], ['bigint']],
    [
      'a valid and an invalid Date',
      () => [new Date('2026-03-14T09:30:00.000Z'), new Date('nope')],
      ['2026-03-14T09:30:00.000Z', null],
      ['date'],
    ],
    [
      'a Map',
      () =>
        new Map<unknown, unknown>([
          ['a', 1],
          [2, 'b'],
          ['gone', undefined],
        ]),
      { a: 1, '2': 'b' },
      [],
    ],
    ['a Set', () => new Set([1, 'a', 1]), [1, 'a'], []],
    ['an Error', () => new TypeError('bad input'), { name: 'TypeError', message: 'bad input' }, []],
    [
      'toJSON of a class instance',
      () => ({
        when: new (class Moment {
          toJSON = () => 'then';
        })(),
      }),
      { when: 'then' },
      [],
    ],
    [
      'toJSON on the prototype',
      () => ({
        when: new (class Moment {
          toJSON() {
            return 'then';
          }
        })(),
      }),
      { when: 'then' },
      [],
    ],
    [
      'toJSON of a plain object, which is left out like any function',
      () => ({ when: { toJSON: () => 'then' } }),
      { when: {} },
      ['function_or_symbol'],
    ],
    ['a class instance', () => new Money(), { amount: 12, currency: 'EUR' }, []],
    ['a null-prototype object', () => Object.assign(Object.create(null) as object, { a: 1 }), { a: 1 }, []],
  ];

  it.each(cases)('%s', (_name, make, expected, kinds) => {
    const { out, kinds: seen } = roundTrip([make()]);
    expect(out[0]).toEqual(expected);
    expect(Object.keys(seen).sort()).toEqual([...kinds].sort());
  });

  it('cuts a long string with safeCut, so no piece of a card number straddling the cut survives', () => {
    const limits = { ...LIMITS, maxStringLength: 20 };
    const text = 'paid with 4111 1111 1111 1111 today';
    const out = one(text, limits) as string;
    expect(out).toBe(`paid with …[truncated ${text.length - 10} chars]`);
    expect(out).not.toMatch(/4111|1111/);
  });

  it('cuts strings inside objects, arrays and keys', () => {
    const limits = { ...LIMITS, maxStringLength: 16 };
    const long = 'word '.repeat(10);
    const kept = safeCutLength(long, 16);
    const cut = `${long.slice(0, kept)}…[truncated ${long.length - kept} chars]`;
    expect(one({ [long]: [long] }, limits)).toEqual({ [cut]: [cut] });
    // Two keys that share their kept prefix stay apart.
    expect(one({ [`${long}a`]: 1, [`${long}b`]: 2 }, limits)).toEqual({
      [cut.replace(`${long.length - kept}`, `${long.length + 1 - kept}`)]: 1,
      [`${cut.replace(`${long.length - kept}`, `${long.length + 1 - kept}`)} #2`]: 2,
    });
  });

  it('bounds arrays, keys and depth as core capture does', () => {
    const limits = {
      maxStringLength: 100,
      maxDepth: 3,
      maxArrayLength: 3,
      maxObjectKeys: 2,
      maxRecordBytes: 1 << 20,
    };
    const { out, kinds } = roundTrip(
      [
        [1, 2, 3, 4, 5],
        { a: 1, b: 2, c: 3, d: 4 },
        { l1: { l2: { l3: { l4: 1 } } } },
        new Set([1, 2, 3, 4]),
        new Float64Array(10),
        new Map([
          ['a', 1],
          ['b', 2],
          ['c', 3],
        ]),
      ],
      limits,
    );
    expect(out).toEqual([
      [1, 2, 3, '…[2 more items]'],
      // The walk stops at the first key past the limit: the rest are never counted.
      { a: 1, b: 2, '…': 'more keys' },
      { l1: { l2: { l3: '[depth limit]' } } },
      [1, 2, 3, '…[1 more items]'],
      [0, 0, 0, '…[7 more items]'],
      { a: 1, b: 2, '…': '1 more keys' },
    ]);
    expect(kinds).toEqual({ array_limit: 3, keys_limit: 2, depth_limit: 1 });
  });

  it('marks a cycle and copies a shared (acyclic) reference twice', () => {
    const shared = { x: 1 };
    const node: Record<string, unknown> = { name: 'root', left: shared, right: shared };
    node.self = node;
    node.list = [node];
    expect(one(node)).toEqual({
      name: 'root',
      left: { x: 1 },
      right: { x: 1 },
      self: '[Circular]',
      list: ['[Circular]'],
    });
  });

  it('a throwing getter makes that value unreadable and keeps its siblings', () => {
    const tricky = {
      before: 1,
      nested: {
        get boom(): never {
          throw new Error('getter');
        },
      },
      after: 'kept',
    };
    const { out, kinds } = roundTrip([tricky]);
    expect(out[0]).toEqual({ before: 1, nested: '[unreadable]', after: 'kept' });
    expect(kinds).toEqual({ unreadable: 1 });
  });

  it('Proxies whose traps throw, and revoked Proxies, are unreadable', () => {
    const throwing = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('trap');
        },
      },
    );
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    const prototypeTrap = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error('trap');
        },
      },
    );
    expect(one([throwing, revocable.proxy, prototypeTrap, 'ok'])).toEqual([
      '[unreadable]',
      '[unreadable]',
      '[unreadable]',
      'ok',
    ]);
  });

  it('never throws, and always writes one decodable value, for arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withBoxedValues: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withObjectString: true,
          withSparseArray: true,
          withTypedArray: true,
          maxDepth: 4,
        }),
        (value) => {
          const limits = {
            maxStringLength: 64,
            maxDepth: 3,
            maxArrayLength: 4,
            maxObjectKeys: 4,
            maxRecordBytes: 600,
          };
          const { out } = roundTrip([value, 'end'], limits);
          expect(out[1]).toBe('end');
          // Whatever it was, the decoded value is what JSON can carry.
          expect(() => JSON.stringify(out[0])).not.toThrow();
        },
      ),
      { seed: 1403, numRuns: 1500 },
    );
  });

  it('decodes to what core in-thread capture produces for the same input', () => {
    const key = fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__');
    fc.assert(
      fc.property(
        fc.anything({
          key,
          withBigInt: true,
          withBoxedValues: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withTypedArray: true,
          withSparseArray: true,
          maxDepth: 4,
          maxKeys: 6,
        }),
        (value) => {
          const limits = {
            maxStringLength: 10_000,
            maxDepth: 3,
            maxArrayLength: 4,
            maxObjectKeys: 4,
            maxRecordBytes: 1 << 20,
          };
          const capture = new ValueCapture(limits, () => {});
          const expected = capture.capture(value);
          // Where a read throws, in-thread capture gives up the whole value and the codec only the
          // part that threw (both are defined outcomes; the codec's keeps more).
          fc.pre(capture.counts[SANITIZE_KINDS.indexOf('unreadable')] === 0);
          expect(one(value, limits)).toEqual(expected);
        },
      ),
      { seed: 1404, numRuns: 1500 },
    );
  });

  it('counts each kind and reports the first of each once', () => {
    const { kinds, firsts } = roundTrip([[Number.NaN, Number.NaN], 1n, 2n]);
    expect(kinds).toEqual({ non_finite_number: 2, bigint: 2 });
    expect(firsts).toEqual(['non_finite_number', 'bigint']);
  });
});

describe('ValueEncoder: the features map', () => {
  function features(input: unknown, limits = LIMITS) {
    const { target, encoder } = encoderFor(limits);
    encoder.begin(0, 1 << 20);
    encoder.features(input);
    const decoder = new ValueDecoder(target);
    decoder.begin(0, encoder.length);
    return { out: decoder.value(), nullCount: encoder.nullCount, kinds: counted(encoder) };
  }

  it('keeps scalars, nulls out what is missing or non-finite and counts them, marks nested values', () => {
    const { out, nullCount, kinds } = features({
      a: 1.5,
      b: 'x',
      c: true,
      d: null,
      e: undefined,
      f: Number.NaN,
      g: [1],
      h: { x: 1 },
      i: 5n,
    });
    expect(out).toEqual({
      a: 1.5,
      b: 'x',
      c: true,
      d: null,
      e: null,
      f: null,
      g: '[array]',
      h: '[object]',
      i: '5',
    });
    expect(nullCount).toBe(3);
    expect(kinds).toEqual({ non_finite_number: 1, feature_not_scalar: 2, bigint: 1 });
  });

  it('matches core in-thread capture of features', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ maxLength: 6 }).filter((k) => k !== '__proto__'),
          fc.oneof(
            fc.double(),
            fc.integer(),
            fc.string({ maxLength: 20 }),
            fc.boolean(),
            fc.constant(null),
            fc.constant(undefined),
            fc.array(fc.integer(), { maxLength: 2 }),
          ),
          { maxKeys: 8 },
        ),
        (input) => {
          const limits = { ...LIMITS, maxObjectKeys: 5, maxStringLength: 10 };
          const capture = new ValueCapture(limits, () => {});
          const expected = capture.captureFeatures(input);
          const { out, nullCount } = features(input, limits);
          expect(out).toEqual(expected);
          expect(nullCount).toBe(capture.nullCount);
        },
      ),
      { seed: 1405, numRuns: 1000 },
    );
  });

  it('an unreadable feature map becomes empty, with no nulls counted', () => {
    const input = {
      a: null,
      get b(): never {
        throw new Error('x');
      },
    };
    expect(features(input)).toEqual({ out: {}, nullCount: 0, kinds: { unreadable: 1 } });
    expect(features('not an object').out).toEqual({});
  });
});

describe('ValueEncoder: the record byte budget', () => {
  it('stops every walk at its next entry once the frame is past maxRecordBytes', () => {
    const { out, kinds } = roundTrip(
      [{ list: ['x'.repeat(60), 'y', 'z'], after: 1 }, { next: 2 }, 'a scalar is whole'],
      { ...LIMITS, maxRecordBytes: 50 },
    );
    expect(out).toEqual([
      { list: ['x'.repeat(60), '[record limit]'], '…': '[record limit]' },
      { '…': '[record limit]' },
      'a scalar is whole',
    ]);
    expect(kinds).toEqual({ record_too_large: 3 });
  });

  it('bounds the frame by the budget plus one scalar, whatever the product of the other limits', () => {
    const limits = {
      maxStringLength: 64,
      maxDepth: 8,
      maxArrayLength: 1000,
      maxObjectKeys: 1000,
      maxRecordBytes: 2000,
    };
    const wide = Object.fromEntries(
      Array.from({ length: 1000 }, (_, i) => [`k${i}`, Array.from({ length: 1000 }, () => 'v'.repeat(64))]),
    );
    const { out, length } = roundTrip([wide], limits);
    expect(length).toBeLessThanOrEqual(2000 + 3 * 64 + 64);
    expect((out[0] as Record<string, unknown>)['…']).toBe('[record limit]');
  });

  it('never lets a frame pass the budget by more than one scalar and its markers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue({ maxDepth: 4 }), { maxLength: 6 }),
        fc.integer({ min: 0, max: 400 }),
        (fields, budget) => {
          const { encoder } = encoderFor({ ...LIMITS, maxStringLength: 32 });
          encoder.begin(0, budget);
          for (const f of fields) encoder.field(f);
          // One string (5 + 3 × 32 bytes) past the budget, then a marker and an end for every open level.
          expect(encoder.length).toBeLessThanOrEqual(
            Math.max(budget, 0) + 5 + 96 + 9 + 2 * 8 + fields.length * 2,
          );
        },
      ),
      { seed: 1406, numRuns: 500 },
    );
  });
});

describe('object shapes', () => {
  function shaped(limits: EncodeLimits = LIMITS) {
    const table = createShapeTable();
    const registry = new ShapeRegistry(table);
    const target = new ScratchTarget(64);
    const encoder = new ValueEncoder(limits, target, undefined, registry);
    const encode = (v: unknown, features = false) => {
      encoder.begin(0);
      if (features) encoder.features(v);
      else encoder.field(v);
      const decoder = new ValueDecoder(target, new ShapeReader(table));
      decoder.begin(0, encoder.length);
      const out = decoder.value();
      expect(decoder.remaining).toBe(0);
      return { out, length: encoder.length };
    };
    return { table, registry, encoder, encode };
  }

  it('name the keys of an object seen twice by a shape id, and the frame shrinks', () => {
    const { encode } = shaped();
    const record = () => ({ log_amount: 4.86, amount_vs_avg_30d: 1.2, hour_sin: -0.5, merchant: 'grocery' });
    const first = encode(record());
    const second = encode(record());
    const third = encode(record());
    expect([first.out, second.out, third.out]).toEqual([record(), record(), record()]);
    expect(third.length).toBeLessThan(second.length);
    expect(second.length).toBe(first.length);
  });

  it('keep what follows a shape when an object starts like it and then differs, or stops early', () => {
    const { encode } = shaped();
    const base = { a: 1, b: 'two', c: [3], d: { e: 5 } };
    encode(base);
    encode(base);
    const variants: unknown[] = [
      { a: 1, b: 'two', c: [3], d: { e: 5 }, extra: true },
      { a: 1, b: 'two', x: 0, c: [3] },
      { a: 1 },
      { a: 1, b: undefined, c: () => 1, d: null },
      { b: 'two', a: 1 },
    ];
    for (const v of variants) expect(encode(v).out).toEqual(new ValueCapture(LIMITS, () => {}).capture(v));
  });

  it('decode to what in-thread capture produces, for values that share a few shapes', () => {
    const keys = fc.constantFrom(['a', 'b', 'c'], ['a', 'b'], ['x', 'y', 'z', 'w'], ['a', 'c', 'b'], ['k']);
    const leaf = fc.oneof(
      fc.double(),
      fc.string({ maxLength: 8 }),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
    );
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc
          .tuple(keys, fc.array(tie('value'), { minLength: 4, maxLength: 4 }))
          .map(([ks, vs]) => Object.fromEntries(ks.map((k, i) => [k, vs[i]]))),
        fc.array(tie('value'), { maxLength: 3 }),
      ),
    }));
    const limits = { ...LIMITS, maxDepth: 4 };
    const { encode } = shaped(limits);
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 6 }), (values) => {
        for (const v of values) expect(encode(v).out).toEqual(new ValueCapture(limits, () => {}).capture(v));
      }),
      { seed: 1411, numRuns: 800 },
    );
  });

  it('work for feature maps, nulls counted as without them', () => {
    const { encode, encoder } = shaped();
    const features = { a: 1.5, b: undefined, c: Number.NaN, d: 'x' };
    encode(features, true);
    const { out } = encode(features, true);
    expect(out).toEqual({ a: 1.5, b: null, c: null, d: 'x' });
    expect(encoder.nullCount).toBe(2);
  });

  it('fall back to keys inline once the table is full, and keep decoding the shapes it has', () => {
    const { encode, table } = shaped();
    for (let i = 0; i <= MAX_SHAPES; i++) {
      const v = { [`k${i}`]: i, second: true };
      encode(v);
      expect(encode(v).out).toEqual(v);
    }
    const reader = new ShapeReader(table);
    expect(reader.keys(0)).toEqual(['k0', 'second']);
    expect(reader.keys(MAX_SHAPES - 1)).toEqual([`k${MAX_SHAPES - 1}`, 'second']);
    expect(reader.keys(MAX_SHAPES)).toBeUndefined();
  });

  it('a frame naming a shape the decoder cannot find does not decode', () => {
    const { encoder, encode } = shaped();
    encode({ p: 1, q: 2 });
    encode({ p: 1, q: 2 });
    const { length } = encode({ p: 1, q: 2 });
    const other = new ValueDecoder(
      {
        bytes: (encoder as unknown as { bytes: Uint8Array }).bytes,
        view: (encoder as unknown as { view: DataView }).view,
        buffer: (encoder as unknown as { buffer: Buffer }).buffer,
      },
      new ShapeReader(createShapeTable()),
    );
    other.begin(0, length);
    expect(() => other.value()).toThrow(FrameDecodeError);
  });
});

describe('ValueEncoder writing into the byte ring', () => {
  it('decodes every value intact when frames move to the start half-written', () => {
    const ring = createByteRing({ capacityBytes: 2048, maxRecords: 100 });
    const writer = new ByteRingWriter(ring);
    const reader = new ByteRingReader(ring);
    const encoder = new ValueEncoder(LIMITS, writer);
    const decoder = new ValueDecoder(reader);
    fc.assert(
      fc.property(fc.array(fc.jsonValue({ maxDepth: 3 }), { minLength: 1, maxLength: 20 }), (values) => {
        const committed: unknown[] = [];
        for (const v of values) {
          const start = writer.begin();
          if (start < 0) break;
          encoder.begin(start, 1 << 20);
          try {
            encoder.field(v);
          } catch (error) {
            expect(error).toBe(TARGET_FULL);
            writer.abort();
            break;
          }
          writer.commit(encoder.base, encoder.length);
          committed.push(v);
        }
        const decoded: unknown[] = [];
        for (let start = reader.next(); start !== -1; start = reader.next()) {
          decoder.begin(start, reader.frameLength);
          decoded.push(decoder.value());
        }
        reader.release();
        expect(decoded).toStrictEqual(committed);
      }),
      { seed: 1407, numRuns: 400 },
    );
  });

  it('refuses with TARGET_FULL when the ring has no room, leaving what it holds intact', () => {
    const ring = createByteRing({ capacityBytes: 1024, maxRecords: 100 });
    const writer = new ByteRingWriter(ring);
    const encoder = new ValueEncoder(LIMITS, writer);
    const start = writer.begin();
    encoder.begin(start, 1 << 20);
    expect(() => encoder.field('z'.repeat(2000))).toThrow(TARGET_FULL);
    writer.abort();
    expect(writer.framesRefused).toBe(1);
    expect(writer.depth()).toBe(0);
  });
});

describe('ValueDecoder on damaged frames', () => {
  it('throws FrameDecodeError, and nothing else, for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const buffer = Buffer.from(bytes);
        const decoder = new ValueDecoder({
          bytes: buffer,
          view: new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength),
          buffer,
        });
        decoder.begin(0, buffer.byteLength);
        try {
          decoder.value();
        } catch (error) {
          expect(error).toBeInstanceOf(FrameDecodeError);
        }
      }),
      { seed: 1408, numRuns: 3000 },
    );
  });

  it('throws FrameDecodeError for every cut-short prefix of a real frame', () => {
    const { target, encoder } = encoderFor();
    encoder.begin(0, 1 << 20);
    encoder.field({ a: [1, 'two', { three: 3.5 }], b: 'x'.repeat(100), c: new Uint8Array(0) });
    const decoder = new ValueDecoder(target);
    for (let cut = 0; cut < encoder.length; cut++) {
      decoder.begin(0, cut);
      expect(() => decoder.value()).toThrow(FrameDecodeError);
    }
  });
});

describe("Node's Buffer fast paths the codec relies on", () => {
  it('exist on this Node', () => {
    const methods = Buffer.prototype as unknown as Record<string, unknown>;
    expect([typeof methods.utf8Write, typeof methods.latin1Slice, typeof methods.utf8Slice]).toEqual([
      'function',
      'function',
      'function',
    ]);
  });
});
