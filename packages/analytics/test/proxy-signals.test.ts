import type { StoredRecord } from '@predlog/schema';
import { describe, expect, it } from 'vitest';
import { DistributionProfile } from '../src/distribution-profile.ts';
import { featureRangesFromProfile, hasFeatureAnomaly } from '../src/feature-ranges.ts';
import { proxySignalConfigSchema } from '../src/proxy-signal-config.ts';
import { DaySignalCollector, type DaySignals, scoreSignalDays } from '../src/proxy-signals.ts';
import { calibrateSignalWeights } from '../src/signal-weights.ts';
import { SeededRandom } from './support/seeded-random.ts';

const config = proxySignalConfigSchema.parse({});
const profileOptions = {
  sketch: { relativeAccuracy: 0.01, maxBuckets: 2048, exactValues: 64 },
  maxCategories: 50,
  maxFeatures: 500,
};

const record = (day: number, fields: Record<string, unknown>): StoredRecord =>
  ({
    event: 'ml.prediction',
    timestamp: `2026-03-${String(day).padStart(2, '0')}T10:00:00.000Z`,
    ...fields,
  }) as StoredRecord;

const day = (date: string, values: Partial<DaySignals>): DaySignals => ({
  date,
  records: 100,
  weight: 100,
  meanConfidence: null,
  uniformity: null,
  meanEntropy: null,
  anomalyRate: null,
  business: {},
  ...values,
});

describe('proxySignalConfigSchema', () => {
  it('holds the documented defaults', () => {
    expect(config).toMatchObject({
      referenceDays: 7,
      anomalyLowerQuantile: 0.005,
      anomalyUpperQuantile: 0.995,
      fullScoreZ: 5,
      warnScore: 60,
      pageScore: 80,
      weights: { confidence: 0.2, uniformity: 0.15, entropy: 0.2, anomaly: 0.3, business: 0.15 },
    });
    expect(proxySignalConfigSchema.safeParse({ warnScore: 90, pageScore: 80 }).success).toBe(false);
  });
});

describe('DaySignalCollector', () => {
  it('weights every day figure by the sampling weight', () => {
    const c = new DaySignalCollector(config);
    // Day 1: score 0.9 with weight 3, score 0.5 with weight 1 (the two classes).
    c.add(record(1, { score: 0.9 }), 3);
    c.add(record(1, { score: 0.5 }), 1);
    const [d] = c.days();
    expect(d?.weight).toBe(4);
    // (3 × 0.9 + 0.5) / 4 = 0.8; entropy (3 × 0.469 + 1) / 4 = 0.60175
    expect(d?.meanConfidence).toBeCloseTo(0.8, 12);
    expect(d?.meanEntropy).toBeCloseTo(0.60175, 4);
    // Bins 9 (weight 3) and 5 (weight 1): −(¾ ln ¾ + ¼ ln ¼) / ln 10 = 0.24422
    expect(d?.uniformity).toBeCloseTo(0.24422, 4);
    expect(d?.anomalyRate).toBeNull();
  });

  it('counts a request once however many of its features are out of the baseline range', () => {
    const baseline = new DistributionProfile(profileOptions);
    const random = new SeededRandom(3);
    for (let i = 0; i < 5000; i++) {
      baseline.addRecord(
        record(1, {
          input_features: { a: random.normal(0, 1), b: random.next(), kind: random.pick(['x', 'y']) },
        }),
        1,
        undefined,
      );
    }
    const ranges = featureRangesFromProfile(baseline, { lower: 0.005, upper: 0.995 });
    const a = ranges.get('a');
    // N(0, 1): the 0.5% and 99.5% quantiles are ∓2.576 (sample and sketch error: ±0.15).
    expect(a?.kind === 'numeric' && Math.abs(a.max - 2.576) < 0.15 && Math.abs(a.min + 2.576) < 0.15).toBe(
      true,
    );
    expect(hasFeatureAnomaly({ a: 0, b: 0.5, kind: 'x' }, ranges)).toBe(false);
    expect(hasFeatureAnomaly({ a: 9, b: 0.5, kind: 'x' }, ranges)).toBe(true);
    expect(hasFeatureAnomaly({ a: 0, b: 0.5, kind: 'new' }, ranges)).toBe(true);
    expect(hasFeatureAnomaly({ a: null, other: 1e9 }, ranges)).toBe(false);

    const c = new DaySignalCollector(config, baseline);
    c.add(record(2, { input_features: { a: 9, b: 9, kind: 'new' } }), 2);
    c.add(record(2, { input_features: { a: 0, b: 0.5, kind: 'y' } }), 6);
    c.add(record(2, {}), 5);
    expect(c.days()[0]?.anomalyRate).toBeCloseTo(2 / 8, 12);
  });
});

describe('scoreSignalDays', () => {
  it('scores each day against the reference days by hand', () => {
    const reference = [0.1, 0.12, 0.08, 0.1].map((rate, i) =>
      day(`2026-03-0${i + 1}`, { anomalyRate: rate, meanConfidence: 0.9 }),
    );
    const s = scoreSignalDays(
      [...reference, day('2026-03-05', { anomalyRate: 0.16, meanConfidence: 0.87 })],
      proxySignalConfigSchema.parse({ referenceDays: 4 }),
    );
    expect(s.referenceDays).toHaveLength(4);
    const last = s.days[4];
    const anomaly = last?.signals.find((x) => x.signal === 'anomaly');
    // Reference mean 0.1, sample sd √(0.0008/3) = 0.016330; z = 0.06 / 0.01633 = 3.674 → 73.48.
    expect(anomaly?.referenceStd).toBeCloseTo(0.01633, 5);
    expect(anomaly?.z).toBeCloseTo(3.674, 3);
    expect(anomaly?.score).toBeCloseTo(73.48, 1);
    // Confidence: constant reference, so the sd is the floor 0.005; z = 0.03 / 0.005 = 6 → 100.
    const confidence = last?.signals.find((x) => x.signal === 'confidence');
    expect(confidence?.score).toBe(100);
    // (0.3 × 73.48 + 0.2 × 100) / 0.5 = 84.09: pages, action retrain.
    expect(last?.composite).toBeCloseTo(84.09, 1);
    expect(last?.level).toBe('page');
    expect(last?.action).toBe('retrain');
    expect(last?.contributing).toEqual(['anomaly', 'confidence']);
    expect(s.days.slice(0, 4).every((d) => d.reference && d.level === 'none')).toBe(true);
  });

  it('reads a trend from the last three composites', () => {
    const days = [0.1, 0.1, 0.1, 0.1, 0.11, 0.13, 0.2, 0.35].map((rate, i) =>
      day(`2026-03-${String(i + 1).padStart(2, '0')}`, { anomalyRate: rate }),
    );
    const s = scoreSignalDays(days, proxySignalConfigSchema.parse({ referenceDays: 4, minStd: 0.01 }));
    // Scores (z = (rate − 0.1)/0.01, ×20): 20, 60, 100, 100.
    expect(s.days.map((d) => d.composite?.toFixed(0))).toEqual([
      '0',
      '0',
      '0',
      '0',
      '20',
      '60',
      '100',
      '100',
    ]);
    // d₁ 20 > d₀ 0 + 5 and 40 > 20 + 5: accelerating; 40 after 40: rising; 0: stable.
    expect(s.days.map((d) => d.trend)).toEqual([
      null,
      null,
      'stable',
      'stable',
      'accelerating',
      'accelerating',
      'rising',
      'stable',
    ]);
    expect(s.days[5]?.level).toBe('none'); // 60 is not above 60
    expect(s.days[6]?.level).toBe('page');
  });

  it('a business metric moving either way scores', () => {
    const days = [10, 11, 9, 10, 13].map((v, i) => day(`2026-03-0${i + 1}`, { business: { conversion: v } }));
    const s = scoreSignalDays(days, proxySignalConfigSchema.parse({ referenceDays: 4 }));
    // sd √(2/3) = 0.8165; |13 − 10| / 0.8165 = 3.674 → 73.5; the business weight alone.
    expect(s.latest?.composite).toBeCloseTo(73.48, 1);
    const down = scoreSignalDays(
      [...days.slice(0, 4), day('2026-03-05', { business: { conversion: 7 } })],
      proxySignalConfigSchema.parse({ referenceDays: 4 }),
    );
    expect(down.latest?.composite).toBeCloseTo(73.48, 1);
  });
});

describe('calibrateSignalWeights', () => {
  it('weights signals by their positive correlation with the drop, defaults with too little history', () => {
    const random = new SeededRandom(5);
    const days = Array.from({ length: 30 }, (_, i) => {
      const broken = i >= 15 ? 0.1 * (i - 14) : 0;
      return day(`2026-04-${String(i + 1).padStart(2, '0')}`, {
        anomalyRate: 0.05 + broken + random.normal(0, 0.005),
        meanConfidence: 0.9 + random.normal(0, 0.005),
      });
    });
    const scored = scoreSignalDays(days, config).days;
    const drops = new Map(days.map((d, i) => [d.date, i >= 15 ? 0.02 * (i - 14) : random.normal(0, 0.005)]));
    const calibrated = calibrateSignalWeights(scored, drops);
    expect(calibrated.calibrated).toBe(true);
    // The anomaly score saturates at 100 while the drop keeps growing: r ≈ 0.7, not 1.
    expect(calibrated.correlations.anomaly).toBeGreaterThan(0.6);
    expect(calibrated.weights.anomaly).toBeGreaterThan(0.6);
    expect(Object.values(calibrated.weights).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const few = calibrateSignalWeights(scored.slice(0, 10), drops);
    expect(few.calibrated).toBe(false);
    expect(few.weights).toEqual(config.weights);
  });
});
