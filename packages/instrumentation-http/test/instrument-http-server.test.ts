import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { activePredictionScope, annotatePrediction, instrumentModel } from '@predlog/instrumentation-model';
import {
  attr,
  bodyOf,
  close,
  deferred,
  FakeClock,
  installTracing,
  listen,
  memoryLogger,
  postJson,
  send,
  traceRequests,
  turn,
} from '@predlog/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type HttpInstrumentationOptions,
  instrumentHttpServer,
  instrumentRequestListener,
} from '../src/index.ts';

const tracer = installTracing();
const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await close(server);
});

type Txn = { amount: number; country: string };

function readBody(request: IncomingMessage, done: (text: string) => void): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

/** A small scoring service written without predlog, callback style. */
function scoringHandler(request: IncomingMessage, response: ServerResponse): void {
  const path = request.url?.split('?')[0];
  if (path === '/healthz') {
    sendJson(response, 200, { status: 'ok' });
    return;
  }
  readBody(request, (text) => {
    let txn: Txn;
    try {
      txn = JSON.parse(text) as Txn;
    } catch {
      return sendJson(response, 400, { error: 'invalid_json' });
    }
    if (typeof txn.amount !== 'number') return sendJson(response, 422, { error: 'invalid_amount' });
    if (txn.amount < 0) return sendJson(response, 500, { error: 'internal_error' });
    const score = Math.min(1, txn.amount / 1000);
    sendJson(response, 200, {
      request_id: request.headers['x-request-id'],
      label: score >= 0.5 ? 'fraud' : 'legit',
      score,
    });
  });
}

async function start(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
  options: Partial<HttpInstrumentationOptions> = {},
) {
  const memory = memoryLogger();
  const server = createServer(handler);
  servers.push(server);
  const instrumentation = instrumentHttpServer(server, {
    logger: memory.logger,
    routes: { 'POST /predict': { model: 'fraud', version: '2.1.0', threshold: 0.5 } },
    diagnostics: memory.diagnostics,
    ...options,
  });
  const spans = traceRequests(server, tracer);
  const url = await listen(server);
  return { url, instrumentation, spans, ...memory };
}

describe('instrumentHttpServer: requests in, records out', () => {
  it('logs raw input, prediction, score, latency and model, and echoes X-Request-ID', async () => {
    const clock = new FakeClock();
    // The handler takes 7 ms of the instrumentation's clock: the latency is measured on it.
    const { url, records, instrumentation } = await start(
      (request, response) => {
        clock.advance(7);
        scoringHandler(request, response);
      },
      { clock },
    );
    const answer = await postJson(
      url,
      '/predict',
      { amount: 700, country: 'PL' },
      { 'x-request-id': 'req-001' },
    );
    expect(answer.status).toBe(200);
    expect(answer.headers['x-request-id']).toBe('req-001');

    const [record] = await records();
    expect(attr(record, 'ml.request.id')).toBe('req-001');
    expect(attr(record, 'ml.model.name')).toBe('fraud');
    expect(attr(record, 'ml.model.version')).toBe('2.1.0');
    expect(attr(record, 'ml.prediction.score')).toBe(0.7);
    expect(attr(record, 'ml.prediction.threshold')).toBe(0.5);
    expect(attr(record, 'ml.prediction.status')).toBe('ok');
    expect(attr(record, 'ml.inference.duration_ms')).toBe(7);
    expect(bodyOf(record).raw_input).toEqual({ amount: 700, country: 'PL' });
    expect(bodyOf(record).prediction).toBe('fraud');
    expect(instrumentation.stats()).toMatchObject({
      requests: 1,
      records: 1,
      errors: 0,
      requestIdsGenerated: 0,
    });
  });

  it('generates a request id when the header is missing or unusable, echoes it and shows it to the handler', async () => {
    const { url, records } = await start(scoringHandler);
    const missing = await postJson(url, '/predict', { amount: 10, country: 'PL' });
    const unusable = await postJson(
      url,
      '/predict',
      { amount: 10, country: 'PL' },
      { 'x-request-id': 'has spaces' },
    );
    const ids = [missing.headers['x-request-id'], unusable.headers['x-request-id']];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[0]).not.toBe(ids[1]);
    // The handler read the header: it saw the generated id, not the unusable one.
    expect((missing.json() as { request_id: string }).request_id).toBe(ids[0]);
    expect((unusable.json() as { request_id: string }).request_id).toBe(ids[1]);
    const logged = await records();
    expect(logged.map((r) => attr(r, 'ml.request.id'))).toEqual(ids);
  });

  it('leaves other routes alone', async () => {
    const { url, records, instrumentation } = await start(scoringHandler);
    const health = await send(url, 'GET', '/healthz');
    const wrongMethod = await send(url, 'PUT', '/predict', '{"amount":1}');
    expect(health.status).toBe(200);
    expect(health.headers['x-request-id']).toBeUndefined();
    expect(wrongMethod.headers['x-request-id']).toBeUndefined();
    expect(await records()).toHaveLength(0);
    expect(instrumentation.stats().requests).toBe(0);
  });

  it('matches :param segments and query strings', async () => {
    const { url, records } = await start(scoringHandler, {
      routes: { '/models/:name/predict': { model: 'any' } },
    });
    await postJson(url, '/models/fraud/predict?explain=1', { amount: 100, country: 'DE' });
    await postJson(url, '/models/fraud/other', { amount: 100, country: 'DE' });
    expect(await records()).toHaveLength(1);
  });

  it('calls every request listener the server had', async () => {
    const { logger, records } = memoryLogger();
    const seen: string[] = [];
    const server = createServer(scoringHandler);
    server.on('request', (request: IncomingMessage) => seen.push(String(request.headers['x-request-id'])));
    servers.push(server);
    instrumentHttpServer(server, { logger, routes: { 'POST /predict': { model: 'fraud' } } });
    const url = await listen(server);
    await postJson(url, '/predict', { amount: 1, country: 'PL' }, { 'x-request-id': 'both' });
    expect(seen).toEqual(['both']);
    expect(await records()).toHaveLength(1);
  });
});

describe('instrumentHttpServer: errors', () => {
  it('logs 4xx and 5xx answers as errors typed by their status, without a prediction', async () => {
    const { url, records, instrumentation } = await start(scoringHandler);
    await send(url, 'POST', '/predict', '{"amount": 12', { 'x-request-id': 'bad-json' });
    await postJson(url, '/predict', { amount: 'x' }, { 'x-request-id': 'bad-amount' });
    await postJson(url, '/predict', { amount: -5 }, { 'x-request-id': 'server-error' });
    const byId = new Map((await records()).map((r) => [attr(r, 'ml.request.id'), r]));
    expect(attr(byId.get('bad-json'), 'error.type')).toBe('400');
    expect(attr(byId.get('bad-amount'), 'error.type')).toBe('422');
    expect(attr(byId.get('server-error'), 'error.type')).toBe('500');
    for (const record of byId.values()) {
      expect(attr(record, 'ml.prediction.status')).toBe('error');
      expect(bodyOf(record).prediction ?? null).toBeNull();
    }
    // Unparseable JSON is logged as the text the service received.
    expect(bodyOf(byId.get('bad-json')).raw_input).toBe('{"amount": 12');
    expect(instrumentation.stats().errors).toBe(3);
  });

  it('logs an error thrown by the handler with its own type, and rethrows it unchanged', async () => {
    const { logger, records } = memoryLogger();
    class ScoringError extends Error {
      override name = 'ScoringError';
    }
    const failure = new ScoringError('model not loaded');
    const listener = instrumentRequestListener(
      () => {
        throw failure;
      },
      { logger, routes: { 'POST /predict': { model: 'fraud' } } },
    );
    let caught: unknown;
    // The outer listener plays the framework that turns a thrown error into a 500.
    const server = createServer((request, response) => {
      try {
        listener(request, response);
      } catch (error) {
        caught = error;
        sendJson(response, 500, { error: 'internal' });
      }
    });
    servers.push(server);
    const url = await listen(server);
    const answer = await postJson(url, '/predict', { amount: 1 }, { 'x-request-id': 'thrown' });
    expect(answer.status).toBe(500);
    expect(caught).toBe(failure);
    const [record] = await records();
    expect(attr(record, 'error.type')).toBe('ScoringError');
    expect(attr(record, 'exception.message')).toBe('model not loaded');
  });

  it('logs a request whose client went away before the answer as aborted', async () => {
    const { promise: arrival, resolve: arrived } = deferred();
    const { promise: connectionClosed, resolve: closed } = deferred();
    // The handler's 'close' listener comes after the capture's, so the capture has seen the close by then.
    const { url, records, instrumentation } = await start((_request, response) => {
      response.on('close', closed);
      arrived();
    });
    const req = httpRequest(`${url}/predict`, { method: 'POST', headers: { 'x-request-id': 'gone' } });
    req.on('error', () => undefined);
    req.write('{"amount": 1}');
    await arrival;
    req.destroy();
    await connectionClosed;
    expect(instrumentation.stats().aborted).toBe(1);
    const [record] = await records();
    expect(attr(record, 'ml.request.id')).toBe('gone');
    expect(attr(record, 'error.type')).toBe('aborted');
  });
});

describe('instrumentHttpServer: body caps and extractors', () => {
  it('logs a marker instead of a request body over maxRequestBodyBytes, with or without content-length', async () => {
    const { url, records, instrumentation } = await start(scoringHandler, { maxRequestBodyBytes: 64 });
    const big = JSON.stringify({ amount: 1, country: 'PL', note: 'x'.repeat(200) });
    await send(url, 'POST', '/predict', big, { 'content-type': 'application/json', 'x-request-id': 'sized' });
    // Chunked: no content-length, so the cap works from the bytes counted as they are read.
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        `${url}/predict`,
        { method: 'POST', headers: { 'x-request-id': 'chunked' } },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.write(big.slice(0, 100));
      req.end(big.slice(100));
    });
    const logged = await records();
    expect(logged).toHaveLength(2);
    for (const record of logged) {
      expect(bodyOf(record).raw_input).toMatch(
        /^\[raw_input not logged: \d+ bytes, over maxRequestBodyBytes\]$/,
      );
      expect(attr(record, 'ml.prediction.score')).toBe(0.001);
    }
    expect(instrumentation.stats().requestBodyOverLimit).toBe(2);
  });

  it('does not read a response over maxResponseBodyBytes, and counts it', async () => {
    const { url, records, instrumentation } = await start(
      (_, response) => sendJson(response, 200, { label: 'legit', score: 0.1, padding: 'y'.repeat(500) }),
      { maxResponseBodyBytes: 100 },
    );
    await postJson(url, '/predict', { amount: 1 });
    const [record] = await records();
    expect(attr(record, 'ml.prediction.status')).toBe('ok');
    expect(attr(record, 'ml.prediction.score')).toBeUndefined();
    expect(instrumentation.stats().responseBodyNotCaptured).toBe(1);
  });

  it('counts an extractor that throws and still logs the request', async () => {
    const { url, records, instrumentation, events } = await start(scoringHandler, {
      routes: {
        'POST /predict': {
          model: 'fraud',
          extractPrediction: () => {
            throw new Error('unexpected shape');
          },
        },
      },
    });
    await postJson(url, '/predict', { amount: 300, country: 'PL' });
    await postJson(url, '/predict', { amount: 400, country: 'PL' });
    const logged = await records();
    expect(logged).toHaveLength(2);
    expect(attr(logged[0], 'ml.prediction.score')).toBeUndefined();
    expect(instrumentation.stats().extractorFailures).toBe(2);
    expect(events.filter((e) => e.code === 'http.extractor_failed')).toHaveLength(1);
  });

  it('uses a custom extractor with the request context', async () => {
    const { url, records } = await start(scoringHandler, {
      routes: {
        'POST /predict': {
          model: 'fraud',
          extractPrediction: (body, context) => ({
            prediction: (body as { label: string }).label.toUpperCase(),
            segment: (context.rawInput as Txn).country,
          }),
        },
      },
    });
    await postJson(url, '/predict', { amount: 900, country: 'SE' });
    const [record] = await records();
    expect(bodyOf(record).prediction).toBe('FRAUD');
    expect(attr(record, 'ml.segment')).toBe('SE');
  });
});

describe('instrumentHttpServer: context', () => {
  it('links each record to the span active when the request arrived', async () => {
    const { url, records, spans } = await start(scoringHandler);
    await postJson(url, '/predict', { amount: 1, country: 'PL' }, { 'x-request-id': 'a' });
    await postJson(url, '/predict', { amount: 2, country: 'PL' }, { 'x-request-id': 'b' });
    const logged = await records();
    expect(spans).toHaveLength(2);
    expect(logged.map((r) => r.spanContext?.traceId)).toEqual(spans.map((s) => s.traceId));
    expect(logged.map((r) => r.spanContext?.spanId)).toEqual(spans.map((s) => s.spanId));
  });

  it('keeps the request scope in callback-style body listeners, and merges annotations', async () => {
    const scopes: Array<string | undefined> = [];
    const { url, records } = await start((request, response) => {
      readBody(request, (text) => {
        scopes.push(activePredictionScope()?.requestId);
        const txn = JSON.parse(text) as Txn;
        annotatePrediction({
          features: { amount: txn.amount, foreign: txn.country !== 'PL' },
          channel: 'web',
        });
        sendJson(response, 200, { label: 'legit', score: 0.2 });
      });
    });
    await postJson(url, '/predict', { amount: 5, country: 'DE' }, { 'x-request-id': 'scoped' });
    expect(scopes).toEqual(['scoped']);
    const [record] = await records();
    expect(bodyOf(record).input_features).toEqual({ amount: 5, foreign: true });
    expect(attr(record, 'ml.channel')).toBe('web');
    expect(attr(record, 'ml.prediction.score')).toBe(0.2);
  });

  it('with logPrediction false, gives instrumented models the request id and logs nothing itself', async () => {
    const { logger } = memoryLogger();
    const memory = memoryLogger();
    void logger;
    const score = instrumentModel(async (txn: Txn) => Math.min(1, txn.amount / 1000), {
      logger: memory.logger,
      name: 'fraud',
      version: '3',
    });
    const server = createServer((request, response) => {
      readBody(request, async (text) => {
        const value = await score(JSON.parse(text) as Txn);
        sendJson(response, 200, { score: value });
      });
    });
    servers.push(server);
    const instrumentation = instrumentHttpServer(server, {
      logger: memory.logger,
      routes: { 'POST /predict': { logPrediction: false } },
    });
    const url = await listen(server);
    const answer = await postJson(
      url,
      '/predict',
      { amount: 250, country: 'PL' },
      { 'x-request-id': 'model-level' },
    );
    expect(answer.headers['x-request-id']).toBe('model-level');
    const logged = await memory.records();
    expect(logged).toHaveLength(1);
    expect(attr(logged[0], 'ml.request.id')).toBe('model-level');
    expect(attr(logged[0], 'ml.model.version')).toBe('3');
    expect(instrumentation.stats()).toMatchObject({ requests: 1, records: 0 });
  });
});

describe('instrumentHttpServer: shadow mode', () => {
  it('runs the challenger on a copy of the request, logging both under one request id and trace', async () => {
    const { promise: challengerRan, resolve: challengerCalled } = deferred();
    const { url, records, instrumentation } = await start(scoringHandler, {
      routes: {
        'POST /predict': {
          model: 'fraud',
          version: '1',
          shadow: {
            name: 'fraud',
            version: '2-candidate',
            predict: (input) => {
              const txn = input as Txn;
              txn.amount = -1;
              challengerCalled();
              return { label: 'legit', score: 0.33 };
            },
          },
        },
      },
    });
    const answer = await postJson(
      url,
      '/predict',
      { amount: 800, country: 'PL' },
      { 'x-request-id': 'shadowed' },
    );
    expect(answer.json()).toMatchObject({ label: 'fraud', score: 0.8 });
    // A synchronous challenger is logged in the same turn it returns, before this continuation runs.
    await challengerRan;
    expect(instrumentation.stats().shadow['POST /predict']?.completed).toBe(1);
    const logged = await records();
    const champion = logged.find((r) => attr(r, 'ml.model.role') === 'champion');
    const challenger = logged.find((r) => attr(r, 'ml.model.role') === 'challenger');
    expect(attr(champion, 'ml.request.id')).toBe('shadowed');
    expect(attr(challenger, 'ml.request.id')).toBe('shadowed');
    expect(attr(challenger, 'ml.model.version')).toBe('2-candidate');
    expect(attr(challenger, 'ml.prediction.score')).toBe(0.33);
    expect(challenger?.spanContext?.traceId).toBe(champion?.spanContext?.traceId);
    // The challenger's mutation of its copy reached neither the champion's record nor the response.
    expect(bodyOf(champion).raw_input).toEqual({ amount: 800, country: 'PL' });
  });

  it('never blocks the response: a hanging challenger times out and a failing one is swallowed', async () => {
    let calls = 0;
    const { promise: bothRan, resolve: bothCalled } = deferred();
    const clock = new FakeClock();
    const { url, records, instrumentation } = await start(scoringHandler, {
      clock,
      routes: {
        'POST /predict': {
          model: 'fraud',
          shadow: {
            name: 'candidate',
            version: '1',
            timeoutMs: 30,
            predict: () => {
              calls++;
              if (calls === 1) return new Promise(() => undefined);
              bothCalled();
              throw new TypeError('candidate crashed');
            },
          },
        },
      },
    });
    const first = await postJson(url, '/predict', { amount: 100, country: 'PL' }, { 'x-request-id': 'hang' });
    const second = await postJson(
      url,
      '/predict',
      { amount: 100, country: 'PL' },
      { 'x-request-id': 'crash' },
    );
    expect([first.status, second.status]).toEqual([200, 200]);
    await bothRan;
    expect(instrumentation.stats().shadow['POST /predict']).toMatchObject({ timedOut: 0, failed: 1 });
    clock.advance(29);
    expect(instrumentation.stats().shadow['POST /predict']?.timedOut).toBe(0);
    clock.advance(1);
    expect(instrumentation.stats().shadow['POST /predict']?.timedOut).toBe(1);
    const challengers = (await records()).filter((r) => attr(r, 'ml.model.role') === 'challenger');
    const byId = new Map(challengers.map((r) => [attr(r, 'ml.request.id'), attr(r, 'error.type')]));
    expect(byId.get('hang')).toBe('timeout');
    expect(byId.get('crash')).toBe('TypeError');
  });

  it('does not shadow error answers', async () => {
    const { url, records, instrumentation } = await start(scoringHandler, {
      routes: { 'POST /predict': { model: 'fraud', shadow: { name: 'c', version: '1', predict: () => 1 } } },
    });
    const answer = await send(url, 'POST', '/predict', 'not json');
    expect(answer.status).toBe(400);
    // The record is logged, and a shadow run would be submitted, when the server closes the response.
    const [record] = await records();
    expect(attr(record, 'error.type')).toBe('400');
    // A submitted challenger would be counted running at once and started one turn later.
    await turn();
    expect(instrumentation.stats().shadow['POST /predict']).toMatchObject({ started: 0, skipped: 0 });
  });
});

describe('instrumentHttpServer: bodies in other charsets', () => {
  /** Reads the body without caring how it is encoded, and answers a fixed prediction. */
  function anyBody(request: IncomingMessage, response: ServerResponse): void {
    request.resume();
    request.on('end', () => sendJson(response, 200, { label: 'legit', score: 0.1 }));
  }

  const payload = { email: 'ann.lee@example.org', card: '4111 1111 1111 1111', note: 'café ☕' };
  const json = JSON.stringify(payload);
  const utf16be = (text: string) => Buffer.from(text, 'utf16le').swap16();
  const bom = (b0: number, b1: number, body: Buffer) => Buffer.concat([Buffer.from([b0, b1]), body]);

  it.each([
    ['UTF-16LE with a BOM', bom(0xff, 0xfe, Buffer.from(json, 'utf16le')), 'application/json'],
    ['UTF-16BE with a BOM', bom(0xfe, 0xff, utf16be(json)), 'application/json'],
    ['UTF-16LE by charset', Buffer.from(json, 'utf16le'), 'application/json; charset=utf-16le'],
    ['UTF-16BE by charset, quoted', utf16be(json), 'application/json; charset="UTF-16BE"'],
    ['UTF-16LE without BOM or charset', Buffer.from(json, 'utf16le'), 'application/json'],
    ['UTF-8 with a BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]), undefined],
  ])('decodes a body in %s before it is logged', async (_name, body, contentType) => {
    const { url, records } = await start(anyBody);
    await send(
      url,
      'POST',
      '/predict',
      body,
      contentType === undefined ? {} : { 'content-type': contentType },
    );
    const [record] = await records();
    expect(bodyOf(record).raw_input).toEqual(payload);
  });

  it('decodes Latin-1 by its charset', async () => {
    const { url, records } = await start(anyBody);
    await send(url, 'POST', '/predict', Buffer.from('name=José Müller', 'latin1'), {
      'content-type': 'text/plain; charset=ISO-8859-1',
    });
    const [record] = await records();
    expect(bodyOf(record).raw_input).toBe('name=José Müller');
  });

  it('logs a body in a charset it cannot decode as a marker, never as text', async () => {
    const { url, records } = await start(anyBody);
    const body = Buffer.from(json, 'utf16le');
    await send(url, 'POST', '/predict', body, { 'content-type': 'application/json; charset=x-foo' });
    await send(url, 'POST', '/predict', body, {
      'content-type': 'text/plain; charset="ann.lee@example.org"',
    });
    const [unknown, odd] = await records();
    expect(bodyOf(unknown).raw_input).toBe(`[body: ${body.length} bytes, charset x-foo not decoded]`);
    // A label that is not a plain token is not repeated.
    expect(bodyOf(odd).raw_input).toBe(`[body: ${body.length} bytes, charset unknown not decoded]`);
  });

  it('keeps no part of a body over the cap: a value straddling maxRequestBodyBytes is not logged', async () => {
    const { url, records } = await start(anyBody, { maxRequestBodyBytes: 64 });
    for (let shift = 1; shift < payload.card.length; shift++) {
      const lead = `{"note":"${'a'.repeat(64 - shift - 19)}","card":"`;
      await postJson(url, '/predict', JSON.parse(`${lead}${payload.card}"}`));
    }
    for (const record of await records()) {
      const text = JSON.stringify(bodyOf(record));
      expect(text).toMatch(/raw_input not logged/);
      expect(text).not.toMatch(/4111|1111/);
    }
  });
});
