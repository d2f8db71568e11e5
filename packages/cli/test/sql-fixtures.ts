import type { AnyValue } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { millisToHrTime, PredlogLogRecord } from '@predlog/core';
import { FileExporter, fileExporterConfigSchema } from '@predlog/exporter-file';
import { feedbackToLogParts, type LogRecordParts, predictionToLogParts } from '@predlog/schema';
import { seededRandom, testServices } from '@predlog/test-kit';

export interface FraudCase {
  requestId: string;
  day: string;
  timestamp: string;
  segment: 'new' | 'returning';
  amount: number;
  country: string;
  score: number;
  weight: number;
  fraud: boolean;
}

export const DAYS = ['2026-03-01', '2026-03-02', '2026-03-03'] as const;

/** A seeded fraud model: amount drifts up on the last day; the truth is drawn with p = score. */
export function fraudCases(perDay: number, seed: number): FraudCase[] {
  const random = seededRandom(seed);
  const cases: FraudCase[] = [];
  DAYS.forEach((day, d) => {
    for (let i = 0; i < perDay; i++) {
      const u = Math.max(random(), 1e-12);
      const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
      const amount = Math.round((50 + (d === 2 ? 8 : 0) + 10 * normal) * 100) / 100;
      const score = Math.round(1e4 / (1 + Math.exp(-(amount - 55) / 5))) / 1e4;
      cases.push({
        requestId: `req-${d}-${i}`,
        day,
        timestamp: new Date(Date.parse(`${day}T00:00:00.000Z`) + i * 60_000).toISOString(),
        segment: i % 3 === 0 ? 'new' : 'returning',
        amount,
        country: random() < 0.7 ? 'NL' : 'DE',
        score,
        weight: i % 5 === 0 ? 4 : 1,
        fraud: random() < score,
      });
    }
  });
  return cases;
}

function logRecord(parts: LogRecordParts, extra: Record<string, unknown> = {}): PredlogLogRecord {
  return new PredlogLogRecord({
    hrTime: millisToHrTime(parts.timeUnixMs),
    resource: resourceFromAttributes({ 'service.name': 'fraud-api' }),
    instrumentationScope: { name: '@predlog/core' },
    attributes: { ...parts.attributes, ...extra } as PredlogLogRecord['attributes'],
    body: parts.body as AnyValue,
    eventName: parts.eventName,
    jsonSafe: true,
  });
}

export function predictionRecord(c: FraudCase): PredlogLogRecord {
  const parts = predictionToLogParts({
    schema_version: 1,
    request_id: c.requestId,
    prediction_id: `p-${c.requestId}`,
    timestamp: c.timestamp,
    model_name: 'fraud',
    model_version: '1',
    input_features: { amount: c.amount, country: c.country },
    raw_input: { amount: String(c.amount), note: 'line1\nline2' },
    prediction: c.score >= 0.5 ? 'fraud' : 'legit',
    score: c.score,
    threshold: 0.5,
    latency_ms: 3,
    serving_node: 'pod-a',
    segment: c.segment,
  });
  return logRecord(parts, c.weight === 1 ? {} : { 'ml.sampling.weight': c.weight });
}

/**
 * Writes the cases with the real file exporter: the first day gzipped, the rest plain, and one
 * complaint as an ml.feedback record.
 */
export async function writeFraudLogs(directory: string, cases: readonly FraudCase[]): Promise<void> {
  for (const compress of [true, false]) {
    const exporter = new FileExporter(
      fileExporterConfigSchema.parse({ directory, compress }),
      testServices({ id: 'file', baseDir: directory }).services,
    );
    const part = cases.filter((c) => (c.day === DAYS[0]) === compress);
    await exporter.send(part.map(predictionRecord), new AbortController().signal);
    if (!compress) {
      const complaint = feedbackToLogParts({
        schema_version: 1,
        request_id: 'req-1-7',
        model_name: 'fraud',
        label: 'legit',
        complaint: true,
        timestamp: '2026-03-02T09:00:00.000Z',
        source: 'support-desk',
      });
      await exporter.send([logRecord(complaint)], new AbortController().signal);
    }
    await exporter.shutdown();
  }
}
