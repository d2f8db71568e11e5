import { createServer, type Server } from 'node:http';
import { instrumentModel } from '@predlog/instrumentation-model';
import {
  advanceUntil,
  attr,
  bodyOf,
  close,
  FakeClock,
  installTracing,
  listen,
  memoryLogger,
  postJson,
  send,
  traceRequests,
} from '@predlog/test-kit';
import express, { type Express } from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
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
    const clock = new FakeClock();
    const { url, records, middleware } = await start({
      clock,
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
    // The challenger starts a turn after the response and settles in a promise continuation.
    await advanceUntil(
      clock,
      () => middleware.instrumentation.stats().shadow['POST /predict']?.completed === 1,
      { limitMs: 1_000 },
    );
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

describe('predlogExpress: a malformed body never reaches stderr', () => {
  const email = 'ann.lee@example.org';
  const card = '4111 1111 1111 1111';
  const bodies = [
    // body-parser attaches the raw text to its error as `body`.
    `{"email":"${email}","card":"${card}",}`,
    // V8's JSON.parse message quotes the text around the error.
    `{"email": ${email}, "card": "${card}"}`,
  ];

  /** Everything printed while `run` goes: console.error/warn/log and raw writes to stderr. */
  async function printed(run: () => Promise<void>): Promise<string> {
    const out: string[] = [];
    const spies = [
      vi.spyOn(console, 'error').mockImplementation((...args) => out.push(args.map(String).join(' '))),
      vi.spyOn(console, 'warn').mockImplementation((...args) => out.push(args.map(String).join(' '))),
      vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0),
    ];
    try {
      await run();
      // finalhandler prints on the next turn (setImmediate), after the answer is sent.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    return out.join('\n');
  }

  it.each(['production', 'development'])(
    'with express’s default handler (env %s): 400, and neither the answer nor stderr holds the body',
    async (env) => {
      const memory = memoryLogger();
      const app = express();
      // Under vitest NODE_ENV is "test", where express prints nothing; a service runs otherwise.
      app.set('env', env);
      const middleware = predlogExpress({
        logger: memory.logger,
        routes: { 'POST /predict': { model: 'fraud' } },
        diagnostics: memory.diagnostics,
      });
      app.use(middleware);
      app.use(express.json());
      app.post('/predict', (_req, res) => res.json({ score: 0.1 }));
      app.post('/other', (_req, res) => res.json({ ok: true }));
      app.use(middleware.errorHandler);
      const server = createServer(app);
      servers.push(server);
      const url = await listen(server);
      const answers: string[] = [];
      const stderr = await printed(async () => {
        for (const path of ['/predict', '/other'])
          for (const body of bodies) {
            const answer = await send(url, 'POST', path, body, { 'content-type': 'application/json' });
            expect(answer.status).toBe(400);
            answers.push(answer.text);
          }
      });
      // The default handler did print the error (so the check below looked at real output).
      expect(stderr).toContain('SyntaxError');
      const records = await memory.records();
      for (const text of [stderr, ...answers, JSON.stringify(records.map((r) => r.attributes))]) {
        expect(text).not.toContain('ann.lee');
        expect(text.replace(/\D/g, '')).not.toContain('41111111');
      }
      expect(attr(records[0], 'error.type')).toBe('SyntaxError');
      expect(attr(records[0], 'exception.message')).toMatch(/^request body is not valid JSON/);
    },
  );
});
