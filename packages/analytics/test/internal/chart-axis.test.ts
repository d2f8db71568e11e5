import { describe, expect, it } from 'vitest';
import { axisScale } from '../../src/internal/chart-axis.ts';

describe('axisScale', () => {
  it('fits a positive rate moving from 5.7% to 7.4% (not 0–100%)', () => {
    const axis = axisScale([0.057, 0.061, 0.066, 0.074], { percent: true, unitInterval: true });
    expect(axis.labels).toEqual(['5.5%', '6.0%', '6.5%', '7.0%', '7.5%']);
    expect(axis.min).toBeCloseTo(0.055, 12);
    expect(axis.max).toBeCloseTo(0.075, 12);
  });

  it('a precision collapse from 0.82 to 0.31 spans most of the axis, inside [0, 1]', () => {
    const axis = axisScale([0.82, 0.8, 0.45, 0.31], { unitInterval: true });
    expect(axis.labels).toEqual(['0.2', '0.4', '0.6', '0.8', '1.0']);
    // A metric at 0.99 never gets a tick above 1.
    expect(axisScale([0.97, 0.99], { unitInterval: true }).max).toBeLessThanOrEqual(1);
  });

  it('small values such as an ECE rising from 0.009 to 0.04 get fine ticks', () => {
    const axis = axisScale([0.009, 0.012, 0.037, 0.04], { unitInterval: true });
    expect(axis.ticks[0]).toBe(0);
    expect(axis.labels).toContain('0.02');
    expect(axis.max).toBeCloseTo(0.05, 12);
    // Steps of 2.5 × 10ᵏ keep their digit.
    expect(axisScale([0, 0.09], { nonNegative: true }).labels).toEqual([
      '0.000',
      '0.025',
      '0.050',
      '0.075',
      '0.100',
    ]);
  });

  it('a flat line gets an axis around its value; non-negative values stop at 0; include widens', () => {
    const flat = axisScale([0.5, 0.5]);
    expect(flat.min).toBeLessThan(0.5);
    expect(flat.max).toBeGreaterThan(0.5);
    expect(axisScale([0.2, 3], { nonNegative: true }).min).toBe(0);
    expect(axisScale([-2, 3]).min).toBeLessThan(-2);
    expect(axisScale([0.4, 0.5], { include: 0 }).min).toBe(0);
    for (const axis of [flat, axisScale([0.031, 0.0312])]) {
      expect(axis.ticks.length).toBeGreaterThanOrEqual(3);
      expect(axis.ticks.length).toBeLessThanOrEqual(8);
      expect(new Set(axis.labels).size).toBe(axis.labels.length);
    }
  });
});
