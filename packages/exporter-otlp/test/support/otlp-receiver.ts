import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';

export interface DecodedLogRecord {
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber?: number;
  severityText?: string;
  body: unknown;
  attributes: Record<string, unknown>;
  traceId?: string;
  spanId?: string;
  flags?: number;
  eventName?: string;
}

export interface DecodedScopeLogs {
  scope: { name: string; version?: string };
  logRecords: DecodedLogRecord[];
}

export interface DecodedResourceLogs {
  resource: Record<string, unknown>;
  scopeLogs: DecodedScopeLogs[];
}

export interface ReceivedExport {
  path: string;
  headers: IncomingHttpHeaders;
  /** Body bytes as received (compressed when gzip). */
  body: Buffer;
  resourceLogs: DecodedResourceLogs[];
}

export type Reply =
  | { status: number; headers?: Record<string, string>; body?: string | Buffer }
  | { garbage: Buffer }
  | { hang: true };

const protoRoot = fileURLToPath(new URL('../fixtures/otlp/', import.meta.url));

async function loadRequestType(): Promise<protobuf.Type> {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(protoRoot, target);
  await root.load('opentelemetry/proto/collector/logs/v1/logs_service.proto');
  return root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest');
}
const requestType = loadRequestType();

type Wire = Record<string, unknown>;

/** An OTLP AnyValue ({stringValue: ...}, {kvlistValue: {values: [...]}}...) as a plain JS value. */
function anyValue(value: Wire | undefined, ids: 'base64' | 'hex'): unknown {
  if (value === undefined) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('bytesValue' in value) return { bytes: value.bytesValue };
  if ('arrayValue' in value) {
    const values = ((value.arrayValue as Wire | undefined)?.values ?? []) as Wire[];
    return values.map((v) => anyValue(v, ids));
  }
  if ('kvlistValue' in value)
    return keyValues(((value.kvlistValue as Wire | undefined)?.values ?? []) as Wire[], ids);
  return null;
}

function keyValues(list: Wire[] | undefined, ids: 'base64' | 'hex'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) out[kv.key as string] = anyValue(kv.value as Wire | undefined, ids);
  return out;
}

function id(value: unknown, encoding: 'base64' | 'hex'): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  return encoding === 'hex' ? value : Buffer.from(value, 'base64').toString('hex');
}

/** Normalises the protobuf (ids as base64 bytes) and JSON (ids as hex) forms to one shape. */
function normalise(message: Wire, ids: 'base64' | 'hex'): DecodedResourceLogs[] {
  return ((message.resourceLogs ?? []) as Wire[]).map((rl) => ({
    resource: keyValues((rl.resource as Wire | undefined)?.attributes as Wire[] | undefined, ids),
    scopeLogs: ((rl.scopeLogs ?? []) as Wire[]).map((sl) => {
      const scope = (sl.scope ?? {}) as Wire;
      return {
        scope: {
          name: scope.name as string,
          ...(scope.version === undefined ? {} : { version: scope.version as string }),
        },
        logRecords: ((sl.logRecords ?? []) as Wire[]).map((lr) => {
          const record: DecodedLogRecord = {
            timeUnixNano: String(lr.timeUnixNano),
            observedTimeUnixNano: String(lr.observedTimeUnixNano),
            body: anyValue(lr.body as Wire | undefined, ids),
            attributes: keyValues(lr.attributes as Wire[] | undefined, ids),
          };
          if (lr.severityNumber !== undefined) record.severityNumber = Number(lr.severityNumber);
          if (lr.severityText !== undefined) record.severityText = lr.severityText as string;
          const traceId = id(lr.traceId, ids);
          if (traceId !== undefined) record.traceId = traceId;
          const spanId = id(lr.spanId, ids);
          if (spanId !== undefined) record.spanId = spanId;
          if (lr.flags !== undefined) record.flags = Number(lr.flags);
          if (lr.eventName !== undefined) record.eventName = lr.eventName as string;
          return record;
        }),
      };
    }),
  }));
}

export interface OtlpReceiver {
  readonly url: string;
  readonly requests: ReceivedExport[];
  /** Decides the reply (default 200 with an empty body). Requests are recorded whatever the reply. */
  reply: (request: ReceivedExport, index: number) => Reply;
  /** Every log record with its resource, in arrival order. */
  records(): Array<DecodedLogRecord & { resource: Record<string, unknown>; scope: string }>;
  close(): Promise<void>;
}

/**
 * An OTLP/HTTP logs receiver on 127.0.0.1 (port 0): decodes `application/x-protobuf` bodies as
 * `ExportLogsServiceRequest` with the OTLP protos, and `application/json` bodies as OTLP JSON.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const sockets = new Set<Socket>();
  const receiver: OtlpReceiver = {
    url: '',
    requests: [],
    reply: () => ({ status: 200 }),
    records: () =>
      receiver.requests.flatMap((request) =>
        request.resourceLogs.flatMap((rl) =>
          rl.scopeLogs.flatMap((sl) =>
            sl.logRecords.map((record) => ({ ...record, resource: rl.resource, scope: sl.scope.name })),
          ),
        ),
      ),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const raw = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
        let resourceLogs: DecodedResourceLogs[];
        const protobufBody = req.headers['content-type'] === 'application/x-protobuf';
        if (protobufBody) {
          const type = await requestType;
          const message = type.toObject(type.decode(raw), { longs: String, bytes: String, defaults: false });
          resourceLogs = normalise(message, 'base64');
        } else {
          resourceLogs = normalise(JSON.parse(raw.toString('utf8')) as Wire, 'hex');
        }
        const request: ReceivedExport = { path: req.url ?? '', headers: req.headers, body, resourceLogs };
        const index = receiver.requests.push(request) - 1;
        const reply = receiver.reply(request, index);
        if ('hang' in reply) return;
        if ('garbage' in reply) {
          req.socket.end(reply.garbage);
          return;
        }
        res.writeHead(reply.status, {
          'content-type': protobufBody ? 'application/x-protobuf' : 'application/json',
          ...reply.headers,
        });
        res.end(reply.body ?? (protobufBody ? '' : '{}'));
      })().catch((error: unknown) => {
        res.writeHead(599);
        res.end(`receiver could not decode the request: ${String(error)}`);
      });
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  (receiver as { url: string }).url = `http://127.0.0.1:${port}`;
  return receiver;
}
