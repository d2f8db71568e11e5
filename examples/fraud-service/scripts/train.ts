/**
 * Trains the fraud model on generated data and writes model/weights.json.
 *
 *   node scripts/train.ts [--rows 50000] [--seed 42] [--out model/weights.json]
 *
 * Deterministic: the same seed and row count write the same file, byte for byte, so the committed
 * weights can be checked by re-running this.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CUSTOMER_COUNT, CUSTOMER_SEED, generateCustomerProfiles } from '../src/customer-profiles.ts';
import { FEATURE_NAMES, featureArray } from '../src/features.ts';
import { DEFAULT_WEIGHTS_PATH, FraudModel, type ModelWeights } from '../src/model.ts';
import { bestF1Threshold, type ClassifierMetrics, evaluate } from './evaluation.ts';
import { generateTransactions, toFeatureRows } from './generate-data.ts';
import {
  DEFAULT_TRAINING_OPTIONS,
  fitLogisticRegression,
  type TrainingOptions,
} from './logistic-regression.ts';

export const DEFAULT_DATA_SEED = 42;
export const DEFAULT_ROWS = 50_000;
/** The last fifth of the period is held out: fraud models are judged on the future, not a shuffle. */
const TEST_SHARE = 0.2;

export interface TrainResult {
  readonly weights: ModelWeights;
  readonly train: ClassifierMetrics;
  readonly test: ClassifierMetrics;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

export function trainModel(
  seed: number = DEFAULT_DATA_SEED,
  rows: number = DEFAULT_ROWS,
  options: TrainingOptions = DEFAULT_TRAINING_OPTIONS,
): TrainResult {
  const profiles = generateCustomerProfiles();
  const transactions = generateTransactions({ seed, rows, profiles });
  const { features, labels } = toFeatureRows(transactions, profiles);
  const matrix = features.map(featureArray);
  const split = Math.round(rows * (1 - TEST_SHARE));
  const fitted = fitLogisticRegression(matrix.slice(0, split), labels.slice(0, split), options);

  const core = {
    modelName: 'fraud',
    framework: 'logistic-regression',
    featureNames: [...FEATURE_NAMES],
    means: fitted.means,
    stds: fitted.stds,
    coefficients: fitted.coefficients,
    intercept: fitted.intercept,
    threshold: 0.5,
  };
  // Score the training rows with the serving code itself, so the threshold is chosen on what serves.
  const draft = new FraudModel({ ...core, modelVersion: 'draft' });
  const score = (from: number, to: number): number[] =>
    features.slice(from, to).map((vector) => draft.predict(vector).score);
  const trainScores = score(0, split);
  const threshold = bestF1Threshold(trainScores, labels.slice(0, split));
  const train = evaluate(trainScores, labels.slice(0, split), threshold);
  const test = evaluate(score(split, rows), labels.slice(split), threshold);
  const withThreshold = { ...core, threshold };
  // The version names the content: retraining on other data gives another version, the same data the same one.
  const digest = createHash('sha256').update(JSON.stringify(withThreshold)).digest('hex').slice(0, 8);
  const metricsOf = (m: ClassifierMetrics): Record<string, number> => ({
    rows: m.rows,
    positives: m.positives,
    auc: round(m.auc),
    averagePrecision: round(m.averagePrecision),
    accuracy: round(m.accuracy),
    precision: round(m.precision),
    recall: round(m.recall),
    logLoss: round(m.logLoss),
  });
  const weights: ModelWeights = {
    modelName: core.modelName,
    modelVersion: `lr-${digest}`,
    framework: core.framework,
    featureNames: core.featureNames,
    means: core.means,
    stds: core.stds,
    coefficients: core.coefficients,
    intercept: core.intercept,
    threshold,
    training: {
      dataSeed: seed,
      rows,
      customerSeed: CUSTOMER_SEED,
      customers: CUSTOMER_COUNT,
      split: 'time-ordered, last 20% held out',
      ...options,
    },
    metrics: { train: metricsOf(train), test: metricsOf(test) },
  };
  return { weights, train, test };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: String(DEFAULT_ROWS) },
      seed: { type: 'string', default: String(DEFAULT_DATA_SEED) },
      out: { type: 'string', default: fileURLToPath(DEFAULT_WEIGHTS_PATH) },
    },
  });
  const rows = Number(values.rows);
  const seed = Number(values.seed);
  if (!Number.isInteger(rows) || rows < 100 || !Number.isInteger(seed)) {
    process.stderr.write('usage: node scripts/train.ts [--rows N>=100] [--seed S] [--out path]\n');
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  const { weights, train, test } = trainModel(seed, rows);
  await writeFile(values.out, `${JSON.stringify(weights, null, 2)}\n`);
  const pct = (value: number): string => `${(value * 100).toFixed(1)}%`;
  const line = (name: string, m: ClassifierMetrics): string =>
    `${name.padEnd(6)} rows ${String(m.rows).padStart(6)}  fraud ${pct(m.positives / m.rows).padStart(5)}  ` +
    `AUC ${m.auc.toFixed(4)}  AP ${m.averagePrecision.toFixed(4)}  accuracy ${pct(m.accuracy)}  ` +
    `precision ${pct(m.precision)}  recall ${pct(m.recall)}`;
  process.stdout.write(
    [
      `trained ${weights.modelName} ${weights.modelVersion} on ${rows} generated transactions (seed ${seed}) ` +
        `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      line('train', train),
      line('test', test),
      `threshold ${weights.threshold.toFixed(4)} (best F1 on the training rows)`,
      `wrote ${values.out}`,
      '',
    ].join('\n'),
  );
}

if (import.meta.main) await main();
