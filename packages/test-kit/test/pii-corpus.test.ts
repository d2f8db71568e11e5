import { describe, expect, it } from 'vitest';
import { cardNumber, luhnCheckDigit, nearMisses, piiCorpus, seededRandom } from '../src/index.ts';

/** Luhn written again here, so the corpus is checked against an independent implementation. */
function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

function passesIbanCheck(value: string): boolean {
  const compact = value.replace(/\s/g, '').toUpperCase();
  const numeric = [...(compact.slice(4) + compact.slice(0, 4))]
    .map((c) => (c >= 'A' && c <= 'Z' ? String(c.charCodeAt(0) - 55) : c))
    .join('');
  return BigInt(numeric) % 97n === 1n;
}

describe('seededRandom', () => {
  it('repeats its sequence for a seed, differs between seeds, and stays in [0, 1)', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const first = Array.from({ length: 50 }, a);
    expect(Array.from({ length: 50 }, b)).toEqual(first);
    expect(Array.from({ length: 50 }, c)).not.toEqual(first);
    expect(first.every((n) => n >= 0 && n < 1)).toBe(true);
  });
});

describe('luhnCheckDigit', () => {
  it('gives the published check digits', () => {
    expect(luhnCheckDigit('7992739871')).toBe(3);
    expect(luhnCheckDigit('411111111111111')).toBe(1);
    expect(luhnCheckDigit('37828224631000')).toBe(5);
  });
});

describe('cardNumber', () => {
  it('has the prefix and length asked for and a valid check digit', () => {
    const random = seededRandom(3);
    for (const [prefix, length] of [
      ['4', 16],
      ['37', 15],
      ['6011', 16],
      ['62', 19],
    ] as const) {
      const card = cardNumber(prefix, length, random);
      expect(card).toMatch(new RegExp(`^${prefix}\\d{${length - prefix.length}}$`));
      expect(passesLuhn(card)).toBe(true);
    }
  });
});

describe('piiCorpus and nearMisses', () => {
  it('are the same frozen values on every call', () => {
    expect(piiCorpus()).toBe(piiCorpus());
    expect(nearMisses()).toBe(nearMisses());
    expect(Object.isFrozen(piiCorpus())).toBe(true);
    expect(Object.isFrozen(piiCorpus()[0])).toBe(true);
    expect(Object.isFrozen(nearMisses())).toBe(true);
  });

  it('holds 210 values in eight kinds and 110 near-misses, without repeats', () => {
    const kinds = new Set(piiCorpus().map((p) => p.kind));
    expect([...kinds].sort()).toEqual([
      'card',
      'email',
      'employee_id',
      'iban',
      'ipv4',
      'ipv6',
      'phone',
      'ssn',
    ]);
    expect(piiCorpus()).toHaveLength(210);
    expect(new Set(piiCorpus().map((p) => p.value)).size).toBe(210);
    expect(nearMisses()).toHaveLength(110);
  });

  it('has Luhn-valid cards (ten of them exact JSON numbers) and IBANs with valid check digits', () => {
    const cards = piiCorpus().filter((p) => p.kind === 'card');
    expect(cards.every((p) => passesLuhn(String(p.value).replace(/\D/g, '')))).toBe(true);
    const numeric = cards.filter((p) => typeof p.value === 'number');
    expect(numeric).toHaveLength(10);
    expect(numeric.every((p) => Number.isSafeInteger(p.value))).toBe(true);
    const ibans = piiCorpus().filter((p) => p.kind === 'iban');
    expect(ibans).toHaveLength(25);
    expect(ibans.every((p) => passesIbanCheck(String(p.value)))).toBe(true);
  });

  it('has near-miss card numbers that all fail the Luhn check', () => {
    const cardLike = nearMisses()
      .filter((m) => /^[\d -]+$/.test(String(m)))
      .map((m) => String(m).replace(/\D/g, ''))
      .filter((d) => d.length >= 13 && d.length <= 19 && /^[2-6]/.test(d));
    expect(cardLike.length).toBeGreaterThanOrEqual(18);
    expect(cardLike.filter(passesLuhn)).toEqual([]);
  });
});
