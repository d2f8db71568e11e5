import type { Attributes } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { SeriesBudget, SeriesTable } from '../../src/internal/series-table.ts';

interface Counter {
  attributes: Attributes;
  overflow: boolean;
  value: number;
}

function table(max: number, labelNames = ['a', 'b'], budget = new SeriesBudget('m', max)) {
  return new SeriesTable<Counter>({
    labelNames,
    budget,
    maxLabelValueLength: 16,
    create: (attributes, overflow) => ({ attributes, overflow, value: 0 }),
  });
}

describe('SeriesTable', () => {
  it('returns one series per label combination, with a frozen attribute set built once', () => {
    const t = table(10, ['model_name', 'model_version', 'endpoint', 'status_code']);
    const s = t.get('fraud', '1', '/predict', '200');
    expect(t.get('fraud', '1', '/predict', '200')).toBe(s);
    expect(t.get('fraud', '1', '/predict', '500')).not.toBe(s);
    expect(s.attributes).toEqual({
      model_name: 'fraud',
      model_version: '1',
      endpoint: '/predict',
      status_code: '200',
    });
    expect(Object.isFrozen(s.attributes)).toBe(true);
    expect(t.series).toHaveLength(2);
  });

  it('past the budget returns the "other" series and stores nothing more', () => {
    const t = table(2);
    t.get('x', '1');
    t.get('y', '1');
    const over = t.get('z', '1');
    expect(over).toBe(t.overflow);
    expect(over.overflow).toBe(true);
    expect(over.attributes).toEqual({ a: 'other', b: 'other' });
    expect(t.get('x', '1')).not.toBe(t.overflow);
    for (let i = 0; i < 1000; i++) expect(t.get(`new-${i}`, '1')).toBe(t.overflow);
    expect(t.series).toHaveLength(2);
  });

  it('shares one budget between the tables of one instrument', () => {
    const budget = new SeriesBudget('feature_value_distribution', 3);
    const amount = new SeriesTable<Counter>({
      labelNames: ['model_name'],
      constant: { feature: 'amount' },
      budget,
      maxLabelValueLength: 16,
      create: (attributes, overflow) => ({ attributes, overflow, value: 0 }),
    });
    const age = new SeriesTable<Counter>({
      labelNames: ['model_name'],
      constant: { feature: 'age' },
      budget,
      maxLabelValueLength: 16,
      create: (attributes, overflow) => ({ attributes, overflow, value: 0 }),
    });
    amount.get('m1');
    age.get('m1');
    amount.get('m2');
    expect(age.get('m2')).toBe(age.overflow);
    expect(age.overflow.attributes).toEqual({ model_name: 'other', feature: 'age' });
    expect(budget.used).toBe(3);
  });

  it('keys long values by their cut form and maps a real all-"other" combination to the other series', () => {
    const t = table(10);
    const a = t.get('abcdefghijklmnop-1', 'v');
    expect(t.get('abcdefghijklmnop-2', 'v')).toBe(a);
    expect(a.attributes).toEqual({ a: 'abcdefghijklmnop', b: 'v' });
    expect(t.get('other', 'other')).toBe(t.overflow);
    expect(t.series).toHaveLength(1);
  });
});
