import { seededRandom } from '@predlog/test-kit';
import { describe, expect, it } from 'vitest';
import { RuleShares } from '../../src/internal/rule-shares.ts';
import { R_ERROR, R_LATENCY } from '../../src/internal/sampling-reasons.ts';

/** Feeds `n` records; each fires the error rule with probability `errorShare`, latency with 0.1%. */
function feed(shares: RuleShares, n: number, errorShare: number, seed: number): number[] {
  const random = seededRandom(seed);
  const seen: number[] = [];
  for (let i = 0; i < n; i++) {
    shares.count();
    if (random() < errorShare) seen.push(shares.fire(R_ERROR));
    if (random() < 0.001) shares.fire(R_LATENCY);
  }
  return seen;
}

describe('RuleShares', () => {
  it('leaves every rule uncapped (probability 1) during the warm-up', () => {
    const shares = new RuleShares(0.005);
    expect(feed(shares, 2000, 0.5, 1).every((p) => p === 1)).toBe(true);
  });

  it('caps a rule that fires for 4% of the records at maxShare / share; a rare rule stays whole', () => {
    const shares = new RuleShares(0.005);
    feed(shares, 50_000, 0.04, 2);
    const p = shares.probability[R_ERROR] as number;
    expect(p).toBeGreaterThan(0.1);
    expect(p).toBeLessThan(0.16); // 0.005 / 0.04 = 0.125, within the estimate's noise
    expect(shares.probability[R_LATENCY]).toBe(1);
  });

  it('follows the recent share: a burst of errors is capped, and released once it is over', () => {
    const shares = new RuleShares(0.005);
    feed(shares, 20_000, 0.001, 3);
    expect(shares.probability[R_ERROR]).toBe(1);
    feed(shares, 20_000, 0.2, 4);
    expect(shares.probability[R_ERROR]).toBeLessThan(0.04);
    feed(shares, 60_000, 0.001, 5);
    expect(shares.probability[R_ERROR]).toBe(1);
  });
});
