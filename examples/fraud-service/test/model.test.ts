import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { rocAuc } from '../scripts/evaluation.ts';
import { generateTransactions, toFeatureRows } from '../scripts/generate-data.ts';
import { trainModel } from '../scripts/train.ts';
import { isValidCardNumber } from '../src/card-number.ts';
import { generateCustomerProfiles } from '../src/customer-profiles.ts';
import { FEATURE_NAMES } from '../src/features.ts';
import { DEFAULT_WEIGHTS_PATH, FraudModel, loadModel, parseModelWeights } from '../src/model.ts';
import { parseTransaction, RAW_FIELDS } from '../src/transaction.ts';

const profiles = generateCustomerProfiles();

describe('data set', () => {
  const rows = generateTransactions({ seed: 11, rows: 4000, profiles });

  it('has 10 raw fields, every generated transaction exactly those and valid', () => {
    expect(RAW_FIELDS).toHaveLength(10);
    for (const { transaction } of rows) {
      expect(Object.keys(transaction)).toEqual([...RAW_FIELDS]);
      expect(() => parseTransaction(JSON.parse(JSON.stringify(transaction)))).not.toThrow();
      expect(isValidCardNumber(transaction.card_number)).toBe(true);
    }
  });

  it('has 23 distinct engineered features, all finite numbers', () => {
    expect(FEATURE_NAMES).toHaveLength(23);
    expect(new Set(FEATURE_NAMES).size).toBe(23);
    const { features } = toFeatureRows(rows, profiles);
    for (const vector of features) {
      expect(Object.keys(vector)).toEqual([...FEATURE_NAMES]);
      expect(Object.values(vector).every(Number.isFinite)).toBe(true);
    }
  });

  it('is time-ordered, reproducible from its seed, and 2-3% fraud', () => {
    const times = rows.map((row) => Date.parse(row.transaction.timestamp));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(generateTransactions({ seed: 11, rows: 4000, profiles })).toEqual(rows);
    expect(generateTransactions({ seed: 12, rows: 4000, profiles })).not.toEqual(rows);
    const fraudShare = rows.filter((row) => row.isFraud).length / rows.length;
    expect(fraudShare).toBeGreaterThanOrEqual(0.02);
    expect(fraudShare).toBeLessThanOrEqual(0.03);
  });
});

describe('training', () => {
  const options = { learningRate: 2, iterations: 60, l2: 1e-3 };

  it('gives identical weights for the same seed, and other weights for another seed', () => {
    const first = trainModel(5, 3000, options).weights;
    const second = trainModel(5, 3000, options).weights;
    expect(second).toEqual(first);
    expect(second.modelVersion).toBe(first.modelVersion);
    expect(trainModel(6, 3000, options).weights.coefficients).not.toEqual(first.coefficients);
  });

  it('reproduces the committed model/weights.json byte for byte', async () => {
    const committed = parseModelWeights(JSON.parse(await readFile(DEFAULT_WEIGHTS_PATH, 'utf8')));
    const training = committed.training as {
      dataSeed: number;
      rows: number;
      learningRate: number;
      iterations: number;
      l2: number;
    };
    const { weights } = trainModel(training.dataSeed, training.rows, {
      learningRate: training.learningRate,
      iterations: training.iterations,
      l2: training.l2,
    });
    // A change to features.ts or the generator without retraining shows up here first.
    expect(`${JSON.stringify(weights, null, 2)}\n`).toBe(await readFile(DEFAULT_WEIGHTS_PATH, 'utf8'));
  });
});

describe('committed model', () => {
  it('reaches AUC > 0.8 on a fresh seeded test set it never saw', async () => {
    const model = await loadModel();
    const fresh = generateTransactions({ seed: 90_210, rows: 10_000, profiles });
    const { features, labels } = toFeatureRows(fresh, profiles);
    const scores = features.map((vector) => model.predict(vector).score);
    expect(rocAuc(scores, labels)).toBeGreaterThan(0.8);
    expect(labels.some((label) => label === 1)).toBe(true);
  });

  it('labels by its threshold and explains with the largest contributions first', async () => {
    const model = await loadModel();
    const { features } = toFeatureRows(generateTransactions({ seed: 3, rows: 500, profiles }), profiles);
    for (const vector of features) {
      const { score, label } = model.predict(vector);
      expect(score).toBeGreaterThan(0);
      expect(score).toBeLessThan(1);
      expect(label).toBe(score >= model.threshold ? 'fraud' : 'legit');
      const explanation = model.explain(vector, 3);
      expect(explanation).toHaveLength(3);
      const sizes = explanation.map((entry) => Math.abs(entry.contribution));
      expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    }
  });

  it('refuses weights trained on other features', async () => {
    const weights = JSON.parse(await readFile(DEFAULT_WEIGHTS_PATH, 'utf8')) as Record<string, unknown>;
    const renamed = { ...weights, featureNames: [...FEATURE_NAMES.slice(1), 'something_else'] };
    expect(() => parseModelWeights(renamed)).toThrow(/featureNames/);
    const short = { ...weights, coefficients: [1, 2, 3] };
    expect(() => new FraudModel(parseModelWeights(short))).toThrow(/coefficients/);
  });
});
