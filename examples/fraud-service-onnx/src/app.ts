import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FeatureStore } from '@predlog/example-fraud-service/feature-store';
import { computeFeatures } from '@predlog/example-fraud-service/features';
import { InvalidTransactionError, parseTransaction } from '@predlog/example-fraud-service/transaction';
import { type HttpInstrumentation, instrumentHttpServer } from '@predlog/instrumentation-http';
import type { PredictionRecorder } from '@predlog/instrumentation-model';
import type { OnnxFraudScorer } from './onnx-scorer.ts';

export interface OnnxFraudAppOptions {
  readonly scorer: OnnxFraudScorer;
  readonly store: FeatureStore;
  readonly logger: PredictionRecorder;
  readonly maxBodyBytes?: number;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

async function readBody(request: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function handlePredict(
  request: IncomingMessage,
  response: ServerResponse,
  options: OnnxFraudAppOptions,
) {
  // instrumentHttpServer has put a usable id in the header (the caller's, or a generated one).
  const requestId = String(request.headers['x-request-id']);
  const text = await readBody(request, options.maxBodyBytes ?? 64 * 1024);
  if (text === undefined)
    return sendJson(response, 413, { request_id: requestId, error: 'payload_too_large' });
  let transaction: ReturnType<typeof parseTransaction>;
  try {
    transaction = parseTransaction(JSON.parse(text));
  } catch (error) {
    return error instanceof InvalidTransactionError
      ? sendJson(response, 400, { request_id: requestId, error: 'invalid_transaction', issues: error.issues })
      : sendJson(response, 400, { request_id: requestId, error: 'invalid_json' });
  }
  const features = computeFeatures(transaction, options.store.observe(transaction));
  const { score, label } = await options.scorer.score(features);
  sendJson(response, 200, {
    request_id: requestId,
    model_version: options.scorer.version,
    label,
    score,
    threshold: options.scorer.threshold,
  });
}

/**
 * `POST /predict` scored by the ONNX model, `GET /healthz`. The one line of set-up for logging is
 * `instrumentHttpServer`: request ids, trace ids and the prediction scope for `/predict`; the
 * instrumented onnxruntime session logs each run under the request's id (logPrediction: false, so
 * a request is logged once, by the model).
 */
export function createOnnxFraudServer(options: OnnxFraudAppOptions): {
  server: Server;
  http: HttpInstrumentation;
} {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/predict' && request.method === 'POST') {
      handlePredict(request, response, options).catch(() => {
        if (!response.headersSent) sendJson(response, 500, { error: 'internal_error' });
        else response.destroy();
      });
    } else if (path === '/healthz') {
      sendJson(response, 200, { status: 'ok', model: 'fraud', model_version: options.scorer.version });
    } else {
      sendJson(response, 404, { error: 'not_found' });
    }
  });
  const http = instrumentHttpServer(server, {
    logger: options.logger,
    routes: { 'POST /predict': { logPrediction: false } },
  });
  return { server, http };
}
