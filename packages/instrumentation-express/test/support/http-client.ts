import { request as httpRequest, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, type Tracer, trace } from '@opentelemetry/api';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): unknown;
}

/** One HTTP request to 127.0.0.1; resolves with the whole answer. */
export function send(
  url: string,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: OutgoingHttpHeaders = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function postJson(url: string, path: string, value: unknown, headers: OutgoingHttpHeaders = {}) {
  return send(url, 'POST', path, JSON.stringify(value), { 'content-type': 'application/json', ...headers });
}

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Does what @opentelemetry/instrumentation-http does for a server: every `request` event is
 * emitted inside a new active span. Returns the ids of the spans, in request order.
 */
export function traceRequests(server: Server, tracer: Tracer): Array<{ traceId: string; spanId: string }> {
  const spans: Array<{ traceId: string; spanId: string }> = [];
  const emit = server.emit;
  server.emit = function emitTraced(this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'request') return emit.apply(this, [event, ...args] as unknown as Parameters<typeof emit>);
    const span = tracer.startSpan('HTTP request');
    const { traceId, spanId } = span.spanContext();
    spans.push({ traceId, spanId });
    try {
      return context.with(trace.setSpan(context.active(), span), () =>
        emit.apply(this, [event, ...args] as unknown as Parameters<typeof emit>),
      );
    } finally {
      span.end();
    }
  } as typeof server.emit;
  return spans;
}
