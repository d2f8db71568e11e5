import { seededRandom } from '@predlog/test-kit';
import { describe, expect, it } from 'vitest';
import { ScoreTails } from '../../src/internal/score-tails.ts';

const tails = (share = 0.0025, warmupScores = 4000, halfLifeScores = 100_000) =>
  new ScoreTails({ lo: 0, hi: 1, share, warmupScores, halfLifeScores });

/** The empirical quantile q of `scores`. */
function quantile(scores: number[], q: number): number {
  const sorted = [...scores].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}

describe('ScoreTails', () => {
  it('is off until warmupScores scores have arrived', () => {
    const t = tails(0.01, 1000);
    const random = seededRandom(1);
    for (let i = 0; i < 999; i++) t.add(random());
    expect([t.lowCut, t.highCut]).toEqual([Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY]);
    for (let i = 0; i < 300; i++) t.add(random());
    expect(t.lowCut).toBeGreaterThan(0);
    expect(t.highCut).toBeLessThan(1);
  });

  it('finds p(share) and p(1 − share) of a classifier whose scores span ten orders of magnitude', () => {
    const t = tails();
    const random = seededRandom(2);
    // Log-odds normal around −6 (most scores near 0) with a fat right tail: a fraud model's shape.
    const scores: number[] = [];
    for (let i = 0; i < 200_000; i++) {
      const u = Math.max(1e-12, random());
      const z = -6 + 3 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
      const score = 1 / (1 + Math.exp(-(random() < 0.02 ? z + 14 : z)));
      scores.push(score);
      t.add(score);
    }
    const recent = scores.slice(-100_000);
    // Each cut holds between 0.2% and 0.3% of the recent scores (0.25% asked, 9% bins interpolated).
    const below = recent.filter((s) => s < t.lowCut).length / recent.length;
    const above = recent.filter((s) => s > t.highCut).length / recent.length;
    expect(below).toBeGreaterThan(0.002);
    expect(below).toBeLessThan(0.003);
    expect(above).toBeGreaterThan(0.002);
    expect(above).toBeLessThan(0.003);
    // On the log-odds scale the cuts sit where the quantiles are.
    const logit = (s: number) => Math.log(s / (1 - s));
    expect(Math.abs(logit(t.lowCut) - logit(quantile(recent, 0.0025)))).toBeLessThan(0.3);
    expect(Math.abs(logit(t.highCut) - logit(quantile(recent, 0.9975)))).toBeLessThan(0.3);
  });

  it('follows the recent scores: ten half-lives after a shift, the old scores are below the share', () => {
    const t = tails(0.0025, 4000, 20_000);
    const random = seededRandom(3);
    for (let i = 0; i < 50_000; i++) t.add(0.5 * random());
    expect(t.highCut).toBeLessThan(0.5);
    expect(t.highCut).toBeGreaterThan(0.49);
    // The old scores weigh 2^-10 of what they did: about 0.1% of the estimate, under the 0.25% share.
    for (let i = 0; i < 200_000; i++) t.add(0.5 + 0.5 * random());
    expect(t.lowCut).toBeGreaterThan(0.5);
    expect(t.highCut).toBeGreaterThan(0.99);
  });

  it('a pile of identical end values is not a rare extreme: that end stays off', () => {
    const t = tails(0.0025, 1000);
    const random = seededRandom(4);
    // 10% of the scores are exactly 0 (a clipped output); the rest uniform.
    for (let i = 0; i < 20_000; i++) t.add(random() < 0.1 ? 0 : random());
    expect(t.lowCut).toBe(Number.NEGATIVE_INFINITY);
    expect(t.highCut).toBeGreaterThan(0.99);
    expect(t.highCut).toBeLessThan(1);
  });

  it('measures on the configured range and clamps scores outside it to its ends', () => {
    const t = new ScoreTails({ lo: -1, hi: 1, share: 0.01, warmupScores: 1000, halfLifeScores: 100_000 });
    const random = seededRandom(5);
    for (let i = 0; i < 20_000; i++) t.add(-1 + 2 * random());
    expect(t.lowCut).toBeCloseTo(-0.98, 1);
    expect(t.highCut).toBeCloseTo(0.98, 1);
    for (let i = 0; i < 10; i++) t.add(Number.POSITIVE_INFINITY);
    t.add(-5);
    expect(Number.isFinite(t.lowCut) && Number.isFinite(t.highCut)).toBe(true);
  });
});
