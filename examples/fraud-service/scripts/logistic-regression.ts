/**
 * Logistic regression fitted by full-batch gradient descent with L2 on standardised inputs. Plain
 * loops in a fixed order: the same rows give the same coefficients, bit for bit.
 */

export interface TrainingOptions {
  readonly learningRate: number;
  readonly iterations: number;
  /** L2 penalty on the coefficients (not the intercept), per row. */
  readonly l2: number;
}

export const DEFAULT_TRAINING_OPTIONS: TrainingOptions = { learningRate: 2, iterations: 800, l2: 1e-3 };

export interface FittedLogisticRegression {
  readonly means: number[];
  readonly stds: number[];
  readonly coefficients: number[];
  readonly intercept: number;
}

export function standardisation(rows: readonly (readonly number[])[]): { means: number[]; stds: number[] } {
  const width = rows[0]?.length ?? 0;
  const means = new Array<number>(width).fill(0);
  const stds = new Array<number>(width).fill(0);
  for (const row of rows)
    for (let j = 0; j < width; j++) means[j] = (means[j] ?? 0) + (row[j] ?? 0) / rows.length;
  for (const row of rows) {
    for (let j = 0; j < width; j++)
      stds[j] = (stds[j] ?? 0) + ((row[j] ?? 0) - (means[j] ?? 0)) ** 2 / rows.length;
  }
  // A constant column would divide by zero; scaling it by 1 leaves it harmless (it centres to 0).
  return { means, stds: stds.map((variance) => (variance > 0 ? Math.sqrt(variance) : 1)) };
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function fitLogisticRegression(
  rows: readonly (readonly number[])[],
  labels: readonly number[],
  options: TrainingOptions = DEFAULT_TRAINING_OPTIONS,
): FittedLogisticRegression {
  const n = rows.length;
  const width = rows[0]?.length ?? 0;
  const { means, stds } = standardisation(rows);
  const x = new Float64Array(n * width);
  rows.forEach((row, i) => {
    for (let j = 0; j < width; j++) x[i * width + j] = ((row[j] ?? 0) - (means[j] ?? 0)) / (stds[j] ?? 1);
  });
  const y = Float64Array.from(labels);
  const positives = y.reduce((sum, label) => sum + label, 0);
  const weights = new Float64Array(width);
  // Starting at the base rate's log-odds saves the first few hundred steps of walking there.
  let intercept = Math.log(Math.max(positives, 1) / Math.max(n - positives, 1));
  const gradient = new Float64Array(width);

  for (let iteration = 0; iteration < options.iterations; iteration++) {
    gradient.fill(0);
    let interceptGradient = 0;
    for (let i = 0; i < n; i++) {
      const offset = i * width;
      let z = intercept;
      for (let j = 0; j < width; j++) z += (weights[j] ?? 0) * (x[offset + j] ?? 0);
      const error = sigmoid(z) - (y[i] ?? 0);
      interceptGradient += error;
      for (let j = 0; j < width; j++) gradient[j] = (gradient[j] ?? 0) + error * (x[offset + j] ?? 0);
    }
    for (let j = 0; j < width; j++) {
      const step = (gradient[j] ?? 0) / n + options.l2 * (weights[j] ?? 0);
      weights[j] = (weights[j] ?? 0) - options.learningRate * step;
    }
    intercept -= (options.learningRate * interceptGradient) / n;
  }
  return { means, stds, coefficients: Array.from(weights), intercept };
}
