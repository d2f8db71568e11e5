import { readFile } from 'node:fs/promises';
import { FEATURE_NAMES, type FeatureName, type FeatureVector } from './features.ts';

/** The trained artefact, as `scripts/train.ts` writes it to `model/weights.json`. */
export interface ModelWeights {
  readonly modelName: string;
  readonly modelVersion: string;
  readonly framework: string;
  readonly featureNames: readonly string[];
  readonly means: readonly number[];
  readonly stds: readonly number[];
  readonly coefficients: readonly number[];
  readonly intercept: number;
  /** Scores at or above it are labelled `fraud`. */
  readonly threshold: number;
  readonly training?: Readonly<Record<string, unknown>>;
  readonly metrics?: Readonly<Record<string, unknown>>;
}

export type FraudLabel = 'fraud' | 'legit';

export interface Prediction {
  /** Probability of fraud, 0–1. */
  readonly score: number;
  readonly label: FraudLabel;
}

export interface Contribution {
  readonly feature: FeatureName;
  /** Log-odds this feature added relative to an average transaction. */
  readonly contribution: number;
  readonly value: number;
}

export const DEFAULT_WEIGHTS_PATH = new URL('../model/weights.json', import.meta.url);

function isNumberArray(value: unknown, length: number): value is number[] {
  return (
    Array.isArray(value) &&
    value.length === length &&
    value.every((v) => typeof v === 'number' && Number.isFinite(v))
  );
}

/** Checks a parsed weights file; a model trained on other features must not load silently. */
export function parseModelWeights(json: unknown): ModelWeights {
  if (typeof json !== 'object' || json === null) throw new Error('weights: not a JSON object');
  const w = json as Record<string, unknown>;
  const names = w.featureNames;
  if (!Array.isArray(names) || names.join(',') !== FEATURE_NAMES.join(',')) {
    throw new Error('weights: featureNames differ from the features this code computes; retrain the model');
  }
  const width = FEATURE_NAMES.length;
  for (const key of ['means', 'stds', 'coefficients']) {
    if (!isNumberArray(w[key], width)) throw new Error(`weights: ${key} must be ${width} finite numbers`);
  }
  for (const key of ['intercept', 'threshold']) {
    if (typeof w[key] !== 'number' || !Number.isFinite(w[key]))
      throw new Error(`weights: ${key} must be a number`);
  }
  for (const key of ['modelName', 'modelVersion', 'framework']) {
    if (typeof w[key] !== 'string' || w[key] === '')
      throw new Error(`weights: ${key} must be a non-empty string`);
  }
  return json as ModelWeights;
}

export class FraudModel {
  readonly name: string;
  readonly version: string;
  readonly framework: string;
  readonly threshold: number;
  readonly #means: Float64Array;
  readonly #stds: Float64Array;
  readonly #coefficients: Float64Array;
  readonly #intercept: number;

  constructor(weights: ModelWeights) {
    const checked = parseModelWeights(weights);
    this.name = checked.modelName;
    this.version = checked.modelVersion;
    this.framework = checked.framework;
    this.threshold = checked.threshold;
    this.#means = Float64Array.from(checked.means);
    this.#stds = Float64Array.from(checked.stds);
    this.#coefficients = Float64Array.from(checked.coefficients);
    this.#intercept = checked.intercept;
  }

  #terms(features: FeatureVector): Float64Array {
    const terms = new Float64Array(FEATURE_NAMES.length);
    FEATURE_NAMES.forEach((name, j) => {
      const value = features[name];
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw new TypeError(`feature ${name} is not a finite number`);
      terms[j] = ((this.#coefficients[j] ?? 0) * (value - (this.#means[j] ?? 0))) / (this.#stds[j] ?? 1);
    });
    return terms;
  }

  predict(features: FeatureVector): Prediction {
    let z = this.#intercept;
    for (const term of this.#terms(features)) z += term;
    const score = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    return { score, label: score >= this.threshold ? 'fraud' : 'legit' };
  }

  /** The `top` features that moved this score most, largest absolute contribution first. */
  explain(features: FeatureVector, top = 3): Contribution[] {
    const terms = this.#terms(features);
    return FEATURE_NAMES.map((feature, j) => ({
      feature,
      contribution: terms[j] ?? 0,
      value: features[feature],
    }))
      .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
      .slice(0, top)
      .map((entry) => ({ ...entry, contribution: Math.round(entry.contribution * 1e4) / 1e4 }));
  }
}

export async function loadModel(path: string | URL = DEFAULT_WEIGHTS_PATH): Promise<FraudModel> {
  return new FraudModel(parseModelWeights(JSON.parse(await readFile(path, 'utf8'))));
}
