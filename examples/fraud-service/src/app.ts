import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { PredictionLogger } from '@predlog/core';
import { annotatePrediction } from '@predlog/instrumentation-model';
import type { ModelMetrics } from '@predlog/metrics';
import type { FeatureStore } from './feature-store.ts';
import { computeFeatures, type FeatureVector } from './features.ts';
import { MERCHANT_RISK } from './merchant-categories.ts';
import type { FraudModel } from './model.ts';
import { InvalidTransactionError, parseTransaction } from './transaction.ts';

/** The part of the model the server calls; tests swap in one that fails. */
export type Scorer = Pick<FraudModel, 'name' | 'version' | 'threshold' | 'predict' | 'explain'>;

export interface FraudAppOptions {
  readonly model: Scorer;
  readonly store: FeatureStore;
  /**
   * The logger `instrumentHttpServer` records to; `GET /stats` shows its ledger. Unset when predlog
   * is set up from outside the code (`node --import @predlog/register`, src/plain-server.ts): then
   * `GET /stats` is 404.
   */
  readonly logger?: PredictionLogger;
  /** Serving metrics: each `/predict` request is timed and counted, and `GET /metrics` serves them. */
  readonly metrics?: ModelMetrics;
  readonly maxBodyBytes?: number;
}

/** A request the server refuses before it gets to the model. Fixed messages: no request content. */
export class BadRequestError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'BadRequestError';
    this.status = status;
    this.code = code;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Request-ID when it is usable as a join key, otherwise a fresh one. */
export function requestIdOf(request: IncomingMessage): string {
  const header = request.headers['x-request-id'];
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

/**
 * The body as text, refused with 413 past `maxBytes`. The rest of an oversized body is drained, not
 * cut, so the client still reads the 413 instead of a reset connection.
 */
function readBody(request: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    request.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > maxBytes) {
        refused = true;
        chunks.length = 0;
        reject(new BadRequestError(413, 'payload_too_large', `body is larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!refused) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}

async function handlePredict(
  request: IncomingMessage,
  response: ServerResponse,
  options: FraudAppOptions,
  requestId: string,
): Promise<void> {
  const { model, store } = options;
  let features: FeatureVector | undefined;
  try {
    const text = await readBody(request, options.maxBodyBytes ?? 64 * 1024);
    let rawInput: unknown;
    try {
      rawInput = JSON.parse(text);
    } catch {
      // JSON.parse's own message quotes the input, which may be personal data.
      throw new BadRequestError(400, 'invalid_json', 'body is not valid JSON');
    }
    const transaction = parseTransaction(rawInput);
    features = computeFeatures(transaction, store.observe(transaction));
    const { score, label } = model.predict(features);
    const explanation = model.explain(features, 3);
    // The request's record (instrumentHttpServer, src/server.ts, or @predlog/register) has the
    // request id, latency and status already; this adds what only the handler knows, and the body
    // it already parsed.
    annotatePrediction({
      rawInput,
      features,
      prediction: label,
      score,
      threshold: model.threshold,
      explanation,
      channel: transaction.entry_mode,
      segment: `merchant_risk_${MERCHANT_RISK[transaction.merchant_category] ?? 'unknown'}`,
    });
    sendJson(response, 200, {
      request_id: requestId,
      model_version: model.version,
      label,
      score,
      threshold: model.threshold,
      top_features: explanation,
    });
  } catch (error) {
    // A request refused before feature computation logs an empty feature map: the model saw nothing.
    annotatePrediction({ error, features: features ?? {} });
    if (error instanceof InvalidTransactionError) {
      sendJson(response, 400, { request_id: requestId, error: 'invalid_transaction', issues: error.issues });
    } else if (error instanceof BadRequestError) {
      if (error.status === 413) response.setHeader('connection', 'close');
      sendJson(response, error.status, { request_id: requestId, error: error.code, message: error.message });
    } else {
      sendJson(response, 500, { request_id: requestId, error: 'internal_error' });
    }
  }
}

/**
 * The fraud-scoring HTTP server: `POST /predict`, `GET /healthz`, `GET /stats`, and `GET /metrics` when
 * given metrics. Not yet listening.
 */
export function createFraudServer(options: FraudAppOptions): Server {
  return createServer((request, response) => {
    const requestId = requestIdOf(request);
    response.setHeader('x-request-id', requestId);
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/predict') {
      const served = options.metrics?.startRequest({ endpoint: '/predict', model: options.model });
      // 'close' fires for every request, answered or aborted; an unanswered one counts as 499.
      if (served !== undefined)
        response.once('close', () =>
          served.end({ statusCode: response.writableFinished ? response.statusCode : 499 }),
        );
      if (request.method !== 'POST') {
        response.setHeader('allow', 'POST');
        sendJson(response, 405, { request_id: requestId, error: 'method_not_allowed' });
        return;
      }
      handlePredict(request, response, options, requestId).catch(() => {
        // Only a failure to write the response gets here; the connection is gone, nothing to tell.
        response.destroy();
      });
      return;
    }
    if (path === '/metrics' && options.metrics !== undefined) {
      options.metrics.handleScrape(request, response);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendJson(response, 405, { request_id: requestId, error: 'method_not_allowed' });
      return;
    }
    if (path === '/healthz') {
      sendJson(response, 200, {
        status: 'ok',
        model: options.model.name,
        model_version: options.model.version,
      });
    } else if (path === '/stats' && options.logger !== undefined) {
      sendJson(response, 200, options.logger.stats());
    } else {
      sendJson(response, 404, { request_id: requestId, error: 'not_found' });
    }
  });
}
