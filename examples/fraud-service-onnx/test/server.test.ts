import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { BaseExporter, type LogRecordLike, PredictionLogger } from '@predlog/core';
import { generateCustomerProfiles } from '@predlog/example-fraud-service/customer-profiles';
import { FeatureStore } from '@predlog/example-fraud-service/feature-store';
import { computeFeatures, FEATURE_NAMES } from '@predlog/example-fraud-service/features';
import { generateTransactions } from '@predlog/example-fraud-service/generate-data';
import { loadModel } from '@predlog/example-fraud-service/model';
import { modelVersionOf } from '@predlog/instrumentation-onnxruntime';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ONNX_PATH } from '../scripts/export-onnx.ts';
import { createOnnxFraudServer } from '../src/app.ts';
import { OnnxFraudScorer } from '../src/onnx-scorer.ts';

class MemoryExporter extends BaseExporter {
  readonly records: LogRecordLike[] = [];

  constructor() {
    super('memory');
  }

  async send(records: readonly LogRecordLike[]): Promise<void> {
    this.records.push(...records);
  }
}

const profiles = generateCustomerProfiles();
const jsModel = await loadModel();
const transactions = generateTransactions({ seed: 31, rows: 40, profiles }).map((row) => row.transaction);
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function start() {
  const exporter = new MemoryExporter();
  const logger = new PredictionLogger({ pipelines: [{ exporters: [exporter] }] });
  const scorer = await OnnxFraudScorer.load({
    model: DEFAULT_ONNX_PATH,
    logger,
    threshold: jsModel.threshold,
    challenger: jsModel,
  });
  const { server, http } = createOnnxFraudServer({ scorer, store: new FeatureStore(profiles), logger });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closers.push(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await logger.shutdown();
  });
  const logged = async () => {
    await logger.forceFlush();
    return exporter.records;
  };
  return { url, scorer, http, logged };
}

function predict(url: string, body: string, requestId?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (requestId !== undefined) headers['x-request-id'] = requestId;
  return fetch(`${url}/predict`, { method: 'POST', headers, body });
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('fraud-service-onnx', () => {
  it('answers with ONNX scores equal to the JavaScript model within 1e-5, and logs champion and challenger', async () => {
    const { url, scorer, logged } = await start();
    const modelVersion = modelVersionOf(new Uint8Array(await readFile(DEFAULT_ONNX_PATH)));
    expect(scorer.version).toBe(modelVersion);

    // A feature store replayed the same way gives the JavaScript model the same context.
    const referenceStore = new FeatureStore(profiles);
    for (const [i, transaction] of transactions.entries()) {
      const answer = await predict(url, JSON.stringify(transaction), `onnx-${i}`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-request-id')).toBe(`onnx-${i}`);
      const body = (await answer.json()) as { score: number; label: string; model_version: string };
      const expected = jsModel.predict(computeFeatures(transaction, referenceStore.observe(transaction)));
      expect(Math.abs(body.score - expected.score)).toBeLessThan(1e-5);
      expect(body.model_version).toBe(modelVersion);
    }

    await until(async () => (await logged()).length === transactions.length * 2);
    const records = await logged();
    for (const [i] of transactions.entries()) {
      const pair = records.filter((r) => r.attributes['ml.request.id'] === `onnx-${i}`);
      const champion = pair.find((r) => r.attributes['ml.model.role'] === 'champion');
      const challenger = pair.find((r) => r.attributes['ml.model.role'] === 'challenger');
      expect(champion?.attributes['ml.model.version']).toBe(modelVersion);
      expect(champion?.attributes['ml.model.framework']).toBe('onnxruntime');
      expect(challenger?.attributes['ml.model.version']).toBe(jsModel.version);
      const championScore = champion?.attributes['ml.prediction.score'] as number;
      const challengerScore = challenger?.attributes['ml.prediction.score'] as number;
      expect(Math.abs(championScore - challengerScore)).toBeLessThan(1e-5);
      const body = champion?.body as { input_features: Record<string, number>; prediction: string };
      expect(Object.keys(body.input_features)).toEqual([...FEATURE_NAMES]);
      expect(body.prediction).toBe(championScore >= jsModel.threshold ? 'fraud' : 'legit');
    }
  });

  it('generates and echoes a request id, and logs nothing for a refused request', async () => {
    const { url, http, logged } = await start();
    const answer = await predict(url, JSON.stringify(transactions[0]));
    const id = answer.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await answer.json()) as { request_id: string }).request_id).toBe(id);
    const refused = await predict(url, '{"amount": -1}', 'refused');
    expect(refused.status).toBe(400);
    await until(async () => (await logged()).length === 2);
    expect((await logged()).every((r) => r.attributes['ml.request.id'] === id)).toBe(true);
    expect(http.stats()).toMatchObject({ requests: 2, records: 0, requestIdsGenerated: 1 });
  });
});
