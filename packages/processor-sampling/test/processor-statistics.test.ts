/**
 * The statistical guarantees, on fixed seeds with stated tolerances. Each test calls `decide()`
 * directly (the head path the PredictionLogger uses), on a fake clock that spreads the stream over
 * one simulated day, so windows and tiers behave as in production.
 */
import { consistentHash, type PredictionView, type SamplingDecision } from '@predlog/core';
import type { FakeClock } from '@predlog/test-kit';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SamplingConfigInput, SamplingProcessor } from '../src/index.ts';
import { PLAIN, sampler, testEnv } from './support/sampler.ts';
import { psi, type SyntheticStream, skewedStream } from './support/synthetic-stream.ts';

const N = 1_000_000;
const RATE = 0.1;
const BUCKETS = 20;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const STEP_MS = DAY_MS / N;

const CONFIG: SamplingConfigInput = { ...PLAIN, rate: RATE, seed: 7 };

interface Run {
  decisions: SamplingDecision[];
  keptByBucket: Float64Array;
  weightByBucket: Float64Array;
  fullByBucket: Float64Array;
  /** Kept and full counts per (hour, bucket): index hour * BUCKETS + bucket. */
  keptByHourBucket: Float64Array;
  fullByHourBucket: Float64Array;
  keptTotal: number;
  weightTotal: number;
}

const add = (counts: Float64Array, i: number, x: number) => {
  counts[i] = (counts[i] as number) + x;
};
const bucketOf = (score: number) => Math.min(BUCKETS - 1, Math.floor(score * BUCKETS));

/** Runs `indices` of the stream through one sampler, one record every STEP_MS of simulated time. */
function run(
  processor: SamplingProcessor,
  clock: FakeClock,
  stream: SyntheticStream,
  indices?: readonly number[],
): Run {
  const view = { requestId: '', modelName: 'fraud', modelVersion: '1', score: 0 } satisfies PredictionView;
  const count = indices?.length ?? stream.scores.length;
  const decisions = new Array<SamplingDecision>(count);
  const hours = 25;
  const r: Run = {
    decisions,
    keptByBucket: new Float64Array(BUCKETS),
    weightByBucket: new Float64Array(BUCKETS),
    fullByBucket: new Float64Array(BUCKETS),
    keptByHourBucket: new Float64Array(hours * BUCKETS),
    fullByHourBucket: new Float64Array(hours * BUCKETS),
    keptTotal: 0,
    weightTotal: 0,
  };
  const start = clock.monotonic();
  for (let k = 0; k < count; k++) {
    const i = indices === undefined ? k : (indices[k] as number);
    view.requestId = stream.requestIds[i] as string;
    view.score = stream.scores[i] as number;
    clock.advanceTo(start + i * STEP_MS);
    const d = processor.decide(view);
    decisions[k] = d;
    const b = bucketOf(view.score);
    const hb = Math.floor((clock.monotonic() - start) / HOUR_MS) * BUCKETS + b;
    add(r.fullByBucket, b, 1);
    add(r.fullByHourBucket, hb, 1);
    if (d.keep) {
      r.keptTotal++;
      r.weightTotal += d.weight;
      add(r.keptByBucket, b, 1);
      add(r.weightByBucket, b, d.weight);
      add(r.keptByHourBucket, hb, 1);
    }
  }
  return r;
}

let stream: SyntheticStream;
let full: Run;

beforeAll(() => {
  stream = skewedStream(N, 20260314);
  const env = testEnv();
  full = run(sampler(CONFIG, env), env.clock, stream);
});

describe('stratified sample of 1,000,000 skewed predictions at 10%', () => {
  it('the stream is as skewed as intended: one bucket holds most records, nine hold a few dozen', () => {
    expect(full.fullByBucket[0]).toBeGreaterThan(400_000);
    const rare = [...full.fullByBucket].filter((n) => n > 0 && n < 100);
    expect(rare.length).toBe(9);
  });

  it('keeps about 10% overall (10.0% to 10.5%: the per-bucket minimum adds at most 20 x 10 x 24 records)', () => {
    const share = full.keptTotal / N;
    expect(share).toBeGreaterThanOrEqual(0.1);
    expect(share).toBeLessThan(0.105);
  });

  it('PSI between the weighted sample and the full stream is < 0.01 and every non-empty bucket is represented', () => {
    for (let b = 0; b < BUCKETS; b++)
      if ((full.fullByBucket[b] as number) > 0) expect(full.keptByBucket[b]).toBeGreaterThan(0);
    const weighted = psi(full.fullByBucket, full.weightByBucket);
    expect(weighted).toBeLessThan(0.01);
    // The weights do real work: the unweighted sample over-represents the rare buckets.
    expect(psi(full.fullByBucket, full.keptByBucket)).toBeGreaterThan(weighted);
  });

  it('keeps the first 10 records of every bucket in every hour, so rare buckets are kept whole here', () => {
    // The hour of the test's bookkeeping and the sampler's window start together; a dropped record
    // may see a clock up to 15 calls old (about 1.3 s here), hence the 1-record allowance.
    for (let hb = 0; hb < full.fullByHourBucket.length; hb++) {
      const arrivals = full.fullByHourBucket[hb] as number;
      expect(full.keptByHourBucket[hb]).toBeGreaterThanOrEqual(Math.min(arrivals, 10) - 1);
    }
    for (let b = 9; b < 18; b++) expect(full.keptByBucket[b]).toBe(full.fullByBucket[b]);
  });

  it('weight-adjusted total within 1% of the truth; each bucket within 4 standard errors', () => {
    expect(Math.abs(full.weightTotal - N) / N).toBeLessThan(0.01);
    for (let b = 0; b < BUCKETS; b++) {
      const n = full.fullByBucket[b] as number;
      // Standard error of a Horvitz–Thompson count at rate r: sqrt(n (1 − r) / r); census records add none.
      const se = Math.sqrt((n * (1 - RATE)) / RATE);
      expect(Math.abs((full.weightByBucket[b] as number) - n)).toBeLessThanOrEqual(4 * se + 1e-9);
    }
  });

  it('each weight is 1/(inclusion probability): 1 for the bucket minimum, 1/rate for the draw', () => {
    const weights = new Map<string, Set<number>>();
    for (const d of full.decisions) {
      if (!d.keep) continue;
      const set = weights.get(d.reason) ?? new Set<number>();
      set.add(d.weight);
      weights.set(d.reason, set);
    }
    expect(Object.fromEntries([...weights].map(([k, v]) => [k, [...v]]))).toEqual({
      min_per_bucket: [1],
      sampled: [1 / RATE],
    });
  });
});

describe('consistency', () => {
  it('a second instance with the same config decides every record the same way', () => {
    const env = testEnv();
    const again = run(sampler(CONFIG, env), env.clock, stream);
    let differ = 0;
    for (let i = 0; i < N; i++) {
      const a = again.decisions[i] as SamplingDecision;
      const b = full.decisions[i] as SamplingDecision;
      if (a.keep !== b.keep || a.reason !== b.reason || a.weight !== b.weight) differ++;
    }
    expect(differ).toBe(0);
  });

  it('a replica that sees only part of the traffic draws the same: a sampled record is kept by both', () => {
    const env = testEnv();
    const odd = Array.from({ length: N / 2 }, (_, k) => 2 * k + 1);
    const replica = run(sampler(CONFIG, env), env.clock, stream, odd);
    let compared = 0;
    let disagree = 0;
    let notTheSharedHash = 0;
    odd.forEach((i, k) => {
      const a = full.decisions[i] as SamplingDecision;
      const b = replica.decisions[k] as SamplingDecision;
      // The per-bucket minimum depends on what each instance saw first; the draw does not.
      if (a.reason === 'min_per_bucket' || b.reason === 'min_per_bucket') return;
      compared++;
      if (b.keep !== a.keep) disagree++;
      // It is the hash tail retention uses: kept exactly when consistentHash(id, seed) < rate.
      if (a.keep !== consistentHash(stream.requestIds[i] as string, 7) < RATE) notTheSharedHash++;
    });
    expect(compared).toBeGreaterThan(N / 2 - 10_000);
    expect(disagree).toBe(0);
    expect(notTheSharedHash).toBe(0);
  });

  it('subset property: what a lower rate keeps, every higher rate keeps too', () => {
    const indices = Array.from({ length: 200_000 }, (_, k) => k * 5);
    const kept = [0.02, 0.05, 0.1, 0.3].map((rate) => {
      const env = testEnv();
      return run(sampler({ ...CONFIG, rate }, env), env.clock, stream, indices).decisions.map((d) => d.keep);
    });
    for (let level = 1; level < kept.length; level++) {
      const lower = kept[level - 1] as boolean[];
      const higher = kept[level] as boolean[];
      let lost = 0;
      let strictlyMore = 0;
      for (let k = 0; k < lower.length; k++) {
        if (lower[k] && !higher[k]) lost++;
        else if (!lower[k] && higher[k]) strictlyMore++;
      }
      expect(lost).toBe(0);
      expect(strictlyMore).toBeGreaterThan(0);
    }
  });
});
