import { createPredictionLogger, DiagnosticsChannel } from '@predlog/core';
import { type TempDir, tempDir, testServices } from '@predlog/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OtlpExporter, otlpExporterConfigSchema, otlpExporterFactory } from '../src/index.ts';
import { type OtlpReceiver, startOtlpReceiver } from './support/otlp-receiver.ts';

let receiver: OtlpReceiver;
let dir: TempDir;

beforeEach(async () => {
  receiver = await startOtlpReceiver();
  dir = await tempDir('predlog-otlp-');
});

afterEach(async () => {
  await receiver.close();
  await dir.remove();
});

describe('otlpExporterFactory', () => {
  it('registers as exporter type "otlp" with the config schema and creates the exporter', async () => {
    expect(otlpExporterFactory.kind).toBe('exporter');
    expect(otlpExporterFactory.type).toBe('otlp');
    expect(otlpExporterFactory.configSchema).toBe(otlpExporterConfigSchema);
    const { services } = testServices({ id: 'otlp', baseDir: dir.path });
    const exporter = await otlpExporterFactory.create(
      otlpExporterConfigSchema.parse({ endpoint: receiver.url }),
      services,
    );
    expect(exporter).toBeInstanceOf(OtlpExporter);
    expect((exporter as OtlpExporter).url).toBe(`${receiver.url}/v1/logs`);
    await exporter.shutdown();
  });

  it('fails start-up naming the key when a TLS file cannot be read', async () => {
    const { services } = testServices({ id: 'otlp', baseDir: dir.path });
    await expect(
      otlpExporterFactory.create(
        otlpExporterConfigSchema.parse({ endpoint: 'https://127.0.0.1:1', tls: { caFile: 'nope.pem' } }),
        services,
      ),
    ).rejects.toThrow(/exporters\.otlp\.tls\.caFile: cannot read nope\.pem \(ENOENT\)/);
  });
});

describe('end to end through core', () => {
  for (const protocol of ['http/protobuf', 'http/json'] as const) {
    it(`delivers recorded predictions and feedback over ${protocol} with the application's resource`, async () => {
      const diagnostics: string[] = [];
      const logger = await createPredictionLogger({
        config: {
          resource: { 'service.name': 'fraud-service', 'deployment.environment.name': 'staging' },
          exporters: {
            otlp: { endpoint: receiver.url, protocol, queue: { maxBatchSize: 64, maxBatchAgeMs: 50 } },
          },
          pipelines: { predictions: { exporters: ['otlp'] } },
        },
        components: [otlpExporterFactory],
        model: { name: 'fraud', version: '2.3.0' },
        diagnostics: new DiagnosticsChannel((event) => diagnostics.push(event.code)),
        env: {},
      });
      for (let i = 0; i < 100; i++) {
        logger.record({
          requestId: `req-${i}`,
          features: { amount: i },
          prediction: 'legit',
          score: 0.1,
          latencyMs: 2,
        });
      }
      logger.feedback({ requestId: 'req-3', label: 'fraud', source: 'chargeback' });
      await logger.forceFlush();
      const stats = logger.stats();
      await logger.shutdown();

      expect(stats.exported.otlp).toBe(101);
      const records = receiver.records();
      expect(records).toHaveLength(101);
      for (const record of records) {
        expect(record.resource['service.name']).toBe('fraud-service');
        expect(record.resource['deployment.environment.name']).toBe('staging');
        expect(typeof record.resource['host.name']).toBe('string');
      }
      const predictions = records.filter((r) => r.eventName === 'ml.prediction');
      expect(predictions).toHaveLength(100);
      expect(predictions.map((r) => r.attributes['ml.request.id'])).toEqual(
        Array.from({ length: 100 }, (_, i) => `req-${i}`),
      );
      expect(predictions[5]?.attributes).toMatchObject({
        'ml.model.name': 'fraud',
        'ml.model.version': '2.3.0',
      });
      expect(predictions[5]?.body).toMatchObject({ input_features: { amount: 5 }, prediction: 'legit' });
      expect(
        records.filter((r) => r.eventName === 'ml.feedback').map((r) => r.attributes['ml.request.id']),
      ).toEqual(['req-3']);
      expect(diagnostics.filter((code) => code.startsWith('otlp.'))).toEqual([]);
    });
  }
});
