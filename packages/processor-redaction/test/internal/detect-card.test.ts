import { describe, expect, it } from 'vitest';
import { detectCard, fitsCardNetwork, isCardDigits } from '../../src/internal/detect-card.ts';
import { matches } from '../support/detector-matches.ts';

describe('detectCard', () => {
  it.each([
    ['4111111111111111', ['4111111111111111']],
    ['card 4111 1111 1111 1111 exp 12/29', ['4111 1111 1111 1111']],
    ['5555-5555-5555-4444', ['5555-5555-5555-4444']],
    ['amex 3782 822463 10005.', ['3782 822463 10005']],
    ['diners 30569309025904', ['30569309025904']],
    ['jcb 3530111333300000', ['3530111333300000']],
    ['visa13 4222222222222', ['4222222222222']],
    ['ref 12 4111 1111 1111 1111', ['4111 1111 1111 1111']],
    ['x4111111111111111y', ['4111111111111111']],
  ])('finds the card in %j', (text, expected) => {
    expect(matches(detectCard, text)).toEqual(expected);
  });

  it.each([
    ['Luhn fails', '4111111111111112'],
    ['no network starts with 1 (epoch ms)', '1700000000000'],
    ['no network starts with 9', '9876543210987654'],
    ['more than 19 digits without separators', '41111111111111110000'],
    ['double separators break the run', '4111  1111  1111  1111'],
    ['dots are not separators', '4111.1111.1111.1111'],
    ['12 digits', '411111111111'],
    ['Mastercard is 16 digits', '555555555555444'],
    ['Amex is 15 digits', '3782822463100050'],
    ['UUID', '550e8400-e29b-41d4-a716-446655440000'],
  ])('rejects %s: %j', (_, text) => {
    expect(matches(detectCard, text)).toEqual([]);
  });

  it('checks numbers given as their digits', () => {
    expect(isCardDigits('4111111111111111')).toBe(true);
    expect(isCardDigits('4111111111111112')).toBe(false);
    expect(isCardDigits('41111111111')).toBe(false);
  });

  it('knows the networks: Mastercard 2-series and Mir, Diners 300-305, JCB 3528-3589', () => {
    expect(fitsCardNetwork(2221, 16)).toBe(true);
    expect(fitsCardNetwork(2720, 16)).toBe(true);
    expect(fitsCardNetwork(2721, 16)).toBe(false);
    expect(fitsCardNetwork(2200, 16)).toBe(true);
    expect(fitsCardNetwork(2024, 16)).toBe(false);
    expect(fitsCardNetwork(3050, 14)).toBe(true);
    expect(fitsCardNetwork(3060, 14)).toBe(false);
    expect(fitsCardNetwork(3528, 16)).toBe(true);
    expect(fitsCardNetwork(3590, 16)).toBe(false);
    expect(fitsCardNetwork(7000, 16)).toBe(false);
  });
});
