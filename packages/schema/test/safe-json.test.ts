import { describe, expect, it } from 'vitest';
import { stringifyRecord } from '../src/safe-json.ts';

describe('stringifyRecord', () => {
  it('takes the plain path for ordinary records', () => {
    const record = { event: 'ml.prediction', score: 0.5, input_features: { a: 1 } };
    expect(stringifyRecord(record)).toEqual({ json: JSON.stringify(record), converted: false });
  });

  it('converts what JSON.stringify rejects or mangles, and never throws', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const throwing = {
      get boom(): never {
        throw new Error('x');
      },
    };
    const out = stringifyRecord({ big: 10n, bytes: new Uint8Array([104, 105]), cyclic, throwing });
    expect(out.converted).toBe(true);
    expect(JSON.parse(out.json)).toEqual({
      big: '10',
      bytes: 'aGk=',
      cyclic: { a: 1, self: '[Circular]' },
      throwing: { boom: '[Unserializable]' },
    });
  });
});
