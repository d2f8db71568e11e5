import { describe, expect, it } from 'vitest';
import { humanNumber } from '../../src/internal/human-number.ts';

describe('humanNumber', () => {
  it('rounds floating-point noise to 4 significant digits', () => {
    expect(humanNumber(2.0660780000000614)).toBe('2.066');
    expect(humanNumber(0.30000000000000004)).toBe('0.3');
    expect(humanNumber(123.456789)).toBe('123.5');
  });

  it('keeps integers whole and exact', () => {
    expect(humanNumber(42)).toBe('42');
    expect(humanNumber(1_234_567)).toBe('1234567');
  });

  it('uses exponent form only for the very small and the very large', () => {
    expect(humanNumber(0.00001234)).toBe('1.23e-5');
    expect(humanNumber(1.5e20)).toBe('1.50e+20');
    expect(humanNumber(0.0012346)).toBe('0.001235');
  });
});
