import path from 'node:path';
import { type Row, writeLines, writePartitions } from './partition-files.ts';
import { SeededRandom } from './seeded-random.ts';

export interface ScenarioRecord {
  record: Row;
  fraud: boolean;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * Two weeks of a fraud model in which version 2 goes out on day 8 to 70% of the traffic of the web
 * and app channels: it scores too high (logit + 1.8), so the positive decision rate rises, precision
 * collapses and the calibration error grows, while version 1 (and the pos channel) stay as they
 * were. The truth is P(fraud) = σ(4x − 7), x ~ N(0, 1): version 1 is calibrated by construction.
 * Cohort fields sit where applications put them: `segment` on the record, `channel` in its
 * attributes, `region` in its input features. Predictions decided negative are kept with p = 0.25
 * (sampling weight 4), the others all.
 */
export function reportScenario(seed: number, perDay = 1200, days = 14): ScenarioRecord[] {
  const random = new SeededRandom(seed);
  const start = Date.parse('2026-03-01T00:00:00.000Z');
  const out: ScenarioRecord[] = [];
  for (let day = 0; day < days; day++) {
    for (let i = 0; i < perDay; i++) {
      const x = random.normal(0, 1);
      const channel = random.pick(['web', 'web', 'app', 'pos'] as const);
      const region = random.pick(['eu', 'us', 'apac'] as const);
      const segment = random.next() < 0.3 ? 'new' : 'returning';
      const truth = sigmoid(4 * x - 7);
      const fraud = random.next() < truth;
      const v2 = day >= 7 && channel !== 'pos' && random.next() < 0.7;
      const score = Math.round((v2 ? sigmoid(4 * x - 5.2) : truth) * 1e6) / 1e6;
      const positive = score >= 0.5;
      const keep = positive ? 1 : 0.25;
      if (random.next() >= keep) continue;
      const n = day * perDay + i;
      out.push({
        fraud,
        record: {
          event: 'ml.prediction',
          timestamp: new Date(start + day * 86_400_000 + Math.floor((86_400_000 * i) / perDay)).toISOString(),
          request_id: `sc-${seed}-${n}`,
          prediction_id: `sc-${seed}-${n}`,
          model_name: 'fraud',
          model_version: v2 ? '2' : '1',
          input_features: { x, region, amount: Math.round(20 + 80 * random.next()) },
          prediction: positive ? 'fraud' : 'legit',
          score,
          threshold: 0.5,
          latency_ms: 3 + random.next() * 4,
          serving_node: 'pod-1',
          segment,
          attributes: { channel },
          sampling_weight: 1 / keep,
          sampling_reason: positive ? 'positive' : 'probabilistic',
        },
      });
    }
  }
  return out;
}

/** Writes a scenario's predictions to `<root>/logs` and its labels to `<root>/labels.ndjson`. */
export async function writeScenario(root: string, scenario: readonly ScenarioRecord[]): Promise<void> {
  await writePartitions(
    path.join(root, 'logs'),
    scenario.map((g) => g.record),
  );
  await writeLines(
    path.join(root, 'labels.ndjson'),
    scenario.map((g) =>
      JSON.stringify({ request_id: g.record.request_id, label: g.fraud ? 'fraud' : 'legit' }),
    ),
  );
}
