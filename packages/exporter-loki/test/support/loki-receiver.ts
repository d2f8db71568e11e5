import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { uncompress } from 'snappyjs';

/** A push as Loki's distributor sees it after decoding, whatever the wire format. */
export interface DecodedPush {
  streams: DecodedStream[];
}

export interface DecodedStream {
  labels: Record<string, string>;
  /** The labels text exactly as sent (protobuf only). */
  labelsText?: string;
  entries: DecodedEntry[];
}

export interface DecodedEntry {
  /** Nanoseconds since the epoch, as a decimal string. */
  ns: string;
  line: string;
  metadata: Record<string, string>;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Body bytes as received (compressed). */
  body: Buffer;
  /** Size of the body after snappy/gzip decompression. */
  uncompressedBytes: number;
  push: DecodedPush;
}

/** What the receiver answers: a status (with headers and body), raw bytes that are not HTTP, or nothing. */
export type Reply =
  | { status: number; headers?: Record<string, string>; body?: string | Buffer }
  | { garbage: Buffer }
  | { hang: true };

const protoFile = fileURLToPath(new URL('../fixtures/loki-push.proto', import.meta.url));
const rootPromise = protobuf.load(protoFile);

/**
 * Parses `{name="value", ...}` as Loki's label parser does (Prometheus selector syntax, double-quoted
 * values with \\, \" and \n escapes). Throws on anything else, so a malformed label string fails the test.
 */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const pattern = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  if (!text.startsWith('{') || !text.endsWith('}')) throw new Error(`labels not in braces: ${text}`);
  const inner = text.slice(1, -1);
  pattern.lastIndex = 0;
  while (pattern.lastIndex < inner.length) {
    const match = pattern.exec(inner);
    if (match === null) throw new Error(`malformed labels: ${text}`);
    const name = match[1] as string;
    labels[name] = (match[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    if (match[3] === '') break;
  }
  return labels;
}

interface ProtoEntry {
  timestamp?: { seconds?: string; nanos?: number };
  line?: string;
  structuredMetadata?: Array<{ name: string; value: string }>;
}

async function decodeProtobuf(raw: Buffer): Promise<DecodedPush> {
  const type = (await rootPromise).lookupType('logproto.PushRequest');
  const message = type.toObject(type.decode(raw), { longs: String, defaults: false }) as {
    streams?: Array<{ labels: string; entries?: ProtoEntry[] }>;
  };
  return {
    streams: (message.streams ?? []).map((stream) => ({
      labels: parseLabels(stream.labels),
      labelsText: stream.labels,
      entries: (stream.entries ?? []).map((entry) => {
        const seconds = BigInt(entry.timestamp?.seconds ?? '0');
        const nanos = BigInt(entry.timestamp?.nanos ?? 0);
        return {
          ns: String(seconds * 1_000_000_000n + nanos),
          line: entry.line ?? '',
          metadata: Object.fromEntries((entry.structuredMetadata ?? []).map((p) => [p.name, p.value])),
        };
      }),
    })),
  };
}

function decodeJson(raw: Buffer): DecodedPush {
  const message = JSON.parse(raw.toString('utf8')) as {
    streams: Array<{
      stream: Record<string, string>;
      values: Array<[string, string, Record<string, string>?]>;
    }>;
  };
  return {
    streams: message.streams.map((stream) => ({
      labels: stream.stream,
      entries: stream.values.map(([ns, line, metadata]) => ({ ns, line, metadata: metadata ?? {} })),
    })),
  };
}

export interface LokiReceiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Decides the reply to each request (default: 204). Requests are recorded whatever the reply. */
  reply: (request: ReceivedRequest, index: number) => Reply;
  /** Every decoded entry with its stream's labels, in arrival order. */
  entries(): Array<DecodedEntry & { labels: Record<string, string> }>;
  close(): Promise<void>;
}

/**
 * A Loki push endpoint on 127.0.0.1 (port 0) that decodes what it receives with the real wire
 * format: snappy + `logproto.PushRequest` for `application/x-protobuf`, JSON (gzip when
 * `Content-Encoding: gzip`) otherwise.
 */
export async function startLokiReceiver(tls?: { cert: Buffer; key: Buffer }): Promise<LokiReceiver> {
  const sockets = new Set<Socket>();
  const receiver: LokiReceiver = {
    url: '',
    requests: [],
    reply: () => ({ status: 204 }),
    entries: () =>
      receiver.requests.flatMap((request) =>
        request.push.streams.flatMap((stream) =>
          stream.entries.map((entry) => ({ ...entry, labels: stream.labels })),
        ),
      ),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const handle = (req: import('node:http').IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        let raw: Buffer;
        let push: DecodedPush;
        if (req.headers['content-type'] === 'application/x-protobuf') {
          raw = Buffer.from(uncompress(body));
          push = await decodeProtobuf(raw);
        } else {
          raw = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
          push = decodeJson(raw);
        }
        const request: ReceivedRequest = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body,
          uncompressedBytes: raw.length,
          push,
        };
        const index = receiver.requests.push(request) - 1;
        const reply = receiver.reply(request, index);
        if ('hang' in reply) return;
        if ('garbage' in reply) {
          req.socket.end(reply.garbage);
          return;
        }
        res.writeHead(reply.status, reply.headers);
        res.end(reply.body);
      })().catch((error: unknown) => {
        res.writeHead(599);
        res.end(`receiver could not decode the request: ${String(error)}`);
      });
    });
  };
  const server: Server = tls === undefined ? createServer(handle) : createHttpsServer(tls, handle);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  (receiver as { url: string }).url = `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`;
  return receiver;
}
