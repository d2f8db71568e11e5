import type { AddressInfo } from 'node:net';
import { BaseExporter, type LogRecordLike, PredictionLogger } from '@predlog/core';
import { instrumentHttpServer } from '@predlog/instrumentation-http';
import { afterEach, describe, expect, it } from 'vitest';
import { generateTransactions } from '../scripts/generate-data.ts';
import { createFraudServer, type Scorer } from '../src/app.ts';
import { generateCustomerProfiles } from '../src/customer-profiles.ts';
import { FeatureStore } from '../src/feature-store.ts';
import { FEATURE_NAMES } from '../src/features.ts';
import { loadModel } from '../src/model.ts';

/** Keeps what predlog exports, so a test can read back exactly what was logged. */
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
const model = await loadModel();
const [sample] = generateTransactions({ seed: 21, rows: 1, profiles });
const transaction = sample?.transaction;
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function start(scorer: Scorer = model, maxBodyBytes?: number) {
  const exporter = new MemoryExporter();
  const logger = new PredictionLogger({
    pipelines: [{ exporters: [exporter] }],
    model: { name: scorer.name, version: scorer.version, framework: 'logistic-regression' },
  });
  const server = createFraudServer({
    model: scorer,
    store: new FeatureStore(profiles),
    logger,
    maxBodyBytes,
  });
  instrumentHttpServer(server, {
    logger,
    routes: { 'POST /predict': { model: scorer.name, version: scorer.version } },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closers.push(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await logger.shutdown();
  });
  /** Everything logged so far, keyed by request id. */
  const logged = async (): Promise<Map<string, LogRecordLike>> => {
    await logger.forceFlush();
    return new Map(exporter.records.map((record) => [String(record.attributes['ml.request.id']), record]));
  };
  return { url, logger, logged };
}

function predict(url: string, body: string, requestId?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (requestId !== undefined) headers['x-request-id'] = requestId;
  return fetch(`${url}/predict`, { method: 'POST', headers, body });
}

describe('POST /predict', () => {
  it('scores a transaction, echoes X-Request-ID and logs features, raw input and decision', async () => {
    const { url, logged } = await start();
    const response = await predict(url, JSON.stringify(transaction), 'req-0001');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('req-0001');
    const body = (await response.json()) as {
      request_id: string;
      label: string;
      score: number;
      model_version: string;
    };
    expect(body.request_id).toBe('req-0001');
    expect(body.model_version).toBe(model.version);
    expect(body.label).toBe(body.score >= model.threshold ? 'fraud' : 'legit');

    const record = (await logged()).get('req-0001');
    expect(record?.eventName).toBe('ml.prediction');
    expect(record?.attributes['ml.prediction.score']).toBe(body.score);
    expect(record?.attributes['ml.model.version']).toBe(model.version);
    const recordBody = record?.body as {
      input_features: Record<string, number>;
      raw_input: unknown;
      prediction: unknown;
    };
    expect(Object.keys(recordBody.input_features).sort()).toEqual([...FEATURE_NAMES].sort());
    expect(recordBody.raw_input).toEqual(transaction);
    expect(recordBody.prediction).toBe(body.label);
  });

  it('generates a request id when the header is absent or unusable, and logs under it', async () => {
    const { url, logged } = await start();
    const absent = await predict(url, JSON.stringify(transaction));
    const unusable = await predict(url, JSON.stringify(transaction), 'has spaces/and slashes');
    const ids = [absent.headers.get('x-request-id'), unusable.headers.get('x-request-id')];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[0]).not.toBe(ids[1]);
    expect(((await absent.json()) as { request_id: string }).request_id).toBe(ids[0]);
    const records = await logged();
    for (const id of ids) expect(records.get(String(id))?.eventName).toBe('ml.prediction');
  });

  it('answers 400 to invalid JSON and invalid transactions, and logs each as an error', async () => {
    const { url, logged } = await start();
    const badJson = await predict(url, '{"amount": 12.5, "currency":', 'bad-json');
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ request_id: 'bad-json', error: 'invalid_json' });

    const badCard = await predict(
      url,
      JSON.stringify({ ...transaction, card_number: '4242424242424241' }),
      'bad-card',
    );
    expect(badCard.status).toBe(400);
    expect(await badCard.json()).toMatchObject({
      error: 'invalid_transaction',
      issues: [{ field: 'card_number', message: expect.any(String) }],
    });

    const records = await logged();
    for (const id of ['bad-json', 'bad-card']) {
      const record = records.get(id);
      expect(record?.attributes['ml.prediction.status']).toBe('error');
      expect(String(record?.attributes['exception.message'])).not.toContain('4242424242424241');
    }
    expect(records.get('bad-json')?.attributes['error.type']).toBe('BadRequestError');
    expect(records.get('bad-card')?.attributes['error.type']).toBe('InvalidTransactionError');
  });

  it('answers 413 to an oversized body and logs it as an error', async () => {
    const { url, logged } = await start(model, 512);
    const response = await predict(
      url,
      JSON.stringify({ ...transaction, padding: 'x'.repeat(100_000) }),
      'too-big',
    );
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ request_id: 'too-big', error: 'payload_too_large' });
    expect((await logged()).get('too-big')?.attributes['ml.prediction.status']).toBe('error');
  });

  it('answers 500 when the model fails, logging the error with the features it was given', async () => {
    const failing: Scorer = {
      name: model.name,
      version: model.version,
      threshold: model.threshold,
      predict: () => {
        throw new RangeError('model runtime fell over');
      },
      explain: () => [],
    };
    const { url, logged } = await start(failing);
    const response = await predict(url, JSON.stringify(transaction), 'boom');
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ request_id: 'boom', error: 'internal_error' });
    const record = (await logged()).get('boom');
    expect(record?.attributes['ml.prediction.status']).toBe('error');
    expect(record?.attributes['error.type']).toBe('RangeError');
    expect(
      Object.keys((record?.body as { input_features?: object } | undefined)?.input_features ?? {}),
    ).toHaveLength(23);
  });

  it('refuses other methods on /predict without logging a prediction', async () => {
    const { url, logger } = await start();
    const response = await fetch(`${url}/predict`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(logger.stats().received).toBe(0);
  });
});

describe('GET endpoints', () => {
  it('reports health and the logger stats', async () => {
    const { url } = await start();
    const health = await fetch(`${url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', model: 'fraud', model_version: model.version });
    await predict(url, JSON.stringify(transaction));
    await predict(url, 'nope');
    const stats = (await (await fetch(`${url}/stats`)).json()) as { received: number };
    expect(stats.received).toBe(2);
    expect((await fetch(`${url}/nowhere`)).status).toBe(404);
  });
});
