import { request as httpRequest } from 'node:http';
import { instrumentModel } from '@predlog/instrumentation-model';
import {
  attr,
  bodyOf,
  deferred,
  FakeClock,
  installTracing,
  memoryLogger,
  postJson,
  send,
  traceRequests,
} from '@predlog/test-kit';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { type FastifyInstrumentationOptions, predlogFastify } from '../src/index.ts';

const tracer = installTracing();
const apps: FastifyInstance[] = [];

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

type Txn = { amount: number; country: string };

class ScoringError extends Error {
  override name = 'ScoringError';
}

async function start(options: Partial<FastifyInstrumentationOptions> = {}) {
  const memory = memoryLogger();
  const app = Fastify();
  apps.push(app);
  const spans = traceRequests(app.server, tracer);
  await app.register(predlogFastify, {
    logger: memory.logger,
    routes: {
      'POST /predict': { model: 'fraud', version: '5.0.0' },
      'POST /inner': { logPrediction: false },
      'POST /slow': { model: 'fraud' },
    },
    diagnostics: memory.diagnostics,
    ...options,
  });
  const score = instrumentModel(async (txn: Txn) => Math.min(1, txn.amount / 1000), {
    logger: memory.logger,
    name: 'fraud-inner',
    version: '1',
  });
  const { promise: slowClose, resolve: slowClosed } = deferred();
  const { promise: slowArrival, resolve: slowArrived } = deferred();
  const { promise: slowRelease, resolve: releaseSlow } = deferred();
  // Routes in an encapsulated child context: the plugin's hooks must still see them.
  await app.register(async (child) => {
    child.post('/predict', async (request, reply) => {
      const txn = request.body as Txn;
      if (typeof txn.amount !== 'number') return reply.code(422).send({ error: 'invalid_amount' });
      if (txn.amount < 0) throw new ScoringError('negative amount');
      const value = Math.min(1, txn.amount / 1000);
      return {
        request_id: request.headers['x-request-id'],
        label: value >= 0.5 ? 'fraud' : 'legit',
        score: value,
      };
    });
    child.post('/inner', async (request) => ({ score: await score(request.body as Txn) }));
    child.post('/slow', async (_request, reply) => {
      // Added after the plugin's own 'close' listener (onRequest), so it runs after the capture's.
      reply.raw.on('close', slowClosed);
      slowArrived();
      await slowRelease;
      return { score: 1 };
    });
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, app, spans, slowArrival, slowClose, releaseSlow, ...memory };
}

describe('predlogFastify', () => {
  it('logs the parsed body, the prediction from the payload, and echoes the request id', async () => {
    const { url, app, records } = await start();
    const answer = await postJson(
      url,
      '/predict',
      { amount: 820, country: 'IT' },
      { 'x-request-id': 'fy-1' },
    );
    expect(answer.status).toBe(200);
    expect(answer.headers['x-request-id']).toBe('fy-1');
    const [record] = await records();
    expect(attr(record, 'ml.request.id')).toBe('fy-1');
    expect(attr(record, 'ml.model.version')).toBe('5.0.0');
    expect(attr(record, 'ml.prediction.score')).toBe(0.82);
    expect(bodyOf(record).prediction).toBe('fraud');
    expect(bodyOf(record).raw_input).toEqual({ amount: 820, country: 'IT' });
    expect(app.predlog.stats()).toMatchObject({ requests: 1, records: 1 });
  });

  it('generates a request id the handler sees in request.headers', async () => {
    const { url, records } = await start();
    const answer = await postJson(
      url,
      '/predict',
      { amount: 1, country: 'IT' },
      { 'x-request-id': 'bad id!' },
    );
    const id = answer.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((answer.json() as { request_id: string }).request_id).toBe(id);
    expect(attr((await records())[0], 'ml.request.id')).toBe(id);
  });

  it('logs 4xx answers, thrown errors with their type, and fastify body errors', async () => {
    const { url, records, app } = await start();
    expect((await postJson(url, '/predict', { amount: 'x' }, { 'x-request-id': 'f422' })).status).toBe(422);
    expect((await postJson(url, '/predict', { amount: -2 }, { 'x-request-id': 'f500' })).status).toBe(500);
    const badJson = await send(url, 'POST', '/predict', '{"amount":', {
      'content-type': 'application/json',
      'x-request-id': 'f400',
    });
    expect(badJson.status).toBe(400);
    const byId = new Map((await records()).map((r) => [attr(r, 'ml.request.id'), r]));
    expect(attr(byId.get('f422'), 'error.type')).toBe('422');
    expect(attr(byId.get('f500'), 'error.type')).toBe('ScoringError');
    expect(attr(byId.get('f500'), 'exception.message')).toBe('negative amount');
    expect(attr(byId.get('f400'), 'ml.prediction.status')).toBe('error');
    expect(app.predlog.stats().errors).toBe(3);
  });

  it('caps the raw input and counts extractor failures', async () => {
    const { url, records, app } = await start({
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
    await postJson(url, '/predict', { amount: 5, country: 'IT', note: 'z'.repeat(100) });
    const [capped] = await records();
    expect(bodyOf(capped).raw_input).toMatch(/^\[raw_input not logged: \d+ bytes/);
    expect(attr(capped, 'ml.prediction.status')).toBe('ok');
    expect(app.predlog.stats()).toMatchObject({ requestBodyOverLimit: 1, extractorFailures: 1 });
  });

  it('does not read a payload over maxResponseBodyBytes', async () => {
    const { url, records, app } = await start({ maxResponseBodyBytes: 10 });
    await postJson(url, '/predict', { amount: 5, country: 'IT' });
    const [record] = await records();
    expect(attr(record, 'ml.prediction.score')).toBeUndefined();
    expect(app.predlog.stats().responseBodyNotCaptured).toBe(1);
  });

  it('links records to the request span and keeps the request scope in handlers', async () => {
    const { url, records, spans } = await start();
    await postJson(url, '/predict', { amount: 3, country: 'IT' }, { 'x-request-id': 'traced' });
    await postJson(url, '/inner', { amount: 300, country: 'IT' }, { 'x-request-id': 'inner-1' });
    const logged = await records();
    expect(logged).toHaveLength(2);
    expect(logged[0]?.spanContext?.traceId).toBe(spans[0]?.traceId);
    expect(logged[0]?.spanContext?.spanId).toBe(spans[0]?.spanId);
    expect(attr(logged[1], 'ml.model.name')).toBe('fraud-inner');
    expect(attr(logged[1], 'ml.request.id')).toBe('inner-1');
  });

  it('shadows a copy of the request, both records under one request id', async () => {
    const { promise: challengerRan, resolve: challengerCalled } = deferred();
    const clock = new FakeClock();
    const { url, records, app } = await start({
      clock,
      routes: {
        'POST /predict': {
          model: 'fraud',
          shadow: {
            name: 'fraud',
            version: 'next',
            timeoutMs: 50,
            predict: () => {
              challengerCalled();
              return new Promise(() => undefined);
            },
          },
        },
      },
    });
    const answer = await postJson(url, '/predict', { amount: 100, country: 'IT' }, { 'x-request-id': 'sh' });
    expect(answer.status).toBe(200);
    await challengerRan;
    clock.advance(49);
    expect(app.predlog.stats().shadow['POST /predict']?.timedOut).toBe(0);
    clock.advance(1);
    expect(app.predlog.stats().shadow['POST /predict']?.timedOut).toBe(1);
    const logged = await records();
    expect(
      logged.map((r) => [attr(r, 'ml.request.id'), attr(r, 'ml.model.role'), attr(r, 'error.type')]),
    ).toEqual([
      ['sh', 'champion', undefined],
      ['sh', 'challenger', 'timeout'],
    ]);
  });

  it('logs a request the client abandoned', async () => {
    const { url, records, app, slowArrival, slowClose, releaseSlow } = await start();
    const req = httpRequest(`${url}/slow`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'left' },
    });
    req.on('error', () => undefined);
    req.end('{"amount":1}');
    await slowArrival;
    req.destroy();
    await slowClose;
    expect(app.predlog.stats().aborted).toBe(1);
    releaseSlow();
    const [record] = await records();
    expect(attr(record, 'ml.request.id')).toBe('left');
    expect(attr(record, 'error.type')).toBe('aborted');
  });
});

describe('predlogFastify: a malformed body never reaches the logs', () => {
  const email = 'ann.lee@example.org';
  const card = '4111111111111111';
  // V8's JSON.parse message quotes the text around the error: `"{"email": ann.lee@ex"...`.
  const body = `{"email": ${email}, "card": "${card}", "n": [${card}, x]}`;

  it.each([
    [
      'the JSON.parse parser of fastify’s docs',
      (text: string, done: (error: Error | null, value?: unknown) => void) => {
        try {
          done(null, JSON.parse(text));
        } catch (error) {
          (error as Error & { statusCode: number }).statusCode = 400;
          done(error as Error);
        }
      },
    ],
    [
      'a parser that attaches the body to its error',
      (text: string, done: (error: Error | null, value?: unknown) => void) => {
        done(Object.assign(new Error('cannot parse the request'), { statusCode: 400, body: text }));
      },
    ],
  ])('with %s: neither fastify’s log nor its answer holds the body', async (_name, parse) => {
    const memory = memoryLogger();
    const lines: string[] = [];
    const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } } });
    apps.push(app);
    await app.register(predlogFastify, {
      logger: memory.logger,
      routes: { 'POST /predict': { model: 'fraud' } },
      diagnostics: memory.diagnostics,
    });
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) =>
      parse(String(text), done),
    );
    app.post('/predict', async () => ({ score: 0.1 }));
    app.post('/other', async () => ({ ok: true }));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const answers: string[] = [];
    for (const path of ['/predict', '/other']) {
      const answer = await send(url, 'POST', path, body, { 'content-type': 'application/json' });
      expect(answer.status).toBe(400);
      answers.push(answer.text);
    }
    const log = lines.join('');
    // fastify did log the errors (so the check below looked at real output).
    expect(log).toContain('"err"');
    const records = await memory.records();
    for (const text of [log, ...answers, JSON.stringify(records.map((r) => r.attributes))]) {
      expect(text).not.toContain('ann.lee');
      expect(text).not.toContain('41111111');
    }
  });
});
