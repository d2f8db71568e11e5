import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyticsConfigSchema, shadowReport } from '../src/index.ts';
import { type Row, removeDir, tempDir, writePartitions } from './support/partition-files.ts';

let root: string;

function record(
  id: string,
  role: string | undefined,
  score: number,
  prediction: string,
  extra: Row = {},
): Row {
  return {
    event: 'ml.prediction',
    timestamp: '2026-03-01T12:00:00.000Z',
    request_id: id,
    prediction_id: `${id}-${role}`,
    model_name: 'fraud',
    model_version: role === 'challenger' ? '2' : '1',
    ...(role === undefined ? {} : { model_role: role }),
    input_features: {},
    prediction,
    score,
    threshold: 0.5,
    latency_ms: role === 'challenger' ? 20 : 10,
    serving_node: 'n',
    ...extra,
  };
}

beforeAll(async () => {
  root = await tempDir('shadow');
  await writePartitions(path.join(root, 'same'), [
    record('r1', 'champion', 0.1, 'legit'),
    record('r1', 'challenger', 0.2, 'legit'),
    // r2's champion was kept with weight 3: the pair stands for 3 requests.
    record('r2', undefined, 0.2, 'legit', { sampling_weight: 3 }),
    record('r2', 'challenger', 0.4, 'fraud', { sampling_weight: 3 }),
    record('r3', 'champion', 0.3, 'fraud'),
    record('r3', 'challenger', 0.6, 'fraud'),
    record('r4', 'champion', 0.4, 'fraud'),
    record('r4', 'challenger', 0.8, 'fraud'),
    record('r5', 'champion', 0.5, 'fraud'),
    record('r6', 'challenger', 0.5, 'fraud'),
    record('r7', 'canary', 0.5, 'fraud'),
  ]);
  // 300 pairs with the challenger under its own model name, written after the champions.
  const champions: Row[] = [];
  const challengers: Row[] = [];
  for (let i = 0; i < 300; i++) {
    champions.push(record(`m${i}`, 'champion', (i % 100) / 100, i % 2 === 0 ? 'fraud' : 'legit'));
    challengers.push({
      ...record(`m${i}`, 'challenger', ((i + 7) % 100) / 100, i % 3 === 0 ? 'fraud' : 'legit'),
      model_name: 'fraud-v2',
    });
  }
  await writePartitions(path.join(root, 'split'), [...champions, ...challengers]);
});

afterAll(async () => {
  await removeDir(root);
});

describe('shadowReport', () => {
  it('pairs champion and challenger by request id: hand-computed agreement, correlation, latency', async () => {
    const report = await shadowReport({
      selection: { directory: path.join(root, 'same') },
      config: analyticsConfigSchema.parse({}),
    });
    expect(report.pairs).toEqual({ count: 4, weight: 6 });
    expect(report.unpaired).toEqual({ champion: 1, challenger: 1 });
    // Same prediction for r1, r3, r4 (weights 1 + 1 + 1), not r2 (weight 3): 3/6.
    expect(report.agreementRate).toBe(0.5);
    // Decisions at 0.5: champion 0, 0, 0, 0; challenger 0, 0, 1, 1: agree on r1, r2: (1 + 3)/6.
    expect(report.decisionAgreementRate).toBeCloseTo(4 / 6, 12);
    // Challenger score = 2 × champion score: r = 1.
    expect(report.scoreCorrelation).toBeCloseTo(1, 12);
    // |Δscore| 0.1, 0.2, 0.3, 0.4 weighted 1, 3, 1, 1: (0.1 + 0.6 + 0.3 + 0.4)/6 = 0.2333….
    expect(report.meanAbsScoreDifference).toBeCloseTo(1.4 / 6, 12);
    // Champion scores {0.1, 0.2×3, 0.3, 0.4} against {0.2, 0.4×3, 0.6, 0.8}: at 0.2 the gaps are
    // 4/6 − 1/6 = 0.5; at 0.3 5/6 − 1/6; at 0.4 1 − 4/6 = 1/3: D = 4/6.
    expect(report.scoreKs?.statistic).toBeCloseTo(4 / 6, 12);
    expect(report.latencyMs.champion).toMatchObject({ p50: 10, p99: 10, mean: 10 });
    expect(report.latencyMs.challenger).toMatchObject({ p50: 20, p99: 20, mean: 20 });
    expect(report.latencyMs.p99Ratio).toBe(2);
    expect(report.versions).toEqual({ champion: ['1'], challenger: ['2'] });
  });

  it('pairs across model names, in memory or spilled to disk, with the same result', async () => {
    const run = (shadow: Record<string, unknown>) =>
      shadowReport({
        selection: { directory: path.join(root, 'split'), model: 'fraud' },
        challengerModel: 'fraud-v2',
        config: analyticsConfigSchema.parse({ shadow, join: { spillPartitions: 4 } }),
      });
    const memory = await run({});
    const spilled = await run({ maxWaitingInMemory: 16 });
    expect(memory.spill).toBeNull();
    expect(spilled.spill).not.toBeNull();
    expect(memory.pairs).toEqual({ count: 300, weight: 300 });
    // Agreement: i even ↔ fraud against i % 3 = 0 ↔ fraud: agree when both or neither hold.
    let agree = 0;
    for (let i = 0; i < 300; i++) if ((i % 2 === 0) === (i % 3 === 0)) agree++;
    expect(memory.agreementRate).toBeCloseTo(agree / 300, 12);
    for (const key of ['pairs', 'unpaired', 'agreementRate', 'decisionAgreementRate'] as const) {
      expect(spilled[key], key).toEqual(memory[key]);
    }
    // Pairs arrive in another order when spilled: equal up to float rounding.
    expect(spilled.scoreCorrelation).toBeCloseTo(memory.scoreCorrelation as number, 12);
    expect(spilled.meanAbsScoreDifference).toBeCloseTo(memory.meanAbsScoreDifference as number, 12);
  });
});
