import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  type ReadableLogRecord,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  consistentHash,
  createPredictionLogger,
  type LogRecordLike,
  type PredictionView,
  type SamplingDecision,
} from '@predlog/core';
import {
  deferred,
  type MemoryExporter,
  memoryExporterFactory,
  metricReaderEnv,
  seededRandom,
} from '@predlog/test-kit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type SamplingConfigInput, samplingProcessorFactory } from '../src/index.ts';
import { PLAIN, predictionRecord, sampler, testEnv } from './support/sampler.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Nothing is kept by the draw or the bucket minimum: only the rule under test can keep a record. */
const RULES_ONLY: SamplingConfigInput = { rate: 0, minPerBucket: 0 };

function decision(config: SamplingConfigInput, view: PredictionView): SamplingDecision {
  return sampler(config).decide({ requestId: 'r1', modelName: 'fraud', modelVersion: '1', ...view });
}

describe('anomaly-always rules, each named in the reason (weight 1)', () => {
  const cases: Array<[string, SamplingConfigInput, PredictionView, string]> = [
    ['force flag', {}, { force: true, score: 0.5 }, 'force'],
    ['error', {}, { isError: true, score: 0.5 }, 'error'],
    ['score above scoreAbove', { alwaysKeep: { scoreAbove: 0.95 } }, { score: 0.951 }, 'score_high'],
    ['score below scoreBelow', { alwaysKeep: { scoreBelow: 0.05 } }, { score: 0.049 }, 'score_low'],
    ['near the threshold', {}, { score: 0.505, threshold: 0.5 }, 'near_threshold'],
    [
      'latency above the bound',
      { alwaysKeep: { latencyAboveMs: 200 } },
      { score: 0.5, latencyMs: 201 },
      'latency',
    ],
    [
      'key feature null',
      { alwaysKeep: { features: { amount: { min: 0, max: 1000 } } } },
      { score: 0.5, features: { amount: null } },
      'feature_null',
    ],
    [
      'key feature missing',
      { alwaysKeep: { features: { country: {} } } },
      { score: 0.5, features: { amount: 3 } },
      'feature_null',
    ],
    [
      'key feature not finite',
      { alwaysKeep: { features: { amount: {} } } },
      { score: 0.5, features: { amount: Number.NaN } },
      'feature_null',
    ],
    [
      'key feature above its range',
      { alwaysKeep: { features: { amount: { min: 0, max: 1000 } } } },
      { score: 0.5, features: { amount: 1000.5 } },
      'feature_out_of_range',
    ],
    [
      'key feature below its range',
      { alwaysKeep: { features: { amount: { min: 0 } } } },
      { score: 0.5, features: { amount: -1 } },
      'feature_out_of_range',
    ],
    [
      'key feature of the wrong type where a range is set',
      { alwaysKeep: { features: { amount: { max: 10 } } } },
      { score: 0.5, features: { amount: '5' } },
      'feature_out_of_range',
    ],
    [
      'model version deployed an hour ago',
      {},
      { score: 0.5, modelDeployedAt: 1_000_000 - HOUR_MS },
      'new_version',
    ],
  ];
  for (const [name, config, view, reason] of cases) {
    it(`${name} → ${reason}`, () => {
      const base: SamplingConfigInput = {
        ...RULES_ONLY,
        ...config,
        newVersion: reason === 'new_version' ? {} : { windowMs: 0 },
      };
      expect(decision(base, view)).toEqual({ keep: true, weight: 1, reason });
    });
  }

  it('records that match no rule are dropped at rate 0 (the bounds are strict)', () => {
    const config: SamplingConfigInput = {
      ...RULES_ONLY,
      newVersion: { windowMs: 0 },
      alwaysKeep: {
        scoreAbove: 0.95,
        scoreBelow: 0.05,
        latencyAboveMs: 200,
        features: { amount: { min: 0, max: 1000 }, country: {} },
      },
    };
    for (const view of [
      { score: 0.95 },
      { score: 0.05 },
      { score: 0.52, threshold: 0.5 },
      { score: 0.5, latencyMs: 200 },
      { score: 0.5, features: { amount: 1000, country: 'NL' } },
      { score: 0.5 }, // no features map at all: the feature rule has nothing to judge
    ])
      expect(decision(config, view)).toEqual({ keep: false, weight: 0, reason: 'sampled_out' });
  });

  it('each rule can be turned off', () => {
    const off: SamplingConfigInput = {
      ...RULES_ONLY,
      ...PLAIN,
      alwaysKeep: { ...PLAIN.alwaysKeep, latencyAboveMs: null },
    };
    for (const view of [
      { force: true },
      { isError: true },
      { score: 0.99 },
      { score: 0.01 },
      { score: 0.5, threshold: 0.5 },
      { latencyMs: 1e9 },
    ])
      expect(decision(off, view).keep).toBe(false);
  });

  it('the first matching rule names the record: force, error, score, threshold, latency, features, version', () => {
    const config: SamplingConfigInput = {
      ...RULES_ONLY,
      alwaysKeep: { scoreAbove: 0.95, latencyAboveMs: 1, features: { amount: {} } },
    };
    const all = { score: 0.99, threshold: 0.985, latencyMs: 5, features: {}, isError: true, force: true };
    expect(decision(config, all).reason).toBe('force');
    expect(decision(config, { ...all, force: false }).reason).toBe('error');
    expect(decision(config, { ...all, force: false, isError: false }).reason).toBe('score_high');
    expect(
      decision(config, { ...all, force: false, isError: false, score: 0.5, threshold: 0.501 }).reason,
    ).toBe('near_threshold');
    expect(decision(config, { features: {}, latencyMs: 5 }).reason).toBe('latency');
    expect(decision(config, { features: {} }).reason).toBe('feature_null');
    expect(decision(config, { features: { amount: 1 }, modelDeployedAt: 1_000_000 }).reason).toBe(
      'new_version',
    );
  });

  it('a key feature that cannot be read skips the rule, is counted and reported once, never thrown', () => {
    const env = testEnv();
    const p = sampler(
      { ...RULES_ONLY, newVersion: { windowMs: 0 }, alwaysKeep: { features: { amount: {} } } },
      env,
    );
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('no');
        },
      },
    );
    expect(p.decide({ score: 0.5, features: hostile })).toEqual({
      keep: false,
      weight: 0,
      reason: 'sampled_out',
    });
    p.decide({ score: 0.5, features: hostile });
    expect(p.stats().errors.featureRead).toBe(2);
    expect(env.events.filter((e) => e.code.startsWith('sampling.feature_read_failed'))).toHaveLength(1);
  });
});

describe('new model versions: by deployment time, never by process start', () => {
  const DEPLOYED = Date.parse('2026-03-01T08:00:00.000Z');
  /** A clock whose wall time is `hoursAfterDeploy` past DEPLOYED: the process starts then. */
  const envAt = (hoursAfterDeploy: number) =>
    metricReaderEnv({
      id: 'sampling/test',
      meterScope: '@predlog/processor-sampling',
      clock: { startMs: DEPLOYED + hoursAfterDeploy * HOUR_MS },
    });

  /** Through process(), which reads the clock per batch, so each call sees the exact fake time. */
  function reasonAt(p: ReturnType<typeof sampler>, deployedAt?: string | number): string {
    const record = predictionRecord({
      'ml.request.id': 'r',
      'ml.prediction.score': 0.5,
      ...(deployedAt === undefined ? {} : { 'ml.model.deployed_at': deployedAt }),
    });
    const kept = p.process([record]);
    return kept.length === 0 ? 'dropped' : String(kept[0]?.attributes['ml.sampling.reason']);
  }

  it('keeps every record of a version until windowMs after its deployment', () => {
    const env = envAt(2);
    const p = sampler(RULES_ONLY, env);
    const iso = new Date(DEPLOYED).toISOString();
    expect(reasonAt(p, iso)).toBe('new_version');
    env.clock.advance(21 * HOUR_MS); // 23 h after the deploy
    expect(reasonAt(p, iso)).toBe('new_version');
    env.clock.advance(HOUR_MS + 1); // just past 24 h
    expect(reasonAt(p, iso)).toBe('dropped');
  });

  it('a restart is not a deploy: a process started later counts from the deployment, not from its start', () => {
    expect(reasonAt(sampler(RULES_ONLY, envAt(48)), DEPLOYED)).toBe('dropped');
    const env = envAt(20);
    const p = sampler(RULES_ONLY, env);
    expect(reasonAt(p, DEPLOYED)).toBe('new_version');
    env.clock.advance(4 * HOUR_MS + 1); // 4 h after this start, 24 h after the deploy
    expect(reasonAt(p, DEPLOYED)).toBe('dropped');
  });

  it('without a deployment time the rule does not fire, however fresh the process', () => {
    const p = sampler(RULES_ONLY, envAt(0));
    expect(reasonAt(p)).toBe('dropped');
    expect(p.decide({ requestId: 'r', modelName: 'fraud', modelVersion: 'brand-new', score: 0.5 }).keep).toBe(
      false,
    );
  });

  it('reads model.deployedAt as a Date, epoch ms or ISO string; each version by its own time', () => {
    const p = sampler(RULES_ONLY, envAt(30));
    const view = (modelVersion: string, modelDeployedAt: Date | number | string) => ({
      requestId: 'r',
      modelName: 'fraud',
      modelVersion,
      modelDeployedAt,
      score: 0.5,
    });
    const recent = DEPLOYED + 10 * HOUR_MS; // 20 h ago
    // Champion (deployed 30 h ago) and challenger (20 h ago) alternate in one model's traffic.
    for (let i = 0; i < 3; i++) {
      expect(p.decide(view('1', new Date(DEPLOYED))).keep).toBe(false);
      expect(p.decide(view('2', new Date(recent)))).toEqual({ keep: true, weight: 1, reason: 'new_version' });
      expect(p.decide(view('1', DEPLOYED)).keep).toBe(false);
      expect(p.decide(view('2', recent)).reason).toBe('new_version');
      expect(p.decide(view('2', new Date(recent).toISOString())).reason).toBe('new_version');
    }
  });

  it('a deployment time in the future (clock skew) counts as now: new for windowMs, not longer', () => {
    const env = envAt(0);
    const p = sampler(RULES_ONLY, env);
    const ahead = DEPLOYED + 5 * HOUR_MS;
    expect(reasonAt(p, ahead)).toBe('new_version');
    env.clock.advance(24 * HOUR_MS + 1);
    expect(reasonAt(p, ahead)).toBe('dropped');
  });

  it('an unreadable deployment time skips the rule, is reported once and counted per record', async () => {
    const env = envAt(1);
    const p = sampler(RULES_ONLY, env);
    for (const bad of ['yesterday', Number.NaN, new Date('nope'), Number.POSITIVE_INFINITY])
      expect(
        p.decide({ requestId: 'r', modelName: 'fraud', modelDeployedAt: bad as Date, score: 0.5 }).keep,
      ).toBe(false);
    expect(reasonAt(p, 'soon')).toBe('dropped');
    expect(reasonAt(p, 'soon')).toBe('dropped');
    expect(p.stats().errors.deployedAt).toBe(6);
    expect(env.events.filter((e) => e.code.startsWith('sampling.deployed_at_invalid'))).toHaveLength(1);
    const metrics = await env.readMetrics();
    expect(metrics.get('predlog.sampling.errors')).toEqual([
      { attributes: { 'predlog.component.id': 'sampling/test', kind: 'deployed_at' }, value: 6 },
    ]);
    // A readable one afterwards works again.
    expect(reasonAt(p, DEPLOYED)).toBe('new_version');
  });

  it('a new-version rate below 1 raises the draw for that version, with weight 1/rate', () => {
    const p = sampler({ ...RULES_ONLY, minPerBucket: 0, newVersion: { rate: 0.5 } }, envAt(1));
    let kept = 0;
    for (let i = 0; i < 4000; i++) {
      const id = `id-${i}`;
      const d = p.decide({
        requestId: id,
        modelName: 'fraud',
        modelVersion: '9',
        modelDeployedAt: DEPLOYED,
        score: 0.5,
      });
      expect(d.keep).toBe(consistentHash(id, 0) < 0.5);
      if (d.keep) {
        kept++;
        expect(d).toEqual({ keep: true, weight: 2, reason: 'new_version' });
      }
    }
    expect(kept).toBeGreaterThan(1800);
  });
});

describe('score tails: the rare extremes of each model’s own distribution', () => {
  /** Model `a` scores uniformly on [0, 1]; model `b` only near 0 (0.01·u). */
  function warmed(config: SamplingConfigInput = {}) {
    const p = sampler({ ...RULES_ONLY, newVersion: { windowMs: 0 }, ...config });
    const random = seededRandom(21);
    for (let i = 0; i < 20_000; i++) {
      p.decide({ requestId: `a${i}`, modelName: 'a', score: random() });
      p.decide({ requestId: `b${i}`, modelName: 'b', score: 0.01 * random() });
    }
    return p;
  }

  it('keeps, with weight 1, what is beyond this model’s own p0.25 / p99.75, and nothing else', () => {
    const p = warmed();
    const cuts = Object.fromEntries(p.stats().models.map((m) => [m.model, m.scoreCuts]));
    expect(cuts.a?.low).toBeCloseTo(0.0025, 3);
    expect(cuts.a?.high).toBeCloseTo(0.9975, 3);
    // b's p0.25 is 2.5e-5: about 50 of its recent scores lie below it, so ±30% is 2 standard errors.
    expect((cuts.b?.low ?? 0) / 0.000025).toBeGreaterThan(0.7);
    expect((cuts.b?.low ?? 0) / 0.000025).toBeLessThan(1.3);
    expect(cuts.b?.high).toBeCloseTo(0.009975, 4);
    const d = (modelName: string, score: number) => p.decide({ requestId: 'x', modelName, score });
    // 0.001 is a rare low score for `a`, an ordinary one for `b`; 0.5 is ordinary for `a` only.
    expect(d('a', 0.001)).toEqual({ keep: true, weight: 1, reason: 'score_low' });
    expect(d('b', 0.001).keep).toBe(false);
    expect(d('a', 0.5).keep).toBe(false);
    expect(d('b', 0.5)).toEqual({ keep: true, weight: 1, reason: 'score_high' });
    const kept = p.stats().models.find((m) => m.model === 'a')?.kept;
    // About 0.25% at each end of 20,000 records, after the 4,000-score warm-up.
    for (const n of [kept?.score_low ?? 0, kept?.score_high ?? 0]) {
      expect(n).toBeGreaterThan(25);
      expect(n).toBeLessThan(65);
    }
  });

  it('waits for warmupScores scores, and scoreTail: null turns it off', () => {
    const early = sampler({ ...RULES_ONLY, scoreDistribution: { warmupScores: 5000 } });
    const random = seededRandom(22);
    let kept = 0;
    for (let i = 0; i < 4000; i++) if (early.decide({ modelName: 'a', score: random() }).keep) kept++;
    expect(kept).toBe(0);
    const off = warmed({ alwaysKeep: { scoreTail: null } });
    expect(off.stats().models.map((m) => m.scoreCuts)).toEqual([
      { low: null, high: null },
      { low: null, high: null },
    ]);
    expect(off.decide({ modelName: 'a', score: 1e-9 }).keep).toBe(false);
  });

  it('combines with fixed bounds: a score is kept past either (and a bound that is not rare is capped)', () => {
    const uncapped = warmed({ alwaysKeep: { scoreAbove: 0.9, maxShare: 1 } });
    expect(uncapped.stats().models.find((m) => m.model === 'a')?.scoreCuts.high).toBe(0.9);
    expect(uncapped.decide({ modelName: 'a', score: 0.95 })).toEqual({
      keep: true,
      weight: 1,
      reason: 'score_high',
    });
    // 10% of a's scores are above 0.9: with the default cap they are drawn at 0.005 / 0.1.
    const capped = warmed({ alwaysKeep: { scoreAbove: 0.9 } });
    expect(capped.stats().models.find((m) => m.model === 'a')?.cappedRules.score_high).toBeCloseTo(0.05, 2);
  });
});

describe('caps: an always-keep rule that is not rare is drawn, with honest weights', () => {
  /** `n` records at 1M/day; each an error with probability `errorShare`, scores uniform. */
  function errors(config: SamplingConfigInput, n: number, errorShare: number) {
    const env = testEnv();
    const p = sampler({ rate: 0.1, newVersion: { windowMs: 0 }, ...config }, env);
    const random = seededRandom(31);
    const out = {
      errors: 0,
      keptErrors: 0,
      weightedErrors: 0,
      kept: 0,
      weighted: 0,
      decisions: [] as string[],
    };
    for (let i = 0; i < n; i++) {
      env.clock.advance(86.4);
      const isError = random() < errorShare;
      const requestId = `c${i}`;
      const d = p.decide({ requestId, modelName: 'fraud', isError, score: isError ? undefined : random() });
      if (isError) out.errors++;
      if (!d.keep) continue;
      out.kept++;
      out.weighted += d.weight;
      if (d.reason === 'error') {
        out.keptErrors++;
        out.weightedErrors += d.weight;
        // The capped draw is the consistent one: kept exactly when the id's hash is below 1/weight.
        if (d.weight > 1) expect(consistentHash(requestId, 0)).toBeLessThan(1 / d.weight);
      }
    }
    return { ...out, stats: p.stats().models[0] };
  }

  it('errors at 2% of the traffic: about maxShare kept, weighted back to the true error count', () => {
    const r = errors({}, 200_000, 0.02);
    // 0.5% of the traffic, plus the whole warm-up and the no-score stratum's first 10 per hour.
    expect(r.keptErrors / 200_000).toBeGreaterThan(0.004);
    expect(r.keptErrors / 200_000).toBeLessThan(0.0065);
    expect(r.stats?.cappedRules.error).toBeGreaterThan(0.2);
    expect(r.stats?.cappedRules.error).toBeLessThan(0.3);
    // Horvitz–Thompson at p ≈ 0.25: standard error √(n(1 − p)/p) ≈ 110 for 4,000 errors.
    expect(Math.abs(r.weightedErrors - r.errors)).toBeLessThan(4 * Math.sqrt((r.errors * 0.75) / 0.25));
    expect(Math.abs(r.weighted - 200_000)).toBeLessThan(4 * Math.sqrt((200_000 * 0.9) / 0.1));
    expect(r.kept / 200_000).toBeLessThan(0.12);
  });

  it('a rare rule is kept whole, and maxShare: 1 turns the cap off', () => {
    const rare = errors({}, 100_000, 0.002);
    expect(rare.keptErrors).toBe(rare.errors);
    expect(rare.weightedErrors).toBe(rare.errors);
    const uncapped = errors({ alwaysKeep: { maxShare: 1 } }, 100_000, 0.02);
    expect(uncapped.keptErrors).toBe(uncapped.errors);
    expect(uncapped.stats?.cappedRules).toEqual({});
  });

  it('a fixed scoreBelow: 0.05 on an imbalanced model keeps about the rate of it, weight 1/rate', () => {
    const env = testEnv();
    const p = sampler({ rate: 0.1, alwaysKeep: { scoreBelow: 0.05, scoreTail: null } }, env);
    const random = seededRandom(32);
    let below = 0;
    let keptBelow = 0;
    let weightedBelow = 0;
    let kept = 0;
    let keptAfterWarmup = 0;
    const n = 100_000;
    // The first 2,048 records of a model are not capped (its shares are not known yet).
    const warmup = 2048;
    for (let i = 0; i < n; i++) {
      env.clock.advance(86.4);
      const score = random() < 0.9 ? 0.05 * random() : random();
      const d = p.decide({ requestId: `s${i}`, modelName: 'fraud', score });
      if (score < 0.05) below++;
      if (d.keep) kept++;
      if (d.keep && i >= warmup) keptAfterWarmup++;
      if (d.keep && d.reason === 'score_low') {
        keptBelow++;
        weightedBelow += d.weight;
      }
    }
    // 92% of the traffic matches: p = max(rate, 0.005 / 0.92) = the rate, once past the warm-up.
    expect(p.stats().models[0]?.cappedRules.score_low).toBeCloseTo(0.005 / 0.92, 3);
    expect(keptAfterWarmup / (n - warmup)).toBeGreaterThan(0.08);
    expect(keptAfterWarmup / (n - warmup)).toBeLessThan(0.12);
    expect(kept - keptAfterWarmup).toBeGreaterThan(0.9 * warmup);
    expect(keptBelow / below).toBeLessThan(0.13);
    expect(Math.abs(weightedBelow - below)).toBeLessThan(4 * Math.sqrt((below * 0.9) / 0.1));
  });
});

describe('stratification: the minimum per score bucket per window', () => {
  it('keeps the first minPerBucket records of each bucket in each window at weight 1, then draws', () => {
    const env = testEnv();
    const p = sampler({ ...PLAIN, rate: 0, minPerBucket: 3, bucketWindowMs: HOUR_MS }, env);
    const keptIn = (score: number, n: number) => {
      let kept = 0;
      for (let i = 0; i < n; i++) {
        const [r] = p.process([predictionRecord({ 'ml.request.id': `x${i}`, 'ml.prediction.score': score })]);
        if (r !== undefined) {
          kept++;
          expect(r.attributes).toMatchObject({
            'ml.sampling.weight': 1,
            'ml.sampling.reason': 'min_per_bucket',
          });
        }
      }
      return kept;
    };
    expect(keptIn(0.01, 10)).toBe(3);
    expect(keptIn(0.99, 10)).toBe(3);
    expect(keptIn(0.5, 2)).toBe(2);
    expect(keptIn(0.51, 2)).toBe(1); // same bucket [0.5, 0.55) as 0.5
    env.clock.advance(HOUR_MS);
    expect(keptIn(0.01, 10)).toBe(3);
  });

  it('records without a score form their own stratum', () => {
    const p = sampler({ ...PLAIN, rate: 0, minPerBucket: 2 });
    const kept = Array.from({ length: 5 }, (_, i) => p.decide({ requestId: `n${i}`, modelName: 'm' }).keep);
    expect(kept).toEqual([true, true, false, false, false]);
  });

  it('explicit edges define the strata; scores outside them fall into the end buckets', () => {
    const p = sampler({ ...PLAIN, rate: 0, minPerBucket: 1, buckets: { edges: [0, 0.5, 0.9, 1] } });
    const reasons = [0.1, 0.2, 0.6, 0.89, 0.95, 1.7, -3].map(
      (score, i) => p.decide({ requestId: `e${i}`, modelName: 'm', score }).keep,
    );
    // 0.1 opens [0,0.5), 0.6 opens [0.5,0.9), 0.95 opens [0.9,1]; 1.7 and −3 clamp into used buckets.
    expect(reasons).toEqual([true, false, true, false, true, false, false]);
  });

  it('quantile buckets learn per-model edges from the warm-up scores (regression), score bounds off', () => {
    const env = testEnv();
    const p = sampler(
      { ...PLAIN, rate: 0.1, minPerBucket: 0, buckets: { quantile: true, count: 10, warmupRecords: 2000 } },
      env,
    );
    const random = seededRandom(5);
    // Prices: log-normal around 200.
    const price = () =>
      200 * Math.exp(0.5 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
    for (let i = 0; i < 2000; i++) p.decide({ requestId: `w${i}`, modelName: 'house', score: price() });
    const [stats] = p.stats().models;
    expect(stats?.bucketEdges).toHaveLength(9);
    const edges = stats?.bucketEdges ?? [];
    expect(edges[4]).toBeGreaterThan(180); // the median of a log-normal(ln 200, 0.5) is 200
    expect(edges[4]).toBeLessThan(220);
    expect([...edges].sort((a, b) => a - b)).toEqual(edges);
    expect(env.events.map((e) => e.code)).toContain('sampling.quantile_edges_learned');
    expect(stats?.kept.score_high).toBe(0);
    expect(p.stats().models[0]?.kept.score_low).toBe(0);
  });

  it('after learning, each quantile stratum gets its minimum in the window', () => {
    const p = sampler({
      ...PLAIN,
      rate: 0,
      minPerBucket: 2,
      buckets: { quantile: true, count: 4, warmupRecords: 100 },
    });
    for (let i = 0; i < 100; i++) p.decide({ requestId: `w${i}`, modelName: 'm', score: i });
    // Edges at 25, 50, 75: four strata. The 100th warm-up score (99) already counts in the top one.
    const keptPerStratum = [10, 30, 60, 90].map(
      (score) =>
        Array.from(
          { length: 5 },
          (_, k) => p.decide({ requestId: `s${score}-${k}`, modelName: 'm', score }).keep,
        ).filter(Boolean).length,
    );
    expect(keptPerStratum).toEqual([2, 2, 2, 1]);
  });
});

describe('volume tiers (fake clock)', () => {
  /** Sends `perDay` traffic for `hours` of simulated time; returns the kept decisions. */
  function traffic(
    p: ReturnType<typeof sampler>,
    env: ReturnType<typeof testEnv>,
    perDay: number,
    hours: number,
  ) {
    const step = DAY_MS / perDay;
    const n = Math.round((hours * HOUR_MS) / step);
    const kept: SamplingDecision[] = [];
    for (let i = 0; i < n; i++) {
      env.clock.advance(step);
      const d = p.decide({ requestId: `${perDay}-${env.clock.now()}`, modelName: 'fraud', score: 0.5 });
      if (d.keep) kept.push(d);
    }
    return kept;
  }

  it('follows each model’s volume: 100% → 50% → 10% and back, each change logged once and in metrics', async () => {
    const env = testEnv();
    const p = sampler({ ...PLAIN, minPerBucket: 0 }, env);
    const tierEvents = () =>
      env.events.filter((e) => e.code === 'sampling.tier_changed').map((e) => e.message);

    const quiet = traffic(p, env, 50_000, 2);
    expect(quiet.every((d) => d.weight === 1)).toBe(true);
    expect(p.stats().models[0]?.rate).toBe(1);
    expect(tierEvents()).toEqual([]);

    const busy = traffic(p, env, 2_000_000, 2);
    expect(tierEvents()).toEqual([
      expect.stringMatching(/model "fraud" at about .* predictions\/day: rate 100% -> 50% \(tier 2 of 3\)/),
      expect.stringMatching(/rate 50% -> 10% \(tier 3 of 3\)/),
    ]);
    // Once settled, kept records carry the 10% weight.
    expect(busy.slice(-100).every((d) => d.weight === 10 && d.reason === 'sampled')).toBe(true);
    const model = p.stats().models[0];
    expect(model?.rate).toBe(0.1);
    expect(Math.abs((model?.volumePerDay ?? 0) - 2_000_000) / 2_000_000).toBeLessThan(0.02);

    const metrics = await env.readMetrics();
    expect(metrics.get('predlog.sampling.rate')).toEqual([
      { attributes: { 'predlog.component.id': 'sampling/test', 'ml.model.name': 'fraud' }, value: 0.1 },
    ]);
    expect(metrics.get('predlog.sampling.tier_changes')?.[0]?.value).toBe(2);
    expect(Number(metrics.get('predlog.sampling.volume')?.[0]?.value)).toBeGreaterThan(1_900_000);

    traffic(p, env, 50_000, 2);
    expect(tierEvents().slice(2)).toEqual([
      expect.stringMatching(/rate 10% -> 50%/),
      expect.stringMatching(/rate 50% -> 100%/),
    ]);
    expect(p.stats().models[0]?.rate).toBe(1);
  });

  it('each model has its own tier', () => {
    const env = testEnv();
    const p = sampler({ ...PLAIN, minPerBucket: 0 }, env);
    const step = DAY_MS / 2_000_000;
    for (let i = 0; i < (2 * HOUR_MS) / step; i++) {
      env.clock.advance(step);
      // 1 in 40 records is the small model: 50k/day.
      p.decide({ requestId: `r${i}`, modelName: i % 40 === 0 ? 'small' : 'big', score: 0.5 });
    }
    const rates = Object.fromEntries(p.stats().models.map((m) => [m.model, m.rate]));
    expect(rates).toEqual({ big: 0.1, small: 1 });
  });

  it('a fixed rate turns tiers off', () => {
    const env = testEnv();
    const p = sampler({ ...PLAIN, minPerBucket: 0, rate: 0.25 }, env);
    const kept = traffic(p, env, 5_000_000, 0.5);
    expect(new Set(kept.map((d) => d.weight))).toEqual(new Set([4]));
    expect(env.events.filter((e) => e.code === 'sampling.tier_changed')).toEqual([]);
  });
});

describe('rate limit per model', () => {
  const LIMIT: SamplingConfigInput = {
    ...PLAIN,
    rate: 1,
    minPerBucket: 0,
    alwaysKeep: { ...PLAIN.alwaysKeep, errors: true },
    rateLimit: { recordsPerSecond: 100, anomalyReserveFraction: 0.2 },
  };

  function flood(
    p: ReturnType<typeof sampler>,
    env: ReturnType<typeof testEnv>,
    perSecond: number,
    seconds: number,
    errorEvery: number,
  ) {
    const out = { ordinaryKept: 0, anomalyKept: 0, shed: [] as SamplingDecision[] };
    for (let i = 0; i < perSecond * seconds; i++) {
      env.clock.advance(1000 / perSecond);
      const isError = i % errorEvery === 0;
      const d = p.decide({ requestId: `f${env.clock.now()}`, modelName: 'fraud', score: 0.5, isError });
      if (!d.keep) out.shed.push(d);
      else if (isError) out.anomalyKept++;
      else out.ordinaryKept++;
    }
    return out;
  }

  it('sheds ordinary records before anomaly-always ones, and counts the shed by reason', async () => {
    const env = testEnv();
    const p = sampler(LIMIT, env);
    // 1,000 records/s for 10 s, 1 in 20 an error (50/s), against 100 records/s.
    const r = flood(p, env, 1000, 10, 20);
    expect(r.anomalyKept).toBe(500);
    expect(r.ordinaryKept).toBeGreaterThan(400);
    expect(r.ordinaryKept + r.anomalyKept).toBeLessThanOrEqual(100 * 10 + 100);
    expect(new Set(r.shed.map((d) => JSON.stringify(d)))).toEqual(
      new Set([JSON.stringify({ keep: false, weight: 0, reason: 'rate_limited' })]),
    );
    const model = p.stats().models[0];
    expect(model?.rateLimited.error).toBe(0);
    expect(model?.rateLimited.sampled).toBe(r.shed.length);
    // The ledger: every record is kept, sampled out or rate limited.
    expect((model?.keptTotal ?? 0) + (model?.sampledOut ?? 0) + (model?.rateLimitedTotal ?? 0)).toBe(10_000);

    const metrics = await env.readMetrics();
    expect(metrics.get('predlog.sampling.rate_limited')).toEqual([
      {
        attributes: { 'predlog.component.id': 'sampling/test', 'ml.model.name': 'fraud', reason: 'sampled' },
        value: r.shed.length,
      },
    ]);
    expect(metrics.get('predlog.sampling.decisions')).toEqual(
      expect.arrayContaining([
        {
          attributes: expect.objectContaining({ decision: 'dropped', reason: 'rate_limited' }),
          value: r.shed.length,
        },
        { attributes: expect.objectContaining({ decision: 'kept', reason: 'error' }), value: 500 },
      ]),
    );
  });

  it('sheds anomalies too once they alone exceed the limit, counted under their own reason', () => {
    const env = testEnv();
    const p = sampler(LIMIT, env);
    const r = flood(p, env, 300, 5, 1); // 300 errors/s against 100/s
    expect(r.anomalyKept).toBeLessThanOrEqual(100 * 5 + 100);
    expect(r.anomalyKept).toBeGreaterThanOrEqual(100 * 5);
    expect(p.stats().models[0]?.rateLimited.error).toBe(1500 - r.anomalyKept);
  });

  it('limits each model separately', () => {
    const env = testEnv();
    const p = sampler(LIMIT, env);
    let keptA = 0;
    let keptB = 0;
    for (let i = 0; i < 2000; i++) {
      env.clock.advance(1);
      if (p.decide({ requestId: `a${i}`, modelName: 'a', score: 0.5 }).keep) keptA++;
      if (p.decide({ requestId: `b${i}`, modelName: 'b', score: 0.5 }).keep) keptB++;
    }
    // 2 s at 100/s plus the 100-record burst, less the 20-token reserve ordinary records cannot use.
    for (const kept of [keptA, keptB]) {
      expect(kept).toBeGreaterThanOrEqual(260);
      expect(kept).toBeLessThanOrEqual(300);
    }
  });
});

describe('the OTel path: process() on log records', () => {
  it('makes the same decision as decide() from the record’s attributes and body', () => {
    const config: SamplingConfigInput = {
      rate: 0.2,
      minPerBucket: 2,
      alwaysKeep: { latencyAboveMs: 900, features: { amount: { max: 5000 } } },
    };
    const viaHead = sampler(config);
    const viaOtel = sampler(config);
    const random = seededRandom(11);
    // Enough records for the tails to warm up (4,000 scores) and the rule shares to be estimated.
    for (let i = 0; i < 12_000; i++) {
      const score = random() ** 2;
      const view = {
        requestId: `o${i}`,
        modelName: i % 3 === 0 ? 'churn' : 'fraud',
        modelVersion: '1',
        modelDeployedAt: i % 3 === 0 ? 1_000_000 - HOUR_MS : 1_000_000 - 3 * DAY_MS,
        score,
        threshold: 0.5,
        latencyMs: random() * 1000,
        isError: random() < 0.01,
        features: { amount: random() * 6000 },
        force: random() < 0.01,
      };
      const head = viaHead.decide(view);
      const record = predictionRecord(
        {
          'ml.request.id': view.requestId,
          'ml.model.name': view.modelName,
          'ml.model.deployed_at': view.modelDeployedAt,
          'ml.prediction.score': score,
          'ml.prediction.threshold': 0.5,
          'ml.inference.duration_ms': view.latencyMs,
          'ml.prediction.status': view.isError ? 'error' : 'ok',
          'ml.sampling.force': view.force,
        },
        { input_features: view.features },
      );
      const out = viaOtel.process([record]);
      expect(out.length === 1).toBe(head.keep);
      if (head.keep) {
        expect(out[0]?.attributes['ml.sampling.weight']).toBe(head.weight);
        expect(out[0]?.attributes['ml.sampling.reason']).toBe(head.reason);
      }
    }
    expect(viaOtel.stats()).toEqual(viaHead.stats());
    const reasons = Object.fromEntries(viaHead.stats().models.map((m) => [m.model, m.kept]));
    expect(reasons.churn?.new_version).toBeGreaterThan(0);
    expect(reasons.fraud?.new_version).toBe(0);
    expect((reasons.fraud?.score_low ?? 0) + (reasons.fraud?.score_high ?? 0)).toBeGreaterThan(0);
  });

  it('compacts the batch in place, passes other events untouched, keeps unreadable records marked', () => {
    const env = testEnv();
    const p = sampler({ ...RULES_ONLY, newVersion: { windowMs: 0 } }, env);
    const feedback = predictionRecord({ 'ml.request.id': 'fb' });
    feedback.eventName = 'ml.feedback';
    const dropped = predictionRecord({ 'ml.request.id': 'd', 'ml.prediction.score': 0.5 });
    const error = predictionRecord({ 'ml.request.id': 'e', 'ml.prediction.status': 'error' });
    const unreadable = predictionRecord({});
    Object.defineProperty(unreadable, 'body', {
      get() {
        throw new Error('gone');
      },
    });
    const batch: LogRecordLike[] = [feedback, dropped, error, unreadable];
    const out = p.process(batch);
    expect(out).toBe(batch);
    expect(out.length).toBe(3);
    expect([out[0] === feedback, out[1] === error, out[2] === unreadable]).toEqual([true, true, true]);
    expect(unreadable.attributes['ml.sampling.reason']).toBe('sampler_error');
    expect(feedback.attributes['ml.sampling.weight']).toBeUndefined();
    expect(error.attributes).toMatchObject({ 'ml.sampling.weight': 1, 'ml.sampling.reason': 'error' });
    expect(p.stats().errors.recordRead).toBe(1);
    expect(env.events.some((e) => e.code.startsWith('sampling.record_unreadable'))).toBe(true);
  });

  it('works inside a plain OTel LoggerProvider through pipeTo()', async () => {
    // SimpleLogRecordProcessor does not await its own exports in forceFlush(): the exporter says
    // when the last record emitted (the non-prediction event) has reached it.
    const { promise: allExported, resolve: lastExported } = deferred();
    const exporter = new (class extends InMemoryLogRecordExporter {
      override export(
        logs: ReadableLogRecord[],
        resultCallback: Parameters<InMemoryLogRecordExporter['export']>[1],
      ): void {
        super.export(logs, resultCallback);
        if (logs.some((l) => l.eventName === 'app.started')) lastExported();
      }
    })();
    const p = sampler({
      ...RULES_ONLY,
      newVersion: { windowMs: 0 },
      alwaysKeep: { scoreAbove: 0.95, scoreBelow: 0.05 },
    });
    const provider = new LoggerProvider({
      processors: [p.pipeTo(new SimpleLogRecordProcessor({ exporter }))],
    });
    const logger = provider.getLogger('app');
    for (let i = 0; i < 100; i++) {
      logger.emit({
        eventName: 'ml.prediction',
        attributes: {
          'ml.request.id': `p${i}`,
          'ml.model.name': 'fraud',
          'ml.prediction.score': i / 100,
          ...(i === 42 ? { 'ml.sampling.force': true } : {}),
        },
        body: { input_features: { amount: i } },
      });
    }
    logger.emit({ eventName: 'app.started', body: 'hello' });
    await provider.forceFlush();
    await allExported;
    const logs = exporter.getFinishedLogRecords();
    // score < 0.05 (0..4), > 0.95 (96..99), the forced one, and the non-prediction event.
    expect(logs.map((l) => l.attributes['ml.request.id'] ?? l.eventName)).toEqual([
      'p0',
      'p1',
      'p2',
      'p3',
      'p4',
      'p42',
      'p96',
      'p97',
      'p98',
      'p99',
      'app.started',
    ]);
    expect(logs[5]?.attributes).toMatchObject({ 'ml.sampling.weight': 1, 'ml.sampling.reason': 'force' });
    expect(logs[0]?.attributes['ml.sampling.reason']).toBe('score_low');
    await provider.shutdown();
  });
});

describe('as the PredictionLogger’s head sampler (built from config)', () => {
  it('decides before capture, writes weight and reason, and counts rate-limited records as sampled out', async () => {
    const exporters: MemoryExporter[] = [];
    const env = testEnv();
    const logger = await createPredictionLogger({
      config: {
        processors: {
          'sampling/default': {
            rate: 0.1,
            minPerBucket: 0,
            newVersion: { windowMs: 0 },
            // The fake clock stands still: no refill, so 50 tokens, 10 of them reserved for anomalies.
            rateLimit: { recordsPerSecond: 1000, burstRecords: 50, anomalyReserveFraction: 0.2 },
          },
        },
        exporters: { memory: { queue: { maxBatchAgeMs: 5 } } },
        pipelines: { predictions: { processors: ['sampling/default'], exporters: ['memory'] } },
      },
      components: [samplingProcessorFactory, memoryExporterFactory(exporters)],
      model: { name: 'fraud', version: '1' },
      diagnostics: env.services.diagnostics,
      clock: env.clock,
      env: {},
    });
    const ids: Array<string | undefined> = [];
    for (let i = 0; i < 2000; i++)
      ids.push(
        logger.record({ requestId: `h${i}`, prediction: 'legit', score: 0.3, latencyMs: 2, force: i === 7 }),
      );
    await logger.forceFlush();
    const records = exporters[0]?.records ?? [];
    const stats = logger.stats();
    expect(records.length).toBe(40);
    // Drawn out and rate limited alike are "sampled out" in the ledger, and never reached capture.
    expect(stats.received).toBe(2000);
    expect(stats.sampledOut).toBe(1960);
    expect(ids.filter((id) => id === undefined)).toHaveLength(1960);
    expect(stats.exported.memory).toBe(40);
    const reasons = records.map((r) => r.attributes['ml.sampling.reason']);
    expect(reasons.filter((r) => r === 'force')).toHaveLength(1);
    expect(reasons.filter((r) => r === 'sampled')).toHaveLength(39);
    for (const r of records)
      expect(r.attributes['ml.sampling.weight']).toBe(
        r.attributes['ml.sampling.reason'] === 'sampled' ? 10 : 1,
      );
    await logger.shutdown();
  });
});

describe('model.deployedAt through the PredictionLogger', () => {
  async function loggerDeployed(deployedAt: Date | undefined, env: ReturnType<typeof testEnv>) {
    const exporters: MemoryExporter[] = [];
    const logger = await createPredictionLogger({
      config: {
        processors: { 'sampling/default': { rate: 0.1, minPerBucket: 0 } },
        exporters: { memory: { queue: { maxBatchAgeMs: 5 } } },
        pipelines: { predictions: { processors: ['sampling/default'], exporters: ['memory'] } },
      },
      components: [samplingProcessorFactory, memoryExporterFactory(exporters)],
      model: { name: 'fraud', version: '2', ...(deployedAt === undefined ? {} : { deployedAt }) },
      diagnostics: env.services.diagnostics,
      clock: env.clock,
      env: {},
    });
    for (let i = 0; i < 500; i++) logger.record({ requestId: `d${i}`, prediction: 'legit', score: 0.3 });
    await logger.forceFlush();
    await logger.shutdown();
    return (exporters[0]?.records ?? []).map((r) => r.attributes['ml.sampling.reason']);
  }

  it('a version deployed an hour ago is kept whole; one deployed three days ago, or with no time, is sampled', async () => {
    const env = testEnv();
    const now = env.clock.now();
    const recent = await loggerDeployed(new Date(now - HOUR_MS), env);
    expect(recent).toHaveLength(500);
    expect(new Set(recent)).toEqual(new Set(['new_version']));
    for (const deployedAt of [new Date(now - 3 * DAY_MS), undefined]) {
      const reasons = await loggerDeployed(deployedAt, testEnv());
      expect(reasons.length).toBeGreaterThan(25);
      expect(reasons.length).toBeLessThan(80);
      expect(new Set(reasons)).toEqual(new Set(['sampled']));
    }
  });
});

describe('decide() never throws and allocates nothing in the common case', () => {
  it('returns a well-formed decision for arbitrary (even hostile) views', () => {
    const p = sampler({
      alwaysKeep: { features: { amount: { min: 0, max: 1 } } },
      rateLimit: { recordsPerSecond: 5 },
    });
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
      },
    );
    fc.assert(
      fc.property(
        fc.record(
          {
            requestId: fc.oneof(fc.string(), fc.anything()),
            modelName: fc.oneof(fc.constantFrom('a', 'b'), fc.anything()),
            modelVersion: fc.anything(),
            score: fc.oneof(fc.double(), fc.anything()),
            threshold: fc.anything(),
            latencyMs: fc.anything(),
            isError: fc.anything(),
            features: fc.oneof(fc.anything(), fc.constant(hostile)),
            force: fc.anything(),
          },
          { requiredKeys: [] },
        ),
        (view) => {
          const d = p.decide(view as PredictionView);
          expect(typeof d.keep).toBe('boolean');
          expect(Number.isFinite(d.weight)).toBe(true);
          expect(typeof d.reason).toBe('string');
        },
      ),
      { numRuns: 2000, seed: 42 },
    );
    const throwing = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
      },
    );
    expect(p.decide(throwing as PredictionView)).toEqual({ keep: true, weight: 1, reason: 'sampler_error' });
    expect(p.stats().errors.internal).toBe(1);
  });

  it('hands out cached decision objects: the same object for every drop, and per rate for every keep', () => {
    const p = sampler({ ...PLAIN, rate: 0.5, minPerBucket: 0 });
    const dropped = new Set<SamplingDecision>();
    const kept = new Set<SamplingDecision>();
    for (let i = 0; i < 1000; i++) {
      const d = p.decide({ requestId: `c${i}`, modelName: 'fraud', score: 0.5 });
      (d.keep ? kept : dropped).add(d);
    }
    expect(dropped.size).toBe(1);
    expect(kept.size).toBe(1);
    expect(Object.isFrozen([...kept][0])).toBe(true);
  });

  it('records without a request id are drawn at random, at the same rate and weight', () => {
    const p = sampler({ ...PLAIN, rate: 0.1, minPerBucket: 0 });
    let kept = 0;
    for (let i = 0; i < 20_000; i++) {
      const d = p.decide({ modelName: 'fraud', score: 0.5 });
      if (d.keep) {
        kept++;
        expect(d.weight).toBe(10);
      }
    }
    // 2,000 expected; 4 standard errors is about 170.
    expect(Math.abs(kept - 2000)).toBeLessThan(170);
  });

  it('caps the number of model states; the rest share _other', () => {
    const env = testEnv();
    const p = sampler({ ...PLAIN, maxModels: 2 }, env);
    for (const model of ['a', 'b', 'c', 'd', undefined])
      p.decide({ requestId: 'x', modelName: model, score: 0.5 });
    expect(p.stats().models.map((m) => [m.model, m.received])).toEqual([
      ['a', 1],
      ['b', 1],
      ['_other', 3],
    ]);
    expect(env.events.filter((e) => e.code.startsWith('sampling.too_many_models'))).toHaveLength(1);
  });
});
