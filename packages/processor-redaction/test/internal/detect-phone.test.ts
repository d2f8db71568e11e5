import { describe, expect, it } from 'vitest';
import { detectPhone } from '../../src/internal/detect-phone.ts';
import { matches } from '../support/detector-matches.ts';

describe('detectPhone', () => {
  it.each([
    ['+14155552671', ['+14155552671']],
    ['call +44 20 7946 0958 now', ['+44 20 7946 0958']],
    ['+1 (415) 555-2671', ['+1 (415) 555-2671']],
    ['0049 30 1234567', ['0049 30 1234567']],
    ['(415) 555-2671', ['(415) 555-2671']],
    ['415-555-2671 or 415.555.2671 or 415 555 2671', ['415-555-2671', '415.555.2671', '415 555 2671']],
    ['1-800-555-0199', ['1-800-555-0199']],
    ['030 1234567', ['030 1234567']],
    ['0151 12345678', ['0151 12345678']],
    ['tel: 01 23 45 67 89.', ['01 23 45 67 89']],
    ['030/1234567', ['030/1234567']],
  ])('finds the number in %j', (text, expected) => {
    expect(matches(detectPhone, text)).toEqual(expected);
  });

  it.each([
    ['too few digits', '+1234567'],
    ['more than 15 digits', '+1234567890123456'],
    ['country code 0', '+0 123 456 789'],
    ['00 with a short number (an id)', 'ref 00123 45678'],
    ['NANP area code 1xx', '123-456-7890'],
    ['NANP exchange 1xx', '555-123-4567'],
    ['unformatted national digits', '4155552671'],
    ['date', '05-01-2024'],
    ['date then time', '05-01-2024 10:30'],
    ['ISO date', '2024-01-15'],
    ['inside a run of digit groups', 'DE89 3704 0044 0532 0130 01'],
    ['glued to a word', 'x415-555-2671'],
    ['part of a dashed id', 'ORD-415-555-2671'],
    ['continued', '415-555-2671-9'],
    ['amount', '$1,234,567.89'],
  ])('rejects %s: %j', (_, text) => {
    expect(matches(detectPhone, text)).toEqual([]);
  });
});
