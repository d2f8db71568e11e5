import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createPredictionLogger } from '@predlog/core';
import { fileExporterFactory, queryRecords, verifyIntegrity } from '@predlog/exporter-file';
import { predictionRecordSchema, type StoredRecord } from '@predlog/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// Cross-package: a YAML config → createPredictionLogger → file exporter → the reader behind `predlog query`.

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'predlog-it-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(iterable: AsyncIterable<StoredRecord>): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for await (const record of iterable) out.push(record);
  return out;
}

describe('a config file to queryable files', () => {
  it('every record a caller made is found by request id with what the model saw, as of the call', async () => {
    const configFile = path.join(dir, 'predlog.yaml');
    await writeFile(
      configFile,
      [
        'resource:',
        '  service.name: it-service',
        'exporters:',
        '  file/audit:',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a predlog env reference, not a JS template
        '    directory: ${env:IT_LOG_DIR}',
        '    integrity: true',
        '    queue: { maxBatchSize: 500, maxBatchAgeMs: 20 }',
        'pipelines:',
        '  predictions:',
        '    exporters: [file/audit]',
      ].join('\n'),
    );
    const logDir = path.join(dir, 'logs');
    const logger = await createPredictionLogger({
      configFile,
      components: [fileExporterFactory],
      model: { name: 'fraud', version: '3.1.0' },
      env: { IT_LOG_DIR: logDir },
    });
    const features = { amount: 0, country: 'DE', card_present: true };
    const n = 5000;
    for (let i = 0; i < n; i++) {
      features.amount = i; // the same object, mutated after every call
      logger.record({
        requestId: `req-${i}`,
        features,
        rawInput: { email: `user${i}@example.com`, amount: i },
        prediction: i % 10 === 0 ? 'fraud' : 'legit',
        score: (i % 100) / 100,
        threshold: 0.9,
        latencyMs: 2,
      });
      if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
    }
    logger.feedback({ requestId: 'req-42', label: 'fraud', source: 'chargeback' });
    await logger.shutdown();

    const stats = logger.stats();
    expect(stats).toMatchObject({
      received: n + 1,
      sampledOut: 0,
      dropped: {},
      exported: { 'file/audit': n + 1 },
    });

    const [found] = await collect(queryRecords({ directory: logDir, requestId: 'req-4242' }));
    expect(found).toBeDefined();
    const { event, service_name, ...record } = found as StoredRecord;
    expect(event).toBe('ml.prediction');
    expect(service_name).toBe('it-service');
    const parsed = predictionRecordSchema.parse(record);
    expect(parsed.input_features).toEqual({ amount: 4242, country: 'DE', card_present: true });
    expect(parsed.raw_input).toEqual({ email: 'user4242@example.com', amount: 4242 });
    expect(parsed).toMatchObject({
      model_name: 'fraud',
      model_version: '3.1.0',
      score: 0.42,
      prediction: 'legit',
    });

    const frauds = await collect(
      queryRecords({ directory: logDir, model: 'fraud', where: [{ path: 'prediction', value: 'fraud' }] }),
    );
    expect(frauds).toHaveLength(n / 10);
    const feedback = await collect(queryRecords({ directory: logDir, requestId: 'req-42' }));
    expect(feedback.map((r) => r.event).sort()).toEqual(['ml.feedback', 'ml.prediction']);

    const integrity = await verifyIntegrity(logDir);
    expect(integrity.issues).toEqual([]);
    expect(integrity.filesChecked).toBeGreaterThan(0);
  });

  it('a config error stops start-up with the file, line and key', async () => {
    const configFile = path.join(dir, 'bad.yaml');
    await writeFile(
      configFile,
      'exporters:\n  file:\n    directory: ./x\n    maxFileBytes: lots\npipelines:\n  p: { exporters: [file] }\n',
    );
    await expect(createPredictionLogger({ configFile, components: [fileExporterFactory] })).rejects.toThrow(
      `${configFile}:4:19: exporters.file.maxFileBytes: expected number (got "lots")`,
    );
  });
});
