import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance, suggestName } from '../../src/internal/name-suggestion.ts';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and neighbour swaps as one edit each', () => {
    expect(editDistance('query', 'query')).toBe(0);
    expect(editDistance('qury', 'query')).toBe(1);
    expect(editDistance('queryy', 'query')).toBe(1);
    expect(editDistance('qoery', 'query')).toBe(1);
    expect(editDistance('qeury', 'query')).toBe(1);
    expect(editDistance('abc', 'xyz')).toBe(3);
  });
});

describe('suggestName', () => {
  const commands = [
    'validate',
    'query',
    'replay',
    'verify',
    'schema',
    'sampling',
    'join',
    'evaluate',
    'drift',
  ];

  it('suggests the nearest name within the allowed edits', () => {
    expect(suggestName('qurey', commands)).toBe('query');
    expect(suggestName('evalute', commands)).toBe('evaluate');
    expect(suggestName('drfit', commands)).toBe('drift');
  });

  it('suggests the unique name a prefix starts', () => {
    expect(suggestName('val', commands)).toBe('validate');
    expect(suggestName('sa', commands)).toBe('sampling');
  });

  it('suggests nothing for an unrelated word', () => {
    expect(suggestName('deploy', commands)).toBeUndefined();
    expect(suggestName('', commands)).toBeUndefined();
    expect(didYouMean('xyzzy', commands)).toBe('');
  });

  it('formats the hint', () => {
    expect(didYouMean('--limt', ['--limit', '--json'])).toBe("; did you mean '--limit'?");
  });
});
