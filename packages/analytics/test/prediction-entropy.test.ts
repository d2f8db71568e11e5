import { describe, expect, it } from 'vitest';
import { predictionUncertainty } from '../src/prediction-entropy.ts';

describe('predictionUncertainty', () => {
  it('a binary score: entropy in bits of (s, 1 − s), confidence max(s, 1 − s)', () => {
    expect(predictionUncertainty(undefined, 0.5)).toEqual({ entropy: 1, confidence: 0.5 });
    // −(0.9 ln 0.9 + 0.1 ln 0.1) / ln 2 = 0.46900
    const u = predictionUncertainty(undefined, 0.9);
    expect(u?.entropy).toBeCloseTo(0.469, 4);
    expect(u?.confidence).toBeCloseTo(0.9, 12);
    expect(predictionUncertainty(undefined, 0)).toEqual({ entropy: 0, confidence: 1 });
  });

  it('class probabilities: −Σ p ln p / ln k, renormalised, by name or index', () => {
    // (0.24967 + 0.32189 + 0.23026) / ln 3 = 0.72985
    const named = predictionUncertainty({ a: 0.7, b: 0.2, c: 0.1 }, 0.7);
    expect(named?.entropy).toBeCloseTo(0.72985, 4);
    expect(named?.confidence).toBeCloseTo(0.7, 12);
    const scaled = predictionUncertainty([7, 2, 1], undefined);
    expect(scaled?.entropy).toBeCloseTo(0.72985, 4);
    expect(predictionUncertainty([0.25, 0.25, 0.25, 0.25], undefined)?.entropy).toBeCloseTo(1, 12);
  });

  it('nothing usable reads as undefined, never throws', () => {
    expect(predictionUncertainty(undefined, undefined)).toBeUndefined();
    expect(predictionUncertainty({ a: 'x' }, 1.5)).toBeUndefined();
    expect(predictionUncertainty(null, Number.NaN)).toBeUndefined();
    // One class only: fall back to the score.
    expect(predictionUncertainty([1], 0.5)?.entropy).toBe(1);
  });
});
