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

type ReceivedRecord = DecodedLogRecord & { resource: Record<string, unknown>; scope: string };

/** Every log record of the requests with its resource and scope, in arrival order. */
function recordsOf(requests: readonly ReceivedExport[]): ReceivedRecord[] {
  return requests.flatMap((request) =>
    request.resourceLogs.flatMap((rl) =>
      rl.scopeLogs.flatMap((sl) =>
        sl.logRecords.map((record) => ({ ...record, resource: rl.resource, scope: sl.scope.name })),
      ),
    ),
  );
}

export interface OtlpReceiver {
  readonly url: string;
  readonly requests: ReceivedExport[];
  /** Decides the reply (default 200 with an empty body). Requests are recorded whatever the reply. */
  reply: (request: ReceivedExport, index: number) => Reply;
  /** Every log record with its resource, in arrival order. */
  records(): ReceivedRecord[];
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
    records: () => recordsOf(receiver.requests),
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

export interface OtlpGrpcReceiver {
  /** `http://127.0.0.1:<port>`, the server address the gRPC exporter takes. */
  readonly url: string;
  readonly requests: ReceivedExport[];
  /** Decides the reply: 0 (OK) or a gRPC status code such as 14 (UNAVAILABLE). Default OK. */
  reply: (request: ReceivedExport, index: number) => number;
  records(): ReceivedRecord[];
  close(): Promise<void>;
}

/**
 * An OTLP/gRPC logs receiver on 127.0.0.1: the real `LogsService/Export` method served by
 * `@grpc/grpc-js`, its request decoded with the OTLP protos (`ExportLogsServiceRequest`) and
 * answered with an encoded `ExportLogsServiceResponse`.
 */
export async function startOtlpGrpcReceiver(): Promise<OtlpGrpcReceiver> {
  const grpc = await import('@grpc/grpc-js');
  const type = await requestType;
  const responseType = type.root.lookupType(
    'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse',
  );
  const server = new grpc.Server();
  const receiver: OtlpGrpcReceiver = {
    url: '',
    requests: [],
    reply: () => 0,
    records: () => recordsOf(receiver.requests),
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000).unref();
      }),
  };
  const path = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';
  const service = {
    Export: {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: (value: Buffer) => value,
      requestDeserialize: (bytes: Buffer) => bytes,
      responseSerialize: (value: Buffer) => value,
      responseDeserialize: (bytes: Buffer) => bytes,
    },
  };
  server.addService(service, {
    Export: (
      call: { request: Buffer; metadata: { getMap(): Record<string, unknown> } },
      callback: (error: { code: number; details: string } | null, value?: Buffer) => void,
    ) => {
      const message = type.toObject(type.decode(call.request), {
        longs: String,
        bytes: String,
        defaults: false,
      });
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(call.metadata.getMap())) headers[key] = String(value);
      const request: ReceivedExport = {
        path,
        headers,
        body: call.request,
        resourceLogs: normalise(message, 'base64'),
      };
      const index = receiver.requests.push(request) - 1;
      const code = receiver.reply(request, index);
      if (code === 0) callback(null, Buffer.from(responseType.encode(responseType.create({})).finish()));
      else callback({ code, details: `receiver answered status ${code}` });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error === null ? resolve(bound) : reject(error),
    ),
  );
  (receiver as { url: string }).url = `http://127.0.0.1:${port}`;
  return receiver;
}

/** What Loki indexes by default from an OTLP resource (Loki 3.x `otlp_config` defaults). */
export const LOKI_DEFAULT_INDEX_LABELS: readonly string[] = [
  'service.name',
  'service.namespace',
  'service.instance.id',
  'deployment.environment',
  'deployment.environment.name',
  'cloud.region',
  'cloud.availability_zone',
  'k8s.cluster.name',
  'k8s.namespace.name',
  'k8s.pod.name',
  'k8s.container.name',
  'container.name',
  'k8s.replicaset.name',
  'k8s.deployment.name',
  'k8s.statefulset.name',
  'k8s.daemonset.name',
  'k8s.cronjob.name',
  'k8s.job.name',
];

/** A log entry as Loki stores an OTLP record: what a Loki user queries. */
export interface LokiEntry {
  labels: Record<string, string>;
  structuredMetadata: Record<string, string>;
  line: string;
  timestampNs: string;
}

/** Loki's name normalisation: every character outside `[a-zA-Z0-9_]` becomes `_`. */
function lokiName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

function flatten(
  prefix: string,
  value: unknown,
  out: Record<string, string>,
  extractedSuffix: Set<string>,
): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !('bytes' in value)) {
    for (const [key, inner] of Object.entries(value))
      flatten(`${prefix}_${lokiName(key)}`, inner, out, extractedSuffix);
    return;
  }
  const name = extractedSuffix.has(prefix) ? `${prefix}_extracted` : prefix;
  out[name] = typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Loki's documented OTLP-to-Loki mapping, applied to a decoded record: resource attributes in
 * `indexLabels` become index labels, the other resource attributes and every log attribute become
 * structured metadata (names normalised, maps flattened with `_`, a log attribute whose name is an
 * index label gets `_extracted`), trace and span ids and severity become metadata, the line is the
 * body (a string as is, anything else as its JSON), and the OTLP `event_name` field is dropped.
 */
export function asLokiEntry(
  record: DecodedLogRecord & { resource: Record<string, unknown> },
  indexLabels: readonly string[] = LOKI_DEFAULT_INDEX_LABELS,
): LokiEntry {
  const labels: Record<string, string> = {};
  const structuredMetadata: Record<string, string> = {};
  const indexed = new Set(indexLabels);
  for (const [key, value] of Object.entries(record.resource)) {
    if (indexed.has(key)) labels[lokiName(key)] = String(value);
    else flatten(lokiName(key), value, structuredMetadata, new Set());
  }
  const clashes = new Set(Object.keys(labels));
  for (const [key, value] of Object.entries(record.attributes)) {
    flatten(lokiName(key), value, structuredMetadata, clashes);
  }
  if (record.traceId !== undefined) structuredMetadata.trace_id = record.traceId;
  if (record.spanId !== undefined) structuredMetadata.span_id = record.spanId;
  if (record.severityText !== undefined) structuredMetadata.severity_text = record.severityText;
  const body = record.body;
  const line =
    body === undefined || body === null ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const time = record.timeUnixNano !== '0' ? record.timeUnixNano : record.observedTimeUnixNano;
  return { labels, structuredMetadata, line, timestampNs: time };
}
