import { describe, expect, it } from 'vitest';
import { detectSsn, isValidSsn } from '../../src/internal/detect-ssn.ts';
import { matches } from '../support/detector-matches.ts';

describe('detectSsn', () => {
  it.each([
    ['123-45-6789', ['123-45-6789']],
    ['ssn: 078 05 1120.', ['078 05 1120']],
    ['a 001-01-0001 and 899-99-9999', ['001-01-0001', '899-99-9999']],
  ])('finds the SSN in %j', (text, expected) => {
    expect(matches(detectSsn, text)).toEqual(expected);
  });

  it.each([
    ['area 000', '000-12-3456'],
    ['area 666', '666-12-3456'],
    ['area 9xx', '912-34-5678'],
    ['group 00', '123-00-4567'],
    ['serial 0000', '123-45-0000'],
    ['mixed separators', '123-45 6789'],
    ['no separators', '123456789'],
    ['inside a longer number', '1123-45-6789'],
    ['followed by more digits', '123-45-67890'],
    ['part of a dashed id', '9-123-45-6789'],
    ['continued by a dash and digits', '123-45-6789-1'],
  ])('rejects %s: %j', (_, text) => {
    expect(matches(detectSsn, text)).toEqual([]);
  });

  it('applies the invalid ranges', () => {
    expect(isValidSsn(1, 1, 1)).toBe(true);
    expect(isValidSsn(899, 99, 9999)).toBe(true);
    expect(isValidSsn(900, 1, 1)).toBe(false);
    expect(isValidSsn(666, 1, 1)).toBe(false);
    expect(isValidSsn(0, 1, 1)).toBe(false);
    expect(isValidSsn(1, 0, 1)).toBe(false);
    expect(isValidSsn(1, 1, 0)).toBe(false);
  });
});
