/**
 * Writes test/data/fraud-scores.txt: the score stream of the fraud example (examples/fraud-service),
 * so the sampling tests measure the defaults on a real model's traffic without depending on the
 * example package. The traffic has the demo's mix (scripts/demo.ts): generated transactions over
 * two days with 3% fraud, 3% blatant anomalies mixed in, 2% malformed requests (the model is never
 * called: an error record without a score). Each one is scored by the committed logistic
 * regression (model/weights.json) after the feature store has seen the ones before it, in order.
 *
 *   node packages/processor-sampling/scripts/fraud-score-stream.ts > packages/processor-sampling/test/data/fraud-scores.txt
 */
import { parseArgs } from 'node:util';
import {
  DEFAULT_START_MS,
  generateAnomalousTransaction,
  generateTransactions,
} from '../../../examples/fraud-service/scripts/generate-data.ts';
import { generateCustomerProfiles } from '../../../examples/fraud-service/src/customer-profiles.ts';
import { FeatureStore } from '../../../examples/fraud-service/src/feature-store.ts';
import { computeFeatures } from '../../../examples/fraud-service/src/features.ts';
import { loadModel } from '../../../examples/fraud-service/src/model.ts';
import { SeededRandom } from '../../../examples/fraud-service/src/seeded-random.ts';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '10000' }, seed: { type: 'string', default: '7' } },
});
const rows = Number(values.rows);
const seed = Number(values.seed);

const model = await loadModel();
const profiles = generateCustomerProfiles();
const store = new FeatureStore(profiles);
const random = new SeededRandom(seed);
const traffic = generateTransactions({
  seed,
  rows,
  startMs: DEFAULT_START_MS,
  days: 2,
  fraudRate: 0.03,
  profiles,
});

const lines = [
  `# fraud-service score stream: ${rows} requests, seed ${seed}, model ${model.name} ${model.version}, threshold ${model.threshold}`,
  '# one request per line: the log-odds of its score, ln(s / (1 - s)) to 3 decimals, or "error" for a malformed request',
];
for (const row of traffic) {
  const roll = random.next();
  if (roll >= 0.03 && roll < 0.05) {
    lines.push('error');
    continue;
  }
  const transaction =
    roll < 0.03
      ? generateAnomalousTransaction(random, random.pick(profiles), Date.parse(row.transaction.timestamp))
          .transaction
      : row.transaction;
  const { score } = model.predict(computeFeatures(transaction, store.observe(transaction)));
  // The log-odds keep both ends apart (a rounded score would turn 0.99999 and 0.999999 into 1).
  lines.push((Math.log(score) - Math.log1p(-score)).toFixed(3));
}
process.stdout.write(`${lines.join('\n')}\n`);
