import { describe, expect, it } from 'vitest';
import { unsafePatternReason } from '../../src/internal/pattern-safety.ts';

describe('unsafePatternReason', () => {
  it.each([
    'EMP-\\d{6}',
    '(a|b)+',
    '(\\d{3}-)?\\d{4}',
    '[a-z]+@[a-z]+',
    '(?:ab){2,5}',
    '(a+)?',
    '\\d+(?:\\.\\d{1,9})*',
    '[(+]+',
  ])('accepts %j', (source) => {
    expect(unsafePatternReason(source)).toBeUndefined();
  });

  it.each([
    ['(a+)+$', /unbounded quantifier/],
    ['(\\w*)*', /unbounded quantifier/],
    ['(x+){2,}', /unbounded quantifier/],
    ['((ab)+)+', /unbounded quantifier/],
    ['(?:[a-z]+\\s?)*', /unbounded quantifier/],
    ['(\\d)\\1', /backreferences/],
    ['(?<d>\\d)\\k<d>', /backreferences/],
  ])('refuses %j', (source, reason) => {
    expect(unsafePatternReason(source)).toMatch(reason);
  });
});
