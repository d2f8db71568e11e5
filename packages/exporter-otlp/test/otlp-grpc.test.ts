import { ExportError } from '@predlog/core';
import { predictionBatch, predictionLogRecord, type TestServices, testServices } from '@predlog/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OtlpExporter, type OtlpExporterConfigInput, otlpExporterConfigSchema } from '../src/index.ts';
import { type OtlpGrpcReceiver, startOtlpGrpcReceiver } from './support/otlp-receiver.ts';

let receiver: OtlpGrpcReceiver;
let env: TestServices;
const exporters: OtlpExporter[] = [];
const signal = new AbortController().signal;

beforeEach(async () => {
  receiver = await startOtlpGrpcReceiver();
  env = testServices({ id: 'otlp' });
});

afterEach(async () => {
  for (const exporter of exporters.splice(0)) await exporter.shutdown();
  await receiver.close();
});

function exporter(config: Partial<OtlpExporterConfigInput> = {}, environment: Record<string, string> = {}) {
  const created = new OtlpExporter(
    otlpExporterConfigSchema.parse({ protocol: 'grpc', endpoint: receiver.url, ...config }),
    env.services,
    undefined,
    environment,
  );
  exporters.push(created);
  return created;
}

describe('OtlpExporter over gRPC', () => {
  it('sends through LogsService/Export: resource, ml.* attributes, body map and event name decode as sent', async () => {
    const record = predictionLogRecord({
      request_id: 'req-g',
      prediction_id: 'pred-g',
      score: 0.91,
      prediction: 'fraud',
    });
    await exporter({ headers: { 'X-Scope-OrgID': 'ml' } }).send([record, ...predictionBatch(2)], signal);

    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]?.path).toBe('/opentelemetry.proto.collector.logs.v1.LogsService/Export');
    expect(receiver.requests[0]?.headers['x-scope-orgid']).toBe('ml');
    const [first, ...rest] = receiver.records();
    expect(rest).toHaveLength(2);
    expect(first?.resource['service.name']).toBe('fraud-service');
    expect(first?.attributes).toMatchObject({
      'ml.request.id': 'req-g',
      'ml.prediction.id': 'pred-g',
      'ml.prediction.score': 0.91,
      'event.name': 'ml.prediction',
    });
    expect(first?.eventName).toBe('ml.prediction');
    expect(first?.body).toMatchObject({ prediction: 'fraud' });
  });

  it('takes the server address from OTEL_EXPORTER_OTLP_ENDPOINT when config names none', async () => {
    const fromEnv = exporter({ endpoint: undefined }, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    expect(fromEnv.settings.sources.url).toBe('OTEL_EXPORTER_OTLP_ENDPOINT');
    await fromEnv.send(predictionBatch(3), signal);
    expect(receiver.records()).toHaveLength(3);
  });

  it('reports INVALID_ARGUMENT as not retryable and RESOURCE_EXHAUSTED as throttling', async () => {
    receiver.reply = () => 3;
    const refused = await exporter()
      .send(predictionBatch(1), signal)
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ExportError);
    expect((refused as ExportError).retryable).toBe(false);
    expect((refused as ExportError).message).toMatch(/gRPC status 3/);

    // RESOURCE_EXHAUSTED is retryable: the stock exporter tries again within timeoutMs (its first
    // backoff, 1 s, is past a 300 ms timeout, so it stops at once), then predlog says throttled.
    receiver.reply = () => 8;
    const throttled = await exporter({ timeoutMs: 300 })
      .send(predictionBatch(1), signal)
      .catch((error: unknown) => error);
    expect(throttled).toBeInstanceOf(ExportError);
    expect((throttled as ExportError).retryable).toBe(true);
    expect((throttled as ExportError).throttled).toBe(true);
  });
});
