import type { Row } from './partition-files.ts';
import { SeededRandom } from './seeded-random.ts';

export interface SyntheticOptions {
  readonly seed: number;
  readonly count: number;
  /** First record's time; records are spread evenly over `days`. */
  readonly start?: string;
  readonly days?: number;
  readonly model?: string;
  readonly version?: string;
  /** Added to feature `a`'s mean (a ~ N(shift, 1)). */
  readonly shiftA?: number;
  /** Share of records whose feature `c` is null. */
  readonly nullShareC?: number;
  /** Category weights of feature `d` (x, y, z). */
  readonly categories?: readonly [number, number, number];
  /** Multiplies the positive rate's logit offset (shifts the score distribution). */
  readonly scoreOffset?: number;
  readonly requestPrefix?: string;
}

/**
 * Predictions of a simple, known model: features a ~ N(shift, 1), b ~ N(5, 2), c ~ U(0, 1) (null
 * with some probability), d ∈ {x, y, z}; the true class is drawn with P = σ(a + b/5 − 2 + offset)
 * and the logged score is that probability, so the model is calibrated by construction.
 */
export function syntheticPredictions(options: SyntheticOptions): Array<{ record: Row; positive: boolean }> {
  const random = new SeededRandom(options.seed);
  const startMs = Date.parse(options.start ?? '2026-03-01T00:00:00.000Z');
  const spanMs = (options.days ?? 1) * 86_400_000;
  const [px, py] = options.categories ?? [0.5, 0.3, 0.2];
  const out: Array<{ record: Row; positive: boolean }> = [];
  for (let i = 0; i < options.count; i++) {
    const a = random.normal(options.shiftA ?? 0, 1);
    const b = random.normal(5, 2);
    const c = random.next() < (options.nullShareC ?? 0) ? null : random.next();
    const u = random.next();
    const d = u < px ? 'x' : u < px + py ? 'y' : 'z';
    const score = 1 / (1 + Math.exp(-(a + b / 5 - 2 + (options.scoreOffset ?? 0))));
    const positive = random.next() < score;
    const time = new Date(startMs + Math.floor((spanMs * i) / options.count)).toISOString();
    out.push({
      positive,
      record: {
        event: 'ml.prediction',
        timestamp: time,
        request_id: `${options.requestPrefix ?? 'req'}-${options.seed}-${i}`,
        prediction_id: `p-${options.seed}-${i}`,
        model_name: options.model ?? 'fraud',
        model_version: options.version ?? '1',
        input_features: { a, b, c, d },
        prediction: score >= 0.5 ? 'fraud' : 'legit',
        score,
        threshold: 0.5,
        latency_ms: 2 + random.next() * 8,
        serving_node: 'pod-1',
        entity_id: `cust-${i % 500}`,
        segment: i % 3 === 0 ? 'new' : 'returning',
      },
    });
  }
  return out;
}
