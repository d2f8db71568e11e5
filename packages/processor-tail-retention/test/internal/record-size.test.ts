import { describe, expect, it } from 'vitest';
import { recordBytes } from '../../src/internal/record-size.ts';
import { prediction } from '../support/records.ts';

describe('recordBytes', () => {
  it('takes approxBytes when the record carries it', () => {
    expect(recordBytes(prediction('a', { approxBytes: 1234 }))).toBe(1234);
  });

  it('estimates a record without approxBytes close to its JSON size', () => {
    const record = prediction('a', {
      body: { input_features: { amount: 12.5, country: 'FR' }, raw_input: { email: 'x'.repeat(300) } },
    });
    (record as { approxBytes?: number }).approxBytes = undefined;
    const json = JSON.stringify({ attributes: record.attributes, body: record.body }).length;
    const estimate = recordBytes(record);
    expect(estimate).toBeGreaterThan(json * 0.8);
    expect(estimate).toBeLessThan(json * 1.5);
  });

  it('stops walking a huge or cyclic value after a bounded number of values', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const record = prediction('a', { body: { cyclic, wide: Array.from({ length: 100_000 }, (_, i) => i) } });
    (record as { approxBytes?: number }).approxBytes = undefined;
    expect(recordBytes(record)).toBeLessThan(20_000);
  });
});
