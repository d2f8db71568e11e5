import { describe, expect, it } from 'vitest';
import { detectIban } from '../../src/internal/detect-iban.ts';
import { matches } from '../support/detector-matches.ts';

describe('detectIban', () => {
  it.each([
    ['DE89370400440532013000', ['DE89370400440532013000']],
    ['iban DE89 3704 0044 0532 0130 00, thanks', ['DE89 3704 0044 0532 0130 00']],
    ['GB82WEST12345698765432', ['GB82WEST12345698765432']],
    ['gb82 west 1234 5698 7654 32', ['gb82 west 1234 5698 7654 32']],
    ['NO9386011117947', ['NO9386011117947']],
    ['FR76 3000 6000 0112 3456 7890 189', ['FR76 3000 6000 0112 3456 7890 189']],
    ['DE89 3704 0044 0532 0130 00 EUR', ['DE89 3704 0044 0532 0130 00']],
  ])('finds the IBAN in %j', (text, expected) => {
    expect(matches(detectIban, text)).toEqual(expected);
  });

  it.each([
    ['wrong check digits', 'DE88370400440532013000'],
    ['changed account digit', 'DE89370400440532013001'],
    ['unknown country', 'XX89370400440532013000'],
    ['too short for its country', 'DE8937040044053201300'],
    ['too long for its country', 'DE893704004405320130000'],
    ['glued to a word', 'xDE89370400440532013000'],
  ])('rejects %s: %j', (_, text) => {
    expect(matches(detectIban, text)).toEqual([]);
  });
});
