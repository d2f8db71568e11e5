import type { AnyValue } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { millisToHrTime, PredlogLogRecord } from '@predlog/core';
import { feedbackToLogParts } from '@predlog/schema';
import {
  predictionLogRecord,
  type TempDir,
  type TestServices,
  tempDir,
  testServices,
} from '@predlog/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OtlpExporter, otlpExporterConfigSchema } from '../src/index.ts';
import {
  asLokiEntry,
  LOKI_DEFAULT_INDEX_LABELS,
  type OtlpReceiver,
  startOtlpReceiver,
} from './support/otlp-receiver.ts';

let receiver: OtlpReceiver;
let env: TestServices;
let dir: TempDir;
let exporter: OtlpExporter;
const signal = new AbortController().signal;

beforeEach(async () => {
  receiver = await startOtlpReceiver();
  dir = await tempDir('predlog-otlp-loki-');
  env = testServices({ id: 'otlp', baseDir: dir.path });
  exporter = new OtlpExporter(
    otlpExporterConfigSchema.parse({ endpoint: `${receiver.url}/otlp` }),
    env.services,
    undefined,
    {},
  );
});

afterEach(async () => {
  await receiver.close();
  await exporter.shutdown();
  await dir.remove();
});

// The README's advice: the model on the resource too, so Loki can index it.
const resource = resourceFromAttributes({
  'service.name': 'fraud-service',
  'deployment.environment.name': 'prod',
  'ml.model.name': 'fraud',
});

function feedbackRecord(): PredlogLogRecord {
  const parts = feedbackToLogParts({
    schema_version: 1,
    request_id: 'req-1',
    timestamp: '2026-01-31T12:05:00.000Z',
    model_name: 'fraud',
    label: 'fraud',
    source: 'chargebacks',
  });
  return new PredlogLogRecord({
    hrTime: millisToHrTime(parts.timeUnixMs),
    resource,
    instrumentationScope: { name: '@predlog/core' },
    attributes: parts.attributes as PredlogLogRecord['attributes'],
    body: parts.body as AnyValue,
    eventName: parts.eventName,
    jsonSafe: true,
  });
}

describe('records as Loki stores them after its native OTLP ingestion', () => {
  it('keeps predictions and feedback apart: event_name metadata and a non-empty line for both', async () => {
    await exporter.send(
      [predictionLogRecord({ request_id: 'req-1' }, { resource }), feedbackRecord()],
      signal,
    );
    expect(receiver.requests[0]?.path).toBe('/otlp/v1/logs');
    const [prediction, feedback] = receiver.records().map((record) => asLokiEntry(record));
    expect(prediction?.labels).toEqual({
      service_name: 'fraud-service',
      deployment_environment_name: 'prod',
    });
    expect(prediction?.structuredMetadata.event_name).toBe('ml.prediction');
    expect(prediction?.structuredMetadata.ml_request_id).toBe('req-1');
    expect(JSON.parse(prediction?.line ?? '')).toMatchObject({ prediction: 'legit' });

    expect(feedback?.structuredMetadata.event_name).toBe('ml.feedback');
    expect(feedback?.structuredMetadata.ml_request_id).toBe('req-1');
    expect(feedback?.line).not.toBe('');
    expect(JSON.parse(feedback?.line ?? '')).toEqual({ event: 'ml.feedback' });
  });

  it('sends a log attribute that repeats the resource once, so index_label gives no _extracted twin', async () => {
    await exporter.send([predictionLogRecord({ model_name: 'fraud' }, { resource })], signal);
    const [record] = receiver.records();
    expect(record?.attributes['ml.model.name']).toBeUndefined();
    const entry = asLokiEntry(record!, [...LOKI_DEFAULT_INDEX_LABELS, 'ml.model.name']);
    expect(entry.labels.ml_model_name).toBe('fraud');
    expect(Object.keys(entry.structuredMetadata)).not.toContain('ml_model_name_extracted');
  });

  it('keeps a log attribute whose value differs from the resource (Loki names it _extracted)', async () => {
    await exporter.send([predictionLogRecord({ model_name: 'fraud-challenger' }, { resource })], signal);
    const entry = asLokiEntry(receiver.records()[0]!, [...LOKI_DEFAULT_INDEX_LABELS, 'ml.model.name']);
    expect(entry.labels.ml_model_name).toBe('fraud');
    expect(entry.structuredMetadata.ml_model_name_extracted).toBe('fraud-challenger');
  });
});
