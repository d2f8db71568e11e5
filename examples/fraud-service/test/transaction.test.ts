import { describe, expect, it } from 'vitest';
import { isValidCardNumber, luhnCheckDigit } from '../src/card-number.ts';
import { InvalidTransactionError, parseTransaction, type RawTransaction } from '../src/transaction.ts';

const valid: RawTransaction = {
  amount: 42.5,
  currency: 'EUR',
  merchant_category: 'grocery',
  merchant_country: 'DE',
  entry_mode: 'ecommerce',
  timestamp: '2025-01-06T21:14:05+01:00',
  customer_email: 'anna.meyer12@example.com',
  card_number: '4242424242424242',
  device_id: 'dev_0123456789abcdef',
  ip_address: '46.1.2.3',
};

function issuesOf(body: unknown): string[] {
  try {
    parseTransaction(body);
  } catch (error) {
    if (error instanceof InvalidTransactionError) return error.issues.map((issue) => issue.field);
    throw error;
  }
  return [];
}

describe('card numbers', () => {
  it('computes the Luhn check digit of known test numbers', () => {
    expect(luhnCheckDigit('424242424242424')).toBe(2);
    expect(luhnCheckDigit('411111111111111')).toBe(1);
    expect(isValidCardNumber('4111111111111111')).toBe(true);
    expect(isValidCardNumber('4111111111111112')).toBe(false);
    expect(isValidCardNumber('4111-1111-1111-1111')).toBe(false);
  });
});

describe('parseTransaction', () => {
  it('accepts a complete transaction, with null device and IP for card-present payments', () => {
    expect(parseTransaction(valid)).toEqual(valid);
    expect(issuesOf({ ...valid, entry_mode: 'chip', device_id: null, ip_address: null })).toEqual([]);
  });

  it('names every bad field at once, missing ones as required', () => {
    const { merchant_country: _dropped, ...missing } = valid;
    expect(issuesOf({ ...missing, amount: -3, card_number: '4242424242424241', extra: 1 })).toEqual([
      'extra',
      'amount',
      'merchant_country',
      'card_number',
    ]);
    expect(
      issuesOf({ ...valid, amount: '42,50', timestamp: '2025-01-06 21:14', ip_address: '300.1.1.1' }),
    ).toEqual(['amount', 'timestamp', 'ip_address']);
    expect(issuesOf([valid])).toEqual(['$']);
    expect(issuesOf({ amount: 1 })).toHaveLength(9);
    expect(() => parseTransaction({ ...valid, device_id: undefined })).toThrow('device_id: is required');
  });

  it('keeps personal data out of the error message', () => {
    const body = { ...valid, customer_email: 'not-an-email', card_number: '4242424242424241' };
    expect(() => parseTransaction(body)).toThrow(InvalidTransactionError);
    try {
      parseTransaction(body);
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('not-an-email');
      expect(String((error as Error).message)).not.toContain('4242424242424241');
    }
  });
});
