import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { z } from 'zod';
import type { ExporterFactory } from '../src/contracts.ts';
import { ExportError } from '../src/contracts.ts';
import type { LogRecordLike } from '../src/log-record.ts';
import { BaseExporter } from '../src/otel-adapters.ts';

/**
 * How the sink answers a push:
 * - `up`: stores the lines, answers 200 `{"accepted":n}`;
 * - `hold`: the same, but only once `release()` is called (a sink that takes its time);
 * - `throttle`: 429 with `Retry-After: retryAfterSeconds`, stores nothing;
 * - `reject`: 400 with `rejectMessage`, stores nothing;
 * - `unavailable`: 503, stores nothing;
 * - `garbage`: 200 with a body that is not an acknowledgement, stores nothing;
 * - `reset`: destroys the connection before answering, stores nothing.
 * `goDown()` closes the port itself (connection refused) until `comeBack()`.
 */
export type SinkMode = 'up' | 'hold' | 'throttle' | 'reject' | 'unavailable' | 'garbage' | 'reset';

/** A push endpoint on 127.0.0.1 that counts what it stored by prediction id. */
export class TestSink {
  mode: SinkMode = 'up';
  retryAfterSeconds: number | undefined = 1;
  rejectMessage = 'line too long';
  /** Stored records per prediction id. */
  readonly counts = new Map<string, number>();
  /** Prediction ids in the order they were stored. */
  readonly arrivals: string[] = [];
  /** Requests received, whatever their answer. */
  requests = 0;
  /** Requests in `hold` mode waiting for `release()`. */
  private readonly held: Array<() => void> = [];
  private server: Server;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  private constructor() {
    this.server = this.newServer();
  }

  static async start(): Promise<TestSink> {
    const sink = new TestSink();
    await sink.listen(0);
    return sink;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/push`;
  }

  /** Requests waiting in `hold` mode. */
  get holding(): number {
    return this.held.length;
  }

  /** Answers every held request (as `up`). */
  release(): void {
    for (const go of this.held.splice(0)) go();
  }

  /** Ids stored more than once. */
  duplicates(): string[] {
    return [...this.counts].filter(([, n]) => n > 1).map(([id]) => id);
  }

  /** Stops listening and drops every connection: clients get ECONNREFUSED until `comeBack()`. */
  async goDown(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  async comeBack(): Promise<void> {
    this.server = this.newServer();
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    this.release();
    if (this.server.listening) await this.goDown();
  }

  private newServer(): Server {
    const server = createServer((request, response) => this.handle(request, response));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    return server;
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.requests++;
    // Read with the arrival, so a test switching modes after seeing a request never changes its answer.
    const mode = this.mode;
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (mode === 'hold') await new Promise<void>((resolve) => this.held.push(resolve));
    switch (mode) {
      case 'throttle':
        response
          .writeHead(
            429,
            this.retryAfterSeconds === undefined ? {} : { 'retry-after': String(this.retryAfterSeconds) },
          )
          .end('slow down');
        return;
      case 'reject':
        response.writeHead(400, { 'content-type': 'text/plain' }).end(this.rejectMessage);
        return;
      case 'unavailable':
        response.writeHead(503).end('unavailable');
        return;
      case 'garbage':
        response.writeHead(200, { 'content-type': 'text/html' }).end('<html>proxy error');
        return;
      case 'reset':
        request.socket.destroy();
        return;
    }
    const lines = Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean);
    for (const line of lines) {
      const { id } = JSON.parse(line) as { id: string };
      this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
      this.arrivals.push(id);
    }
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ accepted: lines.length }));
  }
}

/**
 * An exporter that POSTs one JSON line per record and reads the sink's answer the way a real
 * exporter does: 429/5xx and network errors retryable (honouring Retry-After), other 4xx not, and an
 * answer that is not a matching acknowledgement retryable.
 */
export class JsonLinesExporter extends BaseExporter {
  private readonly endpoint: string;

  constructor(id: string, endpoint: string) {
    super(id);
    this.endpoint = endpoint;
  }

  async send(records: readonly LogRecordLike[], signal: AbortSignal): Promise<void> {
    let body = '';
    for (const record of records) {
      body += `${JSON.stringify({ id: record.attributes['ml.prediction.id'], time: record.hrTime })}\n`;
    }
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const response = await fetch(this.endpoint, {
        method: 'POST',
        body,
        signal,
        headers: { 'content-type': 'application/x-ndjson' },
      });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      text = await response.text();
    } catch (error) {
      throw new ExportError('network error', { retryable: true, cause: error });
    }
    if (status === 429 || status >= 500) {
      const seconds = retryAfter === null ? Number.NaN : Number(retryAfter);
      throw new ExportError(`HTTP ${status}`, {
        retryable: true,
        throttled: status === 429,
        ...(Number.isFinite(seconds) ? { retryAfterMs: seconds * 1000 } : {}),
      });
    }
    if (status >= 400) throw new ExportError(`HTTP ${status}: ${text.slice(0, 200)}`, { retryable: false });
    let accepted: unknown;
    try {
      accepted = (JSON.parse(text) as { accepted?: unknown }).accepted;
    } catch {
      accepted = undefined;
    }
    if (accepted !== records.length) throw new ExportError('malformed response', { retryable: true });
  }
}

export const jsonLinesConfigSchema = z.strictObject({ endpoint: z.string().min(1) });

export const jsonLinesExporterFactory: ExporterFactory<typeof jsonLinesConfigSchema> = {
  kind: 'exporter',
  type: 'jsonlines',
  configSchema: jsonLinesConfigSchema,
  create: (config, services) => new JsonLinesExporter(services.id, config.endpoint),
};
