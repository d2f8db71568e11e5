import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createPredictionLogger, DiagnosticsChannel, ExportError } from '@predlog/core';
import { predictionLogRecord, type TempDir, tempDir, testServices } from '@predlog/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LokiExporter, lokiExporterConfigSchema, lokiExporterFactory } from '../src/index.ts';
import { type LokiReceiver, startLokiReceiver } from './support/loki-receiver.ts';

/** A self-signed certificate for 127.0.0.1, made for these tests only (never trusted anywhere else). */
const tlsDir = fileURLToPath(new URL('./fixtures/tls/', import.meta.url));
const signal = new AbortController().signal;

let receiver: LokiReceiver | undefined;
let dir: TempDir;

beforeEach(async () => {
  dir = await tempDir('predlog-loki-');
});

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  await dir.remove();
});

describe('lokiExporterFactory', () => {
  it('registers as exporter type "loki" with the config schema', () => {
    expect(lokiExporterFactory.kind).toBe('exporter');
    expect(lokiExporterFactory.type).toBe('loki');
    expect(lokiExporterFactory.configSchema).toBe(lokiExporterConfigSchema);
  });

  it('trusts the CA file named in tls (relative to the config directory) and verifies the server', async () => {
    receiver = await startLokiReceiver({
      cert: await readFile(`${tlsDir}server-cert.pem`),
      key: await readFile(`${tlsDir}server-key.pem`),
    });
    const { services } = testServices({ id: 'loki', baseDir: tlsDir });
    const trusted = await lokiExporterFactory.create(
      lokiExporterConfigSchema.parse({ endpoint: receiver.url, tls: { caFile: 'server-cert.pem' } }),
      services,
    );
    expect(trusted).toBeInstanceOf(LokiExporter);
    await trusted.send([predictionLogRecord()], signal);
    expect(receiver.requests).toHaveLength(1);

    // Without the CA the self-signed certificate fails verification: retryable, never sent.
    const untrusted = await lokiExporterFactory.create(
      lokiExporterConfigSchema.parse({ endpoint: receiver.url }),
      services,
    );
    const error = await untrusted.send([predictionLogRecord()], signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExportError);
    expect((error as ExportError).retryable).toBe(true);
    expect((error as ExportError).message).toMatch(/network error (DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED)/);
    expect(receiver.requests).toHaveLength(1);
    await trusted.shutdown();
    await untrusted.shutdown();
  });

  it('skips verification with insecureSkipVerify, and says so once', async () => {
    receiver = await startLokiReceiver({
      cert: await readFile(`${tlsDir}server-cert.pem`),
      key: await readFile(`${tlsDir}server-key.pem`),
    });
    const env = testServices({ id: 'loki', baseDir: dir.path });
    const exporter = await lokiExporterFactory.create(
      lokiExporterConfigSchema.parse({ endpoint: receiver.url, tls: { insecureSkipVerify: true } }),
      env.services,
    );
    await exporter.send([predictionLogRecord()], signal);
    expect(receiver.requests).toHaveLength(1);
    expect(env.diagnostics.map((d) => d.code)).toEqual(['loki.insecure_tls.loki']);
    await exporter.shutdown();
  });

  it('fails start-up naming the key when a TLS file cannot be read', async () => {
    const { services } = testServices({ id: 'loki', baseDir: dir.path });
    await expect(
      lokiExporterFactory.create(
        lokiExporterConfigSchema.parse({ endpoint: 'https://127.0.0.1:1', tls: { caFile: 'missing.pem' } }),
        services,
      ),
    ).rejects.toThrow(/exporters\.loki\.tls\.caFile: cannot read missing\.pem \(ENOENT\)/);
  });
});

describe('end to end through core', () => {
  it('delivers what serving code records to Loki, queryable by model label and request id', async () => {
    receiver = await startLokiReceiver();
    const diagnostics: string[] = [];
    const logger = await createPredictionLogger({
      config: {
        resource: { 'service.name': 'fraud-service', 'deployment.environment.name': 'staging' },
        exporters: {
          loki: { endpoint: receiver.url, tenant: 'ml', queue: { maxBatchSize: 64, maxBatchAgeMs: 50 } },
        },
        pipelines: { predictions: { exporters: ['loki'] } },
      },
      components: [lokiExporterFactory],
      model: { name: 'fraud', version: '2.3.0' },
      diagnostics: new DiagnosticsChannel((event) => diagnostics.push(event.code)),
      env: {},
    });
    for (let i = 0; i < 150; i++) {
      logger.record({
        requestId: `req-${i}`,
        features: { amount: i, country: 'FR' },
        prediction: i % 2 === 0 ? 'fraud' : 'legit',
        score: i / 150,
        latencyMs: 2,
      });
    }
    logger.feedback({ requestId: 'req-7', label: 'fraud', source: 'chargeback' });
    await logger.forceFlush();
    const stats = logger.stats();
    await logger.shutdown();

    expect(stats.exported.loki).toBe(151);
    expect(receiver.requests.every((r) => r.headers['x-scope-orgid'] === 'ml')).toBe(true);
    const entries = receiver.entries();
    expect(entries).toHaveLength(151);
    const predictions = entries.filter((e) => e.labels.event === 'ml.prediction');
    expect(predictions).toHaveLength(150);
    for (const entry of predictions) {
      expect(entry.labels).toEqual({
        env: 'staging',
        event: 'ml.prediction',
        model_name: 'fraud',
        model_version: '2.3.0',
        service_name: 'fraud-service',
      });
    }
    // {model_name="fraud"} | json | request_id="req-42"
    const found = predictions.filter(
      (e) => (JSON.parse(e.line) as { request_id?: string }).request_id === 'req-42',
    );
    expect(found).toHaveLength(1);
    expect(found[0]?.metadata.request_id).toBe('req-42');
    expect(JSON.parse(found[0]?.line ?? '')).toMatchObject({
      event: 'ml.prediction',
      model_name: 'fraud',
      prediction: 'fraud',
      input_features: { amount: 42, country: 'FR' },
    });
    const feedback = entries.filter((e) => e.labels.event === 'ml.feedback');
    expect(feedback.map((e) => e.metadata.request_id)).toEqual(['req-7']);
    expect(diagnostics.filter((code) => code.startsWith('loki.'))).toEqual([]);
  });
});
