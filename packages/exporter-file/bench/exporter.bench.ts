/**
 * Throughput of FileExporter.send alone (encode + write), integrity off against on, on ~1 KB
 * prediction records in batches of 2048 (core's default batch). Prints one JSON object; the
 * end-to-end comparison with pino lives in the root bench/.
 *   node bench/exporter.bench.ts [records]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNoopMeter } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { DiagnosticsChannel, millisToHrTime, PredlogLogRecord, systemClock } from '@predlog/core';
import { type PredictionRecord, predictionToLogParts } from '@predlog/schema';
import { FileExporter, fileExporterConfigSchema } from '../src/index.ts';

const total = Number(process.argv[2] ?? 200_000);
const batchSize = 2048;
const resource = resourceFromAttributes({ 'service.name': 'fraud-service' });
const features = Object.fromEntries(Array.from({ length: 23 }, (_, i) => [`feature_${i}`, i * 1.37]));
const rawInput = {
  amount: 12.5,
  currency: 'EUR',
  merchant_category: '5411',
  merchant_country: 'FR',
  entry_mode: 'chip',
  customer_email: 'someone@example.com',
  card_number: '4111111111111111',
};

function record(i: number): PredlogLogRecord {
  const prediction: PredictionRecord = {
    schema_version: 1,
    request_id: `req-${i}`,
    prediction_id: `pred-${i}`,
    timestamp: new Date(Date.parse('2026-01-31T12:00:00.000Z') + i).toISOString(),
    model_name: 'fraud-detector',
    model_version: '2.3.1',
    input_features: features,
    raw_input: rawInput,
    prediction: 'legit',
    score: 0.12,
    threshold: 0.5,
    latency_ms: 3.5,
    serving_node: 'node-1',
  };
  const parts = predictionToLogParts(prediction);
  return new PredlogLogRecord({
    hrTime: millisToHrTime(parts.timeUnixMs),
    resource,
    instrumentationScope: { name: 'bench' },
    attributes: parts.attributes as PredlogLogRecord['attributes'],
    body: parts.body as PredlogLogRecord['body'],
    eventName: parts.eventName,
  });
}

async function run(integrity: boolean, records: PredlogLogRecord[]): Promise<number> {
  const directory = await mkdtemp(join(tmpdir(), 'predlog-file-bench-'));
  const exporter = new FileExporter(
    fileExporterConfigSchema.parse({ directory, compress: false, integrity }),
    {
      id: 'file',
      diagnostics: new DiagnosticsChannel(),
      meter: createNoopMeter(),
      clock: systemClock,
      resource,
      baseDir: directory,
    },
  );
  await exporter.ready;
  const signal = new AbortController().signal;
  const started = performance.now();
  for (let i = 0; i < records.length; i += batchSize)
    await exporter.send(records.slice(i, i + batchSize), signal);
  await exporter.shutdown();
  const elapsedMs = performance.now() - started;
  await rm(directory, { recursive: true, force: true });
  return Math.round((records.length / elapsedMs) * 1000);
}

const records = Array.from({ length: total }, (_, i) => record(i));
await run(false, records.slice(0, 20_000)); // warm-up
const result = {
  bench: 'exporter-file send',
  records: total,
  batchSize,
  recordsPerSecond: { integrityOff: await run(false, records), integrityOn: await run(true, records) },
};
process.stdout.write(`${JSON.stringify(result)}\n`);
