import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ExportError, type LogRecordLike } from '@predlog/core';
import {
  deferred,
  expectedLine,
  predictionBatch,
  predictionLogRecord,
  type TempDir,
  type TestServices,
  tempDir,
  testServices,
} from '@predlog/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LokiExporter, type LokiExporterConfigInput, lokiExporterConfigSchema } from '../src/index.ts';
import { grouped, ingesterReport, tooOld } from './support/loki-answers.ts';
import { type LokiReceiver, startLokiReceiver } from './support/loki-receiver.ts';

let receiver: LokiReceiver;
let env: TestServices;
let dir: TempDir;
const exporters: LokiExporter[] = [];
const signal = new AbortController().signal;

beforeEach(async () => {
  receiver = await startLokiReceiver();
  dir = await tempDir('predlog-loki-');
  env = testServices({ id: 'loki', baseDir: dir.path });
});

afterEach(async () => {
  for (const exporter of exporters.splice(0)) await exporter.shutdown();
  await receiver.close();
  await dir.remove();
});

function exporter(config: Partial<LokiExporterConfigInput> = {}, url = receiver.url): LokiExporter {
  const created = new LokiExporter(
    lokiExporterConfigSchema.parse({ endpoint: url, ...config }),
    env.services,
  );
  exporters.push(created);
  return created;
}

async function rejection(promise: Promise<unknown>): Promise<ExportError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ExportError);
    return error as ExportError;
  }
  throw new Error('expected the send to reject');
}

/** Request ids of the entries of one received push. */
function ids(request: {
  push: { streams: Array<{ entries: Array<{ metadata: Record<string, string> }> }> };
}) {
  return request.push.streams.flatMap((s) => s.entries.map((e) => e.metadata.request_id as string));
}

/** Positions a failed send settled (accepted or refused), per core's partial-success contract. */
function settledPositions(size: number, error: ExportError): Set<number> {
  const settled = new Set<number>(error.accepted);
  for (let i = 0; i < Math.min(size, error.acceptedCount); i++) settled.add(i);
  for (const { index } of error.rejected) settled.add(index);
  return settled;
}

/** Request ids of the records a failed send says Loki accepted. */
function settledIds(records: readonly LogRecordLike[], error: ExportError): string[] {
  const refused = new Set(error.rejected.map((r) => r.index));
  const settled = settledPositions(records.length, error);
  return records
    .filter((_, i) => settled.has(i) && !refused.has(i))
    .map((r) => r.attributes['ml.request.id'] as string);
}

/** What core's queue sends again after `error`: the records not settled, in order, as a new array. */
function notTaken(records: readonly LogRecordLike[], error: ExportError): LogRecordLike[] {
  const settled = settledPositions(records.length, error);
  return records.filter((_, i) => !settled.has(i));
}

describe('LokiExporter protobuf + snappy (default)', () => {
  it('pushes streams with low-cardinality labels, ids as structured metadata and the stored form as the line', async () => {
    const fraud = predictionLogRecord(
      { request_id: 'req-a', prediction_id: 'pred-a', model_name: 'fraud', model_version: '2.0.0' },
      {
        hrTime: [1769860800, 123456789],
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        extraAttributes: { 'ml.retention.class': 'audit' },
      },
    );
    const churn = predictionLogRecord(
      { request_id: 'req-b', prediction_id: 'pred-b', model_name: 'churn', model_version: '1.1.0' },
      { hrTime: [1769860801, 5] },
    );
    await exporter({ tenant: 'ml-team', basicAuth: { username: 'predlog', password: 's3cret' } }).send(
      [fraud, churn],
      signal,
    );

    // One stream per push, so Loki's answer about a push is about one stream.
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests.map((r) => r.push.streams.length)).toEqual([1, 1]);
    const request = receiver.requests[0]!;
    expect(request.path).toBe('/loki/api/v1/push');
    expect(request.headers['content-type']).toBe('application/x-protobuf');
    expect(request.headers['x-scope-orgid']).toBe('ml-team');
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from('predlog:s3cret').toString('base64')}`);
    expect(receiver.requests.flatMap((r) => r.push.streams.map((s) => s.labels))).toEqual([
      {
        env: 'prod',
        event: 'ml.prediction',
        model_name: 'fraud',
        model_version: '2.0.0',
        retention: 'audit',
        service_name: 'fraud-service',
      },
      {
        env: 'prod',
        event: 'ml.prediction',
        model_name: 'churn',
        model_version: '1.1.0',
        service_name: 'fraud-service',
      },
    ]);
    expect(request.push.streams[0]?.labelsText).toBe(
      '{env="prod", event="ml.prediction", model_name="fraud", model_version="2.0.0", retention="audit", service_name="fraud-service"}',
    );
    const [a, b] = receiver.entries();
    expect(a?.ns).toBe('1769860800123456789');
    expect(b?.ns).toBe('1769860801000000005');
    expect(a?.metadata).toEqual({
      request_id: 'req-a',
      prediction_id: 'pred-a',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
      serving_node: 'node-1',
    });
    expect(a?.line).toBe(expectedLine(fraud));
    expect(b?.line).toBe(expectedLine(churn));
    // What `{model_name="fraud"} | json | request_id="req-a"` reads.
    expect(JSON.parse(a?.line ?? '')).toMatchObject({
      request_id: 'req-a',
      model_name: 'fraud',
      score: 0.12,
    });
    expect(env.diagnostics).toEqual([]);
  });

  it('puts the entries of each stream in timestamp order, keeping arrival order for equal times', async () => {
    const records = [
      predictionLogRecord({ request_id: 'late' }, { hrTime: [1769860802, 0] }),
      predictionLogRecord({ request_id: 'early' }, { hrTime: [1769860800, 999] }),
      predictionLogRecord({ request_id: 'tie-1' }, { hrTime: [1769860801, 0] }),
      predictionLogRecord({ request_id: 'tie-2' }, { hrTime: [1769860801, 0] }),
      predictionLogRecord({ request_id: 'middle' }, { hrTime: [1769860800, 1000] }),
    ];
    await exporter().send(records, signal);
    const entries = receiver.entries();
    expect(entries.map((e) => e.metadata.request_id)).toEqual(['early', 'middle', 'tie-1', 'tie-2', 'late']);
    expect(entries.map((e) => e.ns)).toEqual([
      '1769860800000000999',
      '1769860800000001000',
      '1769860801000000000',
      '1769860801000000000',
      '1769860802000000000',
    ]);
  });

  it('escapes label values and falls back to service_name="unknown_service" when a record has no label', async () => {
    const quoted = predictionLogRecord({ model_name: 'fraud "v2"\\eu\nnew' });
    const bare = predictionLogRecord({}, { resource: resourceFromAttributes({}) });
    delete (bare.attributes as Record<string, unknown>)['ml.model.name'];
    delete (bare.attributes as Record<string, unknown>)['ml.model.version'];
    await exporter({ labels: ['model_name'] }).send([quoted, bare], signal);
    expect(receiver.requests.flatMap((r) => r.push.streams.map((s) => s.labels))).toEqual([
      { model_name: 'fraud "v2"\\eu\nnew' },
      { service_name: 'unknown_service' },
    ]);
  });

  it('adds static labels and custom headers, and sends a bearer token', async () => {
    await exporter({
      labels: ['model_name'],
      staticLabels: { cluster: 'eu-1' },
      headers: { 'X-Team': 'risk' },
      bearerToken: 'tok-123',
      structuredMetadata: [],
    }).send([predictionLogRecord()], signal);
    const request = receiver.requests[0]!;
    expect(request.push.streams[0]?.labels).toEqual({ cluster: 'eu-1', model_name: 'fraud' });
    expect(request.push.streams[0]?.entries[0]?.metadata).toEqual({});
    expect(request.headers.authorization).toBe('Bearer tok-123');
    expect(request.headers['x-team']).toBe('risk');
  });

  it('splits a batch into requests under maxRequestBytes, each record once and in order', async () => {
    const records = predictionBatch(400, { raw_input: { note: 'x'.repeat(600) } });
    await exporter({ maxRequestBytes: 65_536, maxLineBytes: 16_384 }).send(records, signal);
    expect(receiver.requests.length).toBeGreaterThan(3);
    for (const request of receiver.requests) expect(request.uncompressedBytes).toBeLessThanOrEqual(65_536);
    const ids = receiver.entries().map((e) => e.metadata.request_id);
    expect(ids).toEqual(records.map((_, i) => `req-${i}`));
    expect(receiver.entries().map((e) => e.line)).toEqual(records.map(expectedLine));
  });

  it('truncates lines over maxLineBytes to valid JSON with a marker, and counts them', async () => {
    const long = predictionLogRecord({ request_id: 'big', raw_input: { text: 'é'.repeat(3000) } });
    const ordinary = predictionLogRecord({ request_id: 'small' });
    const loki = exporter({ maxLineBytes: 1024, oversizedLines: 'truncate' });
    await loki.send([long, ordinary], signal);
    const [first, second] = receiver.entries();
    expect(Buffer.byteLength(first?.line ?? '')).toBeLessThanOrEqual(1024);
    const parsed = JSON.parse(first?.line ?? '') as Record<string, unknown>;
    expect(parsed.request_id).toBe('big');
    expect(parsed.model_name).toBe('fraud');
    expect(parsed.raw_input).toMatch(/^\[truncated: line of \d+ bytes over maxLineBytes\]$/);
    expect(parsed.truncated_bytes).toBeGreaterThan(6000);
    expect(second?.line).toBe(expectedLine(ordinary));
    expect(loki.stats().linesTruncated).toBe(1);
    expect(env.metrics.sum('predlog.exporter.loki.lines_truncated')).toBe(1);
    expect(env.diagnostics.map((d) => d.code)).toEqual(['loki.line_truncated.loki']);
  });

  it('cuts a line that is still too long as text, on a character boundary, with a marker', async () => {
    // Many short fields: nothing bulky to replace, so only cutting the text brings it under the limit.
    const record = predictionLogRecord();
    record.setBody(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`note_${i}`, 'é'.repeat(100)])));
    await exporter({ maxLineBytes: 1024, oversizedLines: 'truncate', structuredMetadata: [] }).send(
      [record],
      signal,
    );
    const line = receiver.entries()[0]?.line ?? '';
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(1024);
    expect(line).toMatch(/…\[truncated \d+ bytes\]$/);
    expect(line).not.toContain('\uFFFD');
  });

  it('sends the same bytes whether snappy runs on the worker thread or the event loop', async () => {
    const records = predictionBatch(300);
    await exporter({ compressInWorker: true }).send(records, signal);
    await exporter({ compressInWorker: false }).send(records, signal);
    const [onWorker, inline] = receiver.requests;
    expect(onWorker?.body.equals(inline?.body ?? Buffer.alloc(0))).toBe(true);
    expect(onWorker?.push).toEqual(inline?.push);
  });

  it('counts what was sent: records, wire bytes and uncompressed bytes', async () => {
    const loki = exporter();
    await loki.send(predictionBatch(50), signal);
    const stats = loki.stats();
    expect(stats.recordsSent).toBe(50);
    expect(stats.requestsSucceeded).toBe(1);
    expect(stats.bytesSent).toBe(receiver.requests[0]?.body.length);
    expect(stats.bytesUncompressed).toBe(receiver.requests[0]?.uncompressedBytes);
    expect(stats.bytesSent).toBeLessThan(stats.bytesUncompressed);
    expect(env.metrics.byAttribute.get('predlog.exporter.loki.requests{outcome=success}')).toBe(1);
  });
});

describe('LokiExporter JSON', () => {
  for (const gzip of [false, true]) {
    it(`pushes the same streams, lines, timestamps and metadata as JSON${gzip ? ' (gzip)' : ''}`, async () => {
      const records = [
        predictionLogRecord({ request_id: 'r2' }, { hrTime: [1769860800, 2] }),
        predictionLogRecord({ request_id: 'r1' }, { hrTime: [1769860800, 1] }),
        predictionLogRecord({ request_id: 'r3', model_name: 'churn' }, { hrTime: [1769860799, 7] }),
      ];
      await exporter({ encoding: 'json', gzip, tenant: 't1' }).send(records, signal);
      const request = receiver.requests[0]!;
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['content-encoding']).toBe(gzip ? 'gzip' : undefined);
      expect(request.headers['x-scope-orgid']).toBe('t1');
      expect(receiver.requests.flatMap((r) => r.push.streams.map((s) => s.labels.model_name))).toEqual([
        'fraud',
        'churn',
      ]);
      expect(request.push.streams[0]?.labels).toEqual({
        env: 'prod',
        event: 'ml.prediction',
        model_name: 'fraud',
        model_version: '1.0.0',
        service_name: 'fraud-service',
      });
      const entries = receiver.entries();
      expect(entries.map((e) => e.ns)).toEqual([
        '1769860800000000001',
        '1769860800000000002',
        '1769860799000000007',
      ]);
      expect(entries.map((e) => e.line)).toEqual(
        [records[1], records[0], records[2]].map((r) => expectedLine(r!)),
      );
      expect(entries[0]?.metadata).toEqual({
        request_id: 'r1',
        prediction_id: 'pred-1',
        serving_node: 'node-1',
      });
    });
  }
});

describe('LokiExporter failures', () => {
  it('rejects a 429 as retryable with the Retry-After delay (seconds or HTTP date)', async () => {
    const loki = exporter();
    receiver.reply = () => ({
      status: 429,
      headers: { 'Retry-After': '7' },
      body: 'ingestion rate limit exceeded',
    });
    const error = await rejection(loki.send([predictionLogRecord()], signal));
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(7000);
    expect(error.message).toContain('HTTP 429: ingestion rate limit exceeded');

    const at = new Date(env.clock.now() + 30_000).toUTCString();
    receiver.reply = () => ({ status: 503, headers: { 'Retry-After': at } });
    const dated = await rejection(loki.send([predictionLogRecord()], signal));
    expect(dated.retryable).toBe(true);
    expect(dated.retryAfterMs).toBe(30_000);
    expect(loki.stats().requestsFailed).toBe(2);
    expect(env.diagnostics.map((d) => d.code)).toEqual(['loki.push_failed.loki']);
  });

  it('says in its error which records Loki took, by position, so a retry carries only the rest', async () => {
    const loki = exporter({ maxRequestBytes: 65_536, maxLineBytes: 16_384 });
    const records = predictionBatch(200, { raw_input: { note: 'x'.repeat(600) } });
    receiver.reply = (_, index) =>
      index === 1 ? { status: 500, body: 'ingester unavailable' } : { status: 204 };
    const error = await rejection(loki.send(records, signal));
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBeUndefined();
    // Request 0 went through: its records are named accepted, the rest is left to retry.
    const firstPush = ids(receiver.requests[0]!);
    expect(settledIds(records, error)).toEqual(firstPush);
    expect(error.rejected).toEqual([]);
    const before = receiver.requests.length;
    await loki.send(notTaken(records, error), signal);
    const stored = [...receiver.requests.slice(0, 1), ...receiver.requests.slice(before)].flatMap(ids);
    expect(stored).toEqual(records.map((_, i) => `req-${i}`));
  });

  it('plans a large batch in slices and, retried after a failure in the middle, delivers each record once per stream in order', async () => {
    // 1,800 records over two models (two streams), interleaved: more than three planning slices,
    // each stream of each slice cut into requests of its own. The fourth request fails.
    const loki = exporter({ maxRequestBytes: 262_144, maxLineBytes: 16_384 });
    const start = Date.parse('2026-01-31T12:00:00.000Z');
    const records = Array.from({ length: 1_800 }, (_, i) =>
      predictionLogRecord({
        request_id: `req-${i}`,
        prediction_id: `pred-${i}`,
        timestamp: new Date(start + i).toISOString(),
        raw_input: { note: 'x'.repeat(300) },
        model_name: i % 3 === 0 ? 'fraud-challenger' : 'fraud',
      }),
    );
    receiver.reply = (_, index) => (index === 3 ? { status: 503, body: 'slow down' } : { status: 204 });
    const error = await rejection(loki.send(records, signal));
    expect(error.retryable).toBe(true);
    expect(settledIds(records, error).sort()).toEqual(receiver.requests.slice(0, 3).flatMap(ids).sort());
    await loki.send(notTaken(records, error), signal);
    const accepted = receiver.requests.filter((_, index) => index !== 3);
    for (const request of receiver.requests) {
      expect(request.uncompressedBytes).toBeLessThanOrEqual(262_144);
      expect(request.push.streams).toHaveLength(1);
    }
    expect(accepted.length).toBeGreaterThan(4);
    const byModel = new Map<string, string[]>();
    for (const request of accepted)
      for (const stream of request.push.streams) {
        const model = stream.labels.model_name ?? '?';
        const list = byModel.get(model) ?? [];
        for (const entry of stream.entries) list.push(entry.metadata.request_id as string);
        byModel.set(model, list);
      }
    const expected = (challenger: boolean) =>
      records.map((_, i) => `req-${i}`).filter((_, i) => (i % 3 === 0) === challenger);
    expect(byModel.get('fraud-challenger')).toEqual(expected(true));
    expect(byModel.get('fraud')).toEqual(expected(false));
    expect(byModel.size).toBe(2);
  });

  it('rejects a 400 for good, quoting the server, and writes the batch to the dead-letter directory', async () => {
    const loki = exporter({ deadLetterDirectory: 'dead-letter' });
    receiver.reply = () => ({
      status: 400,
      body: 'entry for stream \'{model_name="fraud"}\' has timestamp too old: 2020-01-01T00:00:00Z',
    });
    const records = predictionBatch(3);
    const error = await rejection(loki.send(records, signal));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('HTTP 400: entry for stream');
    expect(error.message).toContain('loki rejected 3 of 3 records');

    const diagnostic = env.diagnostics.find((d) => d.code === 'loki.rejected.loki');
    expect(diagnostic?.message).toContain('has timestamp too old');
    expect(diagnostic?.message).toContain('dead-letter directory');
    const deadLetter = join(dir.path, 'dead-letter');
    const files = await readdir(deadLetter);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^loki-loki-.*-http400\.ndjson$/);
    const path = join(deadLetter, files[0] ?? '');
    expect(await readFile(path, 'utf8')).toBe(`${records.map(expectedLine).join('\n')}\n`);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(deadLetter)).mode & 0o777).toBe(0o700);
    expect(loki.stats()).toMatchObject({ requestsRejected: 1, recordsRejected: 3, recordsDeadLettered: 3 });

    // Reported once; later rejections are counted only.
    await rejection(loki.send(predictionBatch(2), signal));
    expect(env.diagnostics.filter((d) => d.code === 'loki.rejected.loki')).toHaveLength(1);
    expect(loki.stats().recordsRejected).toBe(5);
  });

  it('delivers the other requests of a batch when one is rejected, then rejects the batch', async () => {
    const loki = exporter({ maxRequestBytes: 65_536, maxLineBytes: 16_384 });
    receiver.reply = (_, index) => (index === 0 ? { status: 400, body: 'bad' } : { status: 204 });
    const records = predictionBatch(200, { raw_input: { note: 'x'.repeat(600) } });
    const error = await rejection(loki.send(records, signal));
    expect(error.retryable).toBe(false);
    const rejected = receiver.requests[0]?.push.streams[0]?.entries.length ?? 0;
    expect(error.message).toContain(`loki rejected ${rejected} of 200 records`);
    expect(loki.stats().recordsSent).toBe(200 - rejected);
  });

  it('quotes a garbage error body safely: no control bytes, cut short', async () => {
    const loki = exporter();
    receiver.reply = () => ({
      status: 413,
      body: Buffer.concat([
        Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 13]),
        Buffer.from('too large '.repeat(100)),
      ]),
    });
    const error = await rejection(loki.send([predictionLogRecord()], signal));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/HTTP 413: too large too large/);
    expect([...error.message].every((c) => c >= ' ')).toBe(true);
    expect(error.message.length).toBeLessThan(400);
  });

  it('treats a response that is not HTTP as a retryable network error', async () => {
    receiver.reply = () => ({ garbage: Buffer.from('\u0000\u0001 definitely not HTTP\r\n\r\n') });
    const error = await rejection(exporter().send([predictionLogRecord()], signal));
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/network error/);
  });

  it('treats a refused connection as retryable', async () => {
    const closed = receiver.url;
    await receiver.close();
    receiver = await startLokiReceiver();
    const error = await rejection(exporter({}, closed).send([predictionLogRecord()], signal));
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('stops waiting when the signal aborts (timeout or shutdown)', async () => {
    const { promise: requestArrived, resolve: arrived } = deferred();
    // The receiver answers nothing, and says when the request is in.
    receiver.reply = () => {
      arrived();
      return { hang: true };
    };
    const controller = new AbortController();
    const sending = exporter().send([predictionLogRecord()], controller.signal);
    await requestArrived;
    controller.abort(new Error('timeout'));
    const error = await rejection(sending);
    expect(error.retryable).toBe(true);
  });

  it('refuses to send after shutdown', async () => {
    const loki = exporter();
    await loki.shutdown();
    const error = await rejection(loki.send([predictionLogRecord()], signal));
    expect(error.retryable).toBe(false);
  });
});

describe('LokiExporter inside an OTel LoggerProvider', () => {
  it('exports through the OTel callback API', async () => {
    const loki = exporter();
    const record = predictionLogRecord();
    const result = await new Promise<{ code: number }>((resolve) =>
      loki.export([record as unknown as Parameters<LokiExporter['export']>[0][number]], resolve),
    );
    expect(result.code).toBe(0);
    expect(receiver.entries().map((e) => e.line)).toEqual([expectedLine(record)]);
  });
});

/** Records from foreign OTel loggers may hold what JSON cannot; the exporter still sends them. */
describe('LokiExporter encoding fallbacks', () => {
  it('sends records with bigint, bytes and cycles in a safe form and counts them', async () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const record = predictionLogRecord({ request_id: 'odd' }) as LogRecordLike & { jsonSafe: boolean };
    record.jsonSafe = false;
    record.setAttribute('big', 10n as unknown as string);
    record.setBody({ raw_input: { bytes: new Uint8Array([1, 2, 3]), cyclic } });
    const loki = exporter();
    await loki.send([record], signal);
    const line = JSON.parse(receiver.entries()[0]?.line ?? '') as Record<string, unknown>;
    expect(line.attributes).toMatchObject({ big: '10' });
    expect(line.raw_input).toEqual({ bytes: 'AQID', cyclic: { name: 'loop', self: '[Circular]' } });
    expect(loki.stats().encodeFallbacks).toBe(1);
  });
});

describe('LokiExporter labels within Loki limits', () => {
  /** Distinct label sets across every request the receiver got. */
  const labelSets = () =>
    new Set(receiver.requests.flatMap((r) => r.push.streams.map((s) => JSON.stringify(s.labels))));

  it('sends a label value of 2,048 × "é" cut to 2048 bytes, not the 4,096 Loki refuses', async () => {
    await exporter().send([predictionLogRecord({ model_name: 'é'.repeat(2048) })], signal);
    const value = receiver.requests[0]?.push.streams[0]?.labels.model_name ?? '';
    expect(Buffer.byteLength(value)).toBeLessThanOrEqual(2048);
    expect(value.length).toBeGreaterThan(0);
    expect(receiver.entries()).toHaveLength(1);
  });

  it('10,000 model names: at most maxStreams (1,000) streams, the rest in the overflow stream, every record sent', async () => {
    const records = Array.from({ length: 10_000 }, (_, i) =>
      predictionLogRecord({ request_id: `req-${i}`, model_name: `model-${i}` }),
    );
    const loki = exporter();
    await loki.send(records, signal);
    const sets = labelSets();
    expect(sets.size).toBe(1001);
    // The resource's labels (one value per process) stay; the record's fold.
    const overflow = {
      env: 'prod',
      event: '__overflow__',
      model_name: '__overflow__',
      model_version: '__overflow__',
      service_name: 'fraud-service',
    };
    expect(sets.has(JSON.stringify(overflow))).toBe(true);
    const entries = receiver.entries();
    expect(entries).toHaveLength(10_000);
    expect(entries.filter((e) => e.labels.model_name === '__overflow__')).toHaveLength(9000);
    // The real model name is still in the line.
    const folded = entries.find((e) => e.labels.model_name === '__overflow__');
    expect(JSON.parse(folded?.line ?? '{}').model_name).toMatch(/^model-\d+$/);
    expect(loki.stats().recordsOverflowed).toBe(9000);
    expect(env.metrics.sum('predlog.exporter.loki.records_overflowed')).toBe(9000);

    // A known label set keeps its stream; new ones keep folding; the diagnostic is said once.
    await loki.send(
      [predictionLogRecord({ model_name: 'model-0' }), predictionLogRecord({ model_name: 'new' })],
      signal,
    );
    expect(labelSets().size).toBe(1001);
    expect(loki.stats().recordsOverflowed).toBe(9001);
    expect(env.diagnostics.map((d) => d.code)).toEqual(['loki.stream_overflow.loki']);
    expect(env.diagnostics[0]?.message).not.toMatch(/model-\d/);
  });

  it('keeps the retention class (how long Loki keeps it) in the overflow stream, and frees the place of a stream idle for an hour', async () => {
    const loki = exporter({ maxStreams: 2 });
    const audit = { extraAttributes: { 'ml.retention.class': 'audit' } };
    await loki.send(
      [
        predictionLogRecord({ model_name: 'a' }),
        predictionLogRecord({ model_name: 'b' }),
        predictionLogRecord({ model_name: 'c' }, audit),
        predictionLogRecord({ model_name: 'd' }),
      ],
      signal,
    );
    const streams = receiver.requests.flatMap((r) =>
      r.push.streams.map((s) => [s.labels.model_name, s.labels.retention]),
    );
    expect(streams).toEqual([
      ['a', undefined],
      ['b', undefined],
      ['__overflow__', 'audit'],
      ['__overflow__', undefined],
    ]);
    env.clock.advance(60 * 60 * 1000);
    await loki.send([predictionLogRecord({ model_name: 'c' }, audit)], signal);
    expect(receiver.requests.at(-1)?.push.streams.map((s) => s.labels)).toEqual([
      {
        env: 'prod',
        event: 'ml.prediction',
        model_name: 'c',
        model_version: '1.0.0',
        retention: 'audit',
        service_name: 'fraud-service',
      },
    ]);
  });
});

describe('LokiExporter: what Loki refuses', () => {
  const stream =
    '{env="prod", event="ml.prediction", model_name="fraud", model_version="1.0.0", service_name="fraud-service"}';
  const deadLettered = async () => {
    const folder = join(dir.path, 'dead-letter');
    const files = (await readdir(folder)).sort();
    return Promise.all(
      files.map(async (name) => ({
        name,
        lines: (await readFile(join(folder, name), 'utf8')).split('\n').filter(Boolean),
      })),
    );
  };

  it('keeps records older than rejectOldSamplesMaxAgeMs out of the push: rejected by position, dead-lettered', async () => {
    const loki = exporter({ deadLetterDirectory: 'dead-letter', rejectOldSamplesMaxAgeMs: 3_600_000 });
    const now = env.clock.now() / 1000;
    const records = [
      predictionLogRecord({ request_id: 'fresh-1' }, { hrTime: [now - 60, 0] }),
      predictionLogRecord({ request_id: 'stale' }, { hrTime: [now - 3 * 3600, 0] }),
      predictionLogRecord({ request_id: 'fresh-2' }, { hrTime: [now - 120, 0] }),
    ];
    const error = await rejection(loki.send(records, signal));
    expect(error.retryable).toBe(false);
    expect(error.acceptedCount).toBe(3);
    expect(error.rejected).toEqual([
      { index: 1, reason: expect.stringContaining('reject_old_samples_max_age') },
    ]);
    expect(
      receiver
        .entries()
        .map((e) => e.metadata.request_id)
        .sort(),
    ).toEqual(['fresh-1', 'fresh-2']);
    expect(loki.stats()).toMatchObject({
      recordsSent: 2,
      recordsRejected: 1,
      recordsTooOld: 1,
      recordsDeadLettered: 1,
    });
    expect(env.metrics.byAttribute.get('predlog.exporter.loki.records_rejected{reason=too_old}')).toBe(1);
    const [file] = await deadLettered();
    expect(file?.name).toMatch(/-too_old\.ndjson$/);
    expect(file?.lines).toEqual([expectedLine(records[1] as never)]);
    expect(env.diagnostics.map((d) => d.code)).toEqual(['loki.too_old.loki']);
  });

  it('keeps a line over maxLineBytes out by default (dead-lettered whole); oversizedLines: truncate sends it cut', async () => {
    const big = predictionLogRecord({ request_id: 'big', raw_input: { text: 'é'.repeat(3000) } });
    const small = predictionLogRecord({ request_id: 'small' });
    const loki = exporter({ maxLineBytes: 1024, deadLetterDirectory: 'dead-letter' });
    const error = await rejection(loki.send([big, small], signal));
    expect(error.rejected).toEqual([{ index: 0, reason: expect.stringContaining('max_line_size') }]);
    expect(error.acceptedCount).toBe(2);
    expect(receiver.entries().map((e) => e.metadata.request_id)).toEqual(['small']);
    expect(loki.stats()).toMatchObject({ linesTooLong: 1, linesTruncated: 0, recordsRejected: 1 });
    const [file] = await deadLettered();
    expect(file?.name).toMatch(/-line_too_long\.ndjson$/);
    expect(file?.lines).toEqual([expectedLine(big)]);

    const truncating = exporter({ maxLineBytes: 1024, oversizedLines: 'truncate' });
    await truncating.send([big], signal);
    expect(Buffer.byteLength(receiver.entries().at(-1)?.line ?? '')).toBeLessThanOrEqual(1024);
    expect(truncating.stats()).toMatchObject({ linesTruncated: 1, linesTooLong: 0 });
  });

  it('a push Loki partly refuses (grouped validation errors) rejects and dead-letters only the entries it names', async () => {
    const loki = exporter({ deadLetterDirectory: 'dead-letter' });
    const records = predictionBatch(5);
    receiver.reply = (request) => {
      const entries = request.push.streams[0]?.entries ?? [];
      const at = (i: number) => {
        const ns = BigInt(entries[i]?.ns ?? '0');
        return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)] as const;
      };
      return {
        status: 400,
        body: grouped([
          [1, tooOld(stream, ...at(1))],
          [1, tooOld(stream, ...at(3))],
        ]),
      };
    };
    const error = await rejection(loki.send(records, signal));
    expect(error.retryable).toBe(false);
    expect(error.acceptedCount).toBe(5);
    expect(error.rejected.map((r) => r.index)).toEqual([1, 3]);
    expect(error.rejected[0]?.reason).toContain('timestamp too old');
    expect(loki.stats()).toMatchObject({ recordsSent: 3, recordsRejected: 2, recordsDeadLettered: 2 });
    const [file] = await deadLettered();
    expect(file?.name).toMatch(/-http400\.ndjson$/);
    expect(file?.lines).toEqual([records[1], records[3]].map((r) => expectedLine(r as never)));
    expect(env.diagnostics.map((d) => d.code)).toEqual(['loki.rejected.loki']);
  });

  it("reads the ingester's report (entries too far behind) the same way", async () => {
    const loki = exporter();
    const records = predictionBatch(4);
    receiver.reply = (request) => {
      const ns = BigInt(request.push.streams[0]?.entries[2]?.ns ?? '0');
      const listed: Array<[number, number]> = [[Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)]];
      return {
        status: 400,
        body: ingesterReport(stream, listed, 'entry too far behind, oldest acceptable timestamp is: x', 1, 4),
      };
    };
    const error = await rejection(loki.send(records, signal));
    expect(error.rejected).toEqual([{ index: 2, reason: expect.stringContaining('entry too far behind') }]);
    expect(loki.stats()).toMatchObject({ recordsSent: 3, recordsRejected: 1 });
  });

  it('an answer that names entries but cannot be matched one for one rejects the whole push, and says so once', async () => {
    const loki = exporter();
    const records = predictionBatch(4);
    receiver.reply = (request) => {
      const ns = BigInt(request.push.streams[0]?.entries[0]?.ns ?? '0');
      // Ungrouped: older Lokis report only the last invalid entry, so others may be refused too.
      return { status: 400, body: tooOld(stream, Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)) };
    };
    const error = await rejection(loki.send(records, signal));
    expect(error.rejected.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(loki.stats()).toMatchObject({ recordsSent: 0, recordsRejected: 4 });
    expect(env.diagnostics.map((d) => d.code)).toEqual([
      'loki.rejection_unattributed.loki',
      'loki.rejected.loki',
    ]);
  });

  it("a stream's own rate limit (429 from the ingester) is throttling: the entries it stored count, only the named ones are retried", async () => {
    const loki = exporter();
    const records = predictionBatch(4);
    receiver.reply = (request) => {
      const entries = request.push.streams[0]?.entries ?? [];
      const listed = [2, 3].map((i) => {
        const ns = BigInt(entries[i]?.ns ?? '0');
        return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)] as [number, number];
      });
      return {
        status: 429,
        headers: { 'Retry-After': '2' },
        body: ingesterReport(stream, listed, 'Per stream rate limit exceeded (limit: 3MB/sec)', 2, 4),
      };
    };
    const error = await rejection(loki.send(records, signal));
    expect([error.retryable, error.throttled, error.retryAfterMs]).toEqual([true, true, 2000]);
    expect(settledIds(records, error)).toEqual(['req-0', 'req-1']);
    expect(notTaken(records, error).map((r) => r.attributes['ml.request.id'])).toEqual(['req-2', 'req-3']);
  });
});
