import { describe, expect, it } from 'vitest';
import { EdgeBuckets, EqualWidthBuckets, QuantileEdgeLearner } from '../../src/internal/score-buckets.ts';

describe('score buckets', () => {
  it('equal-width bins on [0, 1]: 1 is in the last bin, outside values clamp', () => {
    const b = new EqualWidthBuckets(20, 0, 1);
    expect([0, 0.049, 0.05, 0.5, 0.999, 1, 7, -1].map((s) => b.indexOf(s))).toEqual([
      0, 0, 1, 10, 19, 19, 19, 0,
    ]);
  });

  it('explicit edges: [e_i, e_i+1) per bin, outside values clamp', () => {
    const b = EdgeBuckets.fromEdges([0, 0.1, 0.5, 1]);
    expect(b.size).toBe(3);
    expect([-5, 0, 0.0999, 0.1, 0.49, 0.5, 1, 9].map((s) => b.indexOf(s))).toEqual([0, 0, 0, 1, 1, 2, 2, 2]);
  });

  it('quantile edges from the warm-up split it into equal shares; ties collapse', () => {
    const learner = new QuantileEdgeLearner(1000, 4);
    let learned: EdgeBuckets | undefined;
    for (let i = 0; i < 1000; i++) learned = learner.add(i);
    expect(learned?.edges).toEqual([250, 500, 750]);
    const discrete = new QuantileEdgeLearner(100, 10);
    let few: EdgeBuckets | undefined;
    for (let i = 0; i < 100; i++) few = discrete.add(i % 2);
    expect(few?.edges).toEqual([1]);
    expect(few?.size).toBe(2);
  });
});
