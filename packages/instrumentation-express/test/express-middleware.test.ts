import { createServer, type Server } from 'node:http';
import { instrumentModel } from '@predlog/instrumentation-model';
import {
  attr,
  bodyOf,
  close,
  eventually,
  installTracing,
  listen,
  memoryLogger,
  postJson,
  send,
  traceRequests,
} from '@predlog/test-kit';
import express, { type Express } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ExpressInstrumentationOptions,
  type PredlogExpressMiddleware,
  predlogExpress,
} from '../src/index.ts';

const tracer = installTracing();
const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await close(server);
});

type Txn = { amount: number; country: string };

class ScoringError extends Error {
  override name = 'ScoringError';
}

function routesOf(app: Express, memory: ReturnType<typeof memoryLogger>): void {
  const score = instrumentModel((txn: Txn) => Math.min(1, txn.amount / 1000), {
    logger: memory.logger,
    name: 'fraud-inner',
    version: '1',
  });
  app.post('/predict', (req, res) => {
    const txn = req.body as Txn;
    if (typeof txn.amount !== 'number') {
      res.status(422).json({ error: 'invalid_amount' });
      return;
    }
    if (txn.amount < 0) throw new ScoringError('negative amount');
    const value = Math.min(1, txn.amount / 1000);
    res.json({ request_id: req.get('x-request-id'), label: value >= 0.5 ? 'fraud' : 'legit', score: value });
  });
  app.post('/inner', (req, res) => {
    res.json({ score: score(req.body as Txn) });
  });
}

async function start(options: Partial<ExpressInstrumentationOptions> = {}, withErrorHandler = true) {
  const memory = memoryLogger();
  const app = express();
  const middleware: PredlogExpressMiddleware = predlogExpress({
    logger: memory.logger,
    routes: {
      'POST /predict': { model: 'fraud', version: '2.0.0' },
      'POST /inner': { logPrediction: false },
    },
    diagnostics: memory.diagnostics,
    ...options,
  });
  app.use(middleware);
  app.use(express.json());
  routesOf(app, memory);
  if (withErrorHandler) app.use(middleware.errorHandler);
  const server = createServer(app);
  servers.push(server);
  const spans = traceRequests(server, tracer);
  const url = await listen(server);
  return { url, middleware, spans, ...memory };
}

describe('predlogExpress', () => {
  it('logs the parsed body, the prediction from the response, and echoes the request id', async () => {
    const { url, records, middleware } = await start();
    const answer = await postJson(
      url,
      '/predict',
      { amount: 640, country: 'FR' },
      { 'x-request-id': 'ex-1' },
    );
    expect(answer.status).toBe(200);
    expect(answer.headers['x-request-id']).toBe('ex-1');
    const [record] = await records();
    expect(attr(record, 'ml.request.id')).toBe('ex-1');
    expect(attr(record, 'ml.model.version')).toBe('2.0.0');
    expect(attr(record, 'ml.prediction.score')).toBe(0.64);
    expect(bodyOf(record).prediction).toBe('fraud');
    expect(bodyOf(record).raw_input).toEqual({ amount: 640, country: 'FR' });
    expect(middleware.instrumentation.stats()).toMatchObject({ requests: 1, records: 1 });
  });

  it('generates a request id the handler sees through req.get()', async () => {
    const { url, records } = await start();
    const answer = await postJson(url, '/predict', { amount: 1, country: 'FR' });
    const id = answer.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((answer.json() as { request_id: string }).request_id).toBe(id);
    expect(attr((await records())[0], 'ml.request.id')).toBe(id);
  });

  it('logs 4xx answers and thrown errors (with their type through errorHandler)', async () => {
    const { url, records } = await start();
    expect((await postJson(url, '/predict', { amount: 'x' }, { 'x-request-id': 'e422' })).status).toBe(422);
    expect((await postJson(url, '/predict', { amount: -1 }, { 'x-request-id': 'e500' })).status).toBe(500);
    expect(
      (
        await send(url, 'POST', '/predict', '{oops', {
          'content-type': 'application/json',
          'x-request-id': 'e400',
        })
      ).status,
    ).toBe(400);
    const byId = new Map((await records()).map((r) => [attr(r, 'ml.request.id'), r]));
    expect(attr(byId.get('e422'), 'error.type')).toBe('422');
    expect(attr(byId.get('e500'), 'error.type')).toBe('ScoringError');
    expect(attr(byId.get('e500'), 'exception.message')).toBe('negative amount');
    // express.json's own SyntaxError reaches the error handler too.
    expect(attr(byId.get('e400'), 'error.type')).toBe('SyntaxError');
  });

  it('logs a thrown error by its status when errorHandler is not mounted', async () => {
    const { url, records } = await start({}, false);
    expect((await postJson(url, '/predict', { amount: -1 }, { 'x-request-id': 'bare' })).status).toBe(500);
    expect(attr((await records())[0], 'error.type')).toBe('500');
  });

  it('caps the raw input and counts extractor failures', async () => {
    const { url, records, middleware } = await start({
      maxRequestBodyBytes: 40,
      routes: {
        'POST /predict': {
          model: 'fraud',
          extractPrediction: () => {
            throw new Error('bad');
          },
        },
      },
    });
    await postJson(url, '/predict', { amount: 5, country: 'FR', note: 'z'.repeat(100) });
    const [record] = await records();
    expect(bodyOf(record).raw_input).toMatch(/^\[raw_input not logged: \d+ bytes/);
    expect(middleware.instrumentation.stats()).toMatchObject({
      requestBodyOverLimit: 1,
      extractorFailures: 1,
    });
  });

  it('links records to the request span and keeps the request scope past the body parser', async () => {
    const { url, records, spans } = await start();
    await postJson(url, '/predict', { amount: 3, country: 'FR' }, { 'x-request-id': 'traced' });
    await postJson(url, '/inner', { amount: 300, country: 'FR' }, { 'x-request-id': 'inner-1' });
    const logged = await records();
    expect(logged[0]?.spanContext?.traceId).toBe(spans[0]?.traceId);
    expect(logged[0]?.spanContext?.spanId).toBe(spans[0]?.spanId);
    // /inner logs only through the instrumented model, under the request's id.
    const inner = logged.filter((r) => attr(r, 'ml.model.name') === 'fraud-inner');
    expect(inner.map((r) => attr(r, 'ml.request.id'))).toEqual(['inner-1']);
    expect(logged).toHaveLength(2);
  });

  it('shadows a copy of the request body', async () => {
    const seen: unknown[] = [];
    const { url, records, middleware } = await start({
      routes: {
        'POST /predict': {
          model: 'fraud',
          shadow: {
            name: 'fraud',
            version: 'next',
            predict: async (input) => {
              seen.push(input);
              (input as Txn).amount = 0;
              return { label: 'legit', score: 0.1 };
            },
          },
        },
      },
    });
    await postJson(url, '/predict', { amount: 900, country: 'FR' }, { 'x-request-id': 'sh-1' });
    await eventually(() => middleware.instrumentation.stats().shadow['POST /predict']?.completed === 1);
    expect(seen).toEqual([{ amount: 0, country: 'FR' }]);
    const logged = await records();
    expect(logged.map((r) => [attr(r, 'ml.request.id'), attr(r, 'ml.model.role')])).toEqual([
      ['sh-1', 'champion'],
      ['sh-1', 'challenger'],
    ]);
    expect(bodyOf(logged[0]).raw_input).toEqual({ amount: 900, country: 'FR' });
  });

  it('still logs the parsed body when express.json is mounted first', async () => {
    const memory = memoryLogger();
    const app = express();
    app.use(express.json());
    app.use(predlogExpress({ logger: memory.logger, routes: { 'POST /predict': { model: 'fraud' } } }));
    routesOf(app, memory);
    const server = createServer(app);
    servers.push(server);
    const url = await listen(server);
    await postJson(url, '/predict', { amount: 10, country: 'FR' });
    expect(bodyOf((await memory.records())[0]).raw_input).toEqual({ amount: 10, country: 'FR' });
  });
});
