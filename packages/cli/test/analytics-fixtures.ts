import { writeFile } from 'node:fs/promises';
import { seededRandom } from '@predlog/test-kit';
import { writePartitionFile } from './log-fixtures.ts';

export interface Generated {
  record: Record<string, unknown>;
  /** The drawn truth: fraud with probability = score. */
  fraud: boolean;
}

export interface GenerateOptions {
  seed: number;
  count: number;
  /** First day (UTC, YYYY-MM-DD); records spread evenly over `days`. */
  start: string;
  days: number;
  model?: string;
  version?: string;
  /** Added to the feature `amount`'s mean (drift). */
  shift?: number;
  prefix?: string;
}

/** Fraud predictions of a calibrated toy model: amount ~ N(50 + shift, 10), hour ~ U(0, 24), country. */
export function fraudPredictions(options: GenerateOptions): Generated[] {
  const random = seededRandom(options.seed);
  const start = Date.parse(`${options.start}T00:00:00.000Z`);
  const span = options.days * 86_400_000;
  const out: Generated[] = [];
  for (let i = 0; i < options.count; i++) {
    const u = Math.max(random(), 1e-12);
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
    const amount = 50 + (options.shift ?? 0) + 10 * normal;
    const score = Math.round(1e6 / (1 + Math.exp(-(amount - 55) / 5))) / 1e6;
    out.push({
      fraud: random() < score,
      record: {
        event: 'ml.prediction',
        timestamp: new Date(start + Math.floor((span * i) / options.count)).toISOString(),
        request_id: `${options.prefix ?? 'req'}-${i}`,
        prediction_id: `${options.prefix ?? 'p'}-${i}`,
        model_name: options.model ?? 'fraud',
        model_version: options.version ?? (i % 2 === 0 ? '1' : '2'),
        input_features: { amount, hour: random() * 24, country: random() < 0.7 ? 'NL' : 'DE' },
        prediction: score >= 0.5 ? 'fraud' : 'legit',
        score,
        threshold: 0.5,
        latency_ms: 2 + random() * 3,
        serving_node: 'pod-a',
        entity_id: `cust-${i % 40}`,
        segment: i % 3 === 0 ? 'new' : 'returning',
      },
    });
  }
  return out;
}

/** Writes records as the file exporter lays them out, one file per model and UTC day. */
export async function writeLogs(
  directory: string,
  records: ReadonlyArray<Record<string, unknown>>,
): Promise<void> {
  const groups = new Map<string, Array<Record<string, unknown>>>();
  for (const record of records) {
    const key = `${String(record.model_name)}|${String(record.timestamp).slice(0, 10)}`;
    const group = groups.get(key) ?? [];
    group.push(record);
    groups.set(key, group);
  }
  for (const [key, group] of groups) {
    const [model = '', date = ''] = key.split('|');
    await writePartitionFile(directory, model, date, group);
  }
}

export async function writeLines(file: string, lines: readonly string[]): Promise<string> {
  await writeFile(file, lines.map((l) => `${l}\n`).join(''));
  return file;
}

export function labelLine(g: Generated): string {
  return JSON.stringify({ request_id: g.record.request_id, label: g.fraud ? 'fraud' : 'legit' });
}
