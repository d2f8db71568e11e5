import { describe, expect, it } from 'vitest';
import { studentTTwoSided } from '../src/internal/student-t.ts';
import { weightedLinearTrend } from '../src/trend-statistic.ts';
import { SeededRandom } from './support/seeded-random.ts';

describe('studentTTwoSided', () => {
  it('matches the t tables', () => {
    // Two-sided 5% critical values: 12.706 (1 df), 2.571 (5), 2.228 (10), 2.042 (30); 10%: 1.812 (10).
    expect(studentTTwoSided(12.706, 1)).toBeCloseTo(0.05, 4);
    expect(studentTTwoSided(2.571, 5)).toBeCloseTo(0.05, 4);
    expect(studentTTwoSided(2.228, 10)).toBeCloseTo(0.05, 4);
    expect(studentTTwoSided(-2.042, 30)).toBeCloseTo(0.05, 4);
    expect(studentTTwoSided(1.812, 10)).toBeCloseTo(0.1, 3);
    expect(studentTTwoSided(0, 7)).toBeCloseTo(1, 12);
    expect(studentTTwoSided(1, 0)).toBeNaN();
  });
});

describe('weightedLinearTrend', () => {
  it('equals a hand-computed ordinary least-squares fit with equal weights', () => {
    // x 0..4, y 1, 3, 2, 5, 4: x̄ 2, ȳ 3, Sxx 10, Sxy 8 → b 0.8, a 1.4; residuals −0.4, 0.8, −1, 1.2, −0.6
    // → RSS 3.6, σ̂² 1.2, SE √(1.2/10) = 0.34641, t 2.3094 on 3 df (p 0.1041).
    const t = weightedLinearTrend([1, 3, 2, 5, 4].map((y, x) => ({ x, y, weight: 7 })));
    expect(t?.slope).toBeCloseTo(0.8, 12);
    expect(t?.intercept).toBeCloseTo(1.4, 12);
    expect(t?.standardError).toBeCloseTo(0.34641, 5);
    expect(t?.t).toBeCloseTo(2.3094, 4);
    expect(t?.degreesOfFreedom).toBe(3);
    expect(t?.pValue).toBeCloseTo(0.1041, 3);
  });

  it('weights pull the line towards heavy points; an integer weight equals repeating the point', () => {
    const points = [
      { x: 0, y: 1, weight: 1 },
      { x: 1, y: 3, weight: 3 },
      { x: 2, y: 2, weight: 1 },
      { x: 3, y: 6, weight: 2 },
    ];
    const repeated = points.flatMap((p) => Array.from({ length: p.weight }, () => ({ ...p, weight: 1 })));
    expect(weightedLinearTrend(points)?.slope).toBeCloseTo(
      weightedLinearTrend(repeated)?.slope as number,
      12,
    );
  });

  it('rejects "no trend" at about its level on trendless noise, and finds a real slope', () => {
    const random = new SeededRandom(11);
    let rejected = 0;
    const runs = 400;
    for (let run = 0; run < runs; run++) {
      const points = Array.from({ length: 30 }, (_, x) => ({
        x,
        y: 0.8 + random.normal(0, 0.02),
        weight: 1,
      }));
      if ((weightedLinearTrend(points)?.pValue as number) < 0.05) rejected += 1;
    }
    // Binomial(400, 0.05): mean 20, sd 4.4.
    expect(rejected / runs).toBeGreaterThan(0.02);
    expect(rejected / runs).toBeLessThan(0.09);
    const sloped = Array.from({ length: 30 }, (_, x) => ({
      x,
      y: 0.8 - 0.002 * x + random.normal(0, 0.01),
      weight: 1,
    }));
    const fit = weightedLinearTrend(sloped);
    expect(fit?.slope).toBeCloseTo(-0.002, 3);
    expect(fit?.pValue).toBeLessThan(0.001);
  });

  it('is undefined below three points or with one x', () => {
    expect(
      weightedLinearTrend([
        { x: 0, y: 1, weight: 1 },
        { x: 1, y: 2, weight: 1 },
      ]),
    ).toBeNull();
    expect(weightedLinearTrend([1, 2, 3].map((y) => ({ x: 5, y, weight: 1 })))).toBeNull();
  });
});
