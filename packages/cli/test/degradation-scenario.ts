import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createPredictionLogger, type PredictionInput } from '@predlog/core';
import { fileExporterFactory } from '@predlog/exporter-file';
import { type Random, seededRandom } from '@predlog/test-kit';

/**
 * A seeded 60-day history of a fraud model, in the fraud example's feature names, with one known
 * degradation event:
 *
 * - days 0–29: a calibrated logistic model (the logged score is the true fraud probability);
 * - from day 30 (`DRIFT_DAY`): 40% of requests come through a new integration that sends
 *   `amount_vs_avg_30d` in cents against the euro average (×100, out of the training range); the
 *   model reads it at face value, so on those requests its score is noise spread over [0, 1]
 *   while the truth still follows the real ratio: AUC drops from the first drifted day;
 * - labels (chargebacks) arrive `LABEL_DELAY_DAYS` (7) days after the prediction (± 12 h), so the
 *   drop is visible in the labels from day 37.
 *
 * Records are written through the PredictionLogger and the real file exporter.
 */
export const SCENARIO_DAYS = 60;
export const DRIFT_DAY = 30;
export const LABEL_DELAY_DAYS = 7;
export const SCENARIO_START = '2026-01-01';
export const SCENARIO_MODEL = 'fraud-lr';

export interface ScenarioFiles {
  logs: string;
  labels: string;
  /** The training set in the stored form (90 days before the first logged day): a baseline, and a freshness input. */
  training: string;
  business: string;
}

const DAY_MS = 86_400_000;

function normal(random: Random): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

interface Drawn {
  features: Record<string, number>;
  /** What the model logs. */
  score: number;
  fraud: boolean;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** One transaction's features, the model's score and the drawn truth. */
function draw(random: Random, drifted: boolean): Drawn {
  const logAmount = 3.6 + 0.8 * normal(random);
  const ratio = Math.exp(0.4 * normal(random));
  const deviceTrust = Math.min(1, Math.max(0, 0.75 + 0.2 * normal(random)));
  const distance = -30 * Math.log(Math.max(random(), 1e-12));
  const txn24h = Math.floor(-3 * Math.log(Math.max(random(), 1e-12)));
  const foreign = random() < 0.12 ? 1 : 0;
  const logit = (r: number) =>
    -2.2 +
    0.9 * (logAmount - 3.6) +
    1.6 * (r - 1) -
    3 * (deviceTrust - 0.75) +
    0.012 * distance +
    0.15 * txn24h +
    0.8 * foreign;
  const truth = sigmoid(logit(ratio));
  const seen = drifted ? ratio * 100 : ratio;
  // The model saw ratios up to ~4 in training; on ×100 inputs its linear term is meaningless, so
  // the integration clips it and the score becomes noise around the middle.
  const score = drifted ? sigmoid(0.8 * normal(random)) : truth;
  return {
    features: {
      log_amount: round(logAmount, 4),
      amount_vs_avg_30d: round(seen, 4),
      device_trust_score: round(deviceTrust, 4),
      distance_from_home_km: round(distance, 1),
      txn_count_24h: txn24h,
      is_foreign: foreign,
    },
    score: round(score, 6),
    fraud: random() < truth,
  };
}

/** Writes the scenario under `root`: logs (file exporter tree), labels.ndjson, training.ndjson, business.csv. */
export async function writeDegradationScenario(
  root: string,
  options: { seed?: number; perDay?: number } = {},
): Promise<ScenarioFiles> {
  const random = seededRandom(options.seed ?? 17);
  const perDay = options.perDay ?? 1500;
  const start = Date.parse(`${SCENARIO_START}T00:00:00Z`);
  const files: ScenarioFiles = {
    logs: path.join(root, 'prediction-logs'),
    labels: path.join(root, 'labels.ndjson'),
    training: path.join(root, 'training.ndjson'),
    business: path.join(root, 'business.csv'),
  };
  const logger = await createPredictionLogger({
    config: {
      exporters: { file: { directory: files.logs, compress: false } },
      pipelines: { predictions: { exporters: ['file'] } },
    },
    components: [fileExporterFactory],
    model: { name: SCENARIO_MODEL, version: '1' },
    resource: { 'service.name': 'fraud-service' },
  });
  const labels: string[] = [];
  const business: string[] = ['date,approval_rate'];
  for (let day = 0; day < SCENARIO_DAYS; day++) {
    let approved = 0;
    for (let i = 0; i < perDay; i++) {
      const drifted = day >= DRIFT_DAY && random() < 0.4;
      const { features, score, fraud } = draw(random, drifted);
      const timeMs = start + day * DAY_MS + Math.floor((DAY_MS * i) / perDay);
      const requestId = `req-${day}-${i}`;
      if (score < 0.5) approved += 1;
      const input: PredictionInput = {
        requestId,
        timestamp: timeMs,
        features,
        prediction: score >= 0.5 ? 'decline' : 'approve',
        score,
        threshold: 0.5,
        latencyMs: round(2 + 6 * random(), 2),
        channel: random() < 0.6 ? 'web' : 'app',
      };
      logger.record(input);
      const arrival = timeMs + LABEL_DELAY_DAYS * DAY_MS + Math.floor((random() - 0.5) * DAY_MS);
      labels.push(
        JSON.stringify({
          request_id: requestId,
          label: fraud ? 1 : 0,
          timestamp: new Date(arrival).toISOString(),
        }),
      );
    }
    // A day at a time: the logger's hand-off is bounded, and a burst of 1,500 records would overflow it.
    await logger.forceFlush();
    business.push(
      `${new Date(start + day * DAY_MS).toISOString().slice(0, 10)},${round(approved / perDay, 4)}`,
    );
  }
  await logger.shutdown();
  const training: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    const { features, score } = draw(random, false);
    const timestamp = new Date(start - 90 * DAY_MS + Math.floor((90 * DAY_MS * i) / 20_000)).toISOString();
    training.push(
      JSON.stringify({
        event: 'ml.prediction',
        timestamp,
        request_id: `train-${i}`,
        model_name: SCENARIO_MODEL,
        input_features: features,
        score,
      }),
    );
  }
  await writeFile(files.labels, `${labels.join('\n')}\n`);
  await writeFile(files.training, `${training.join('\n')}\n`);
  await writeFile(files.business, `${business.join('\n')}\n`);
  return files;
}
