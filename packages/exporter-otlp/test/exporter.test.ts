import { SeverityNumber } from '@opentelemetry/api';
import { ExportError } from '@predlog/core';
import {
  deferred,
  predictionBatch,
  predictionLogRecord,
  type TempDir,
  type TestServices,
  tempDir,
  testServices,
} from '@predlog/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OtlpExporter, type OtlpExporterConfigInput, otlpExporterConfigSchema } from '../src/index.ts';
import { type OtlpReceiver, startOtlpReceiver } from './support/otlp-receiver.ts';

let receiver: OtlpReceiver;
let env: TestServices;
let dir: TempDir;
const exporters: OtlpExporter[] = [];
const signal = new AbortController().signal;

beforeEach(async () => {
  receiver = await startOtlpReceiver();
  dir = await tempDir('predlog-otlp-');
  env = testServices({ id: 'otlp', baseDir: dir.path });
});

afterEach(async () => {
  // Close the receiver first: it ends any request still hanging, which the exporters' shutdown awaits.
  await receiver.close();
  for (const exporter of exporters.splice(0)) await exporter.shutdown();
  await dir.remove();
});

function exporter(config: Partial<OtlpExporterConfigInput> = {}): OtlpExporter {
  const created = new OtlpExporter(
    otlpExporterConfigSchema.parse({ endpoint: receiver.url, ...config }),
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

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

for (const protocol of ['http/protobuf', 'http/json'] as const) {
  for (const compression of ['gzip', 'none'] as const) {
    describe(`OtlpExporter ${protocol}, compression ${compression}`, () => {
      it('sends resource attributes, ml.* attributes, the body map, timestamps, event name and trace ids', async () => {
        const record = predictionLogRecord(
          { request_id: 'req-a', prediction_id: 'pred-a', score: 0.91, prediction: 'fraud' },
          { hrTime: [1769860800, 123456789], traceId: TRACE_ID, spanId: SPAN_ID },
        );
        record.setSeverityNumber(SeverityNumber.INFO);
        const otlp = exporter({ protocol, compression, headers: { 'X-Scope-OrgID': 'ml' } });
        await otlp.send([record, ...predictionBatch(2)], signal);

        expect(receiver.requests).toHaveLength(1);
        const request = receiver.requests[0]!;
        expect(request.path).toBe('/v1/logs');
        expect(request.headers['content-type']).toBe(
          protocol === 'http/json' ? 'application/json' : 'application/x-protobuf',
        );
        expect(request.headers['content-encoding']).toBe(compression === 'gzip' ? 'gzip' : undefined);
        expect(request.headers['x-scope-orgid']).toBe('ml');
        expect(request.resourceLogs).toHaveLength(1);
        expect(request.resourceLogs[0]?.resource).toEqual({
          'service.name': 'fraud-service',
          'host.name': 'node-1',
          'deployment.environment.name': 'prod',
        });
        expect(request.resourceLogs[0]?.scopeLogs[0]?.scope.name).toBe('@predlog/core');
        const [first, ...rest] = receiver.records();
        expect(rest).toHaveLength(2);
        expect(first).toMatchObject({
          timeUnixNano: '1769860800123456789',
          eventName: 'ml.prediction',
          severityNumber: SeverityNumber.INFO,
          traceId: TRACE_ID,
          spanId: SPAN_ID,
          flags: 1,
        });
        expect(first?.attributes).toEqual({
          'ml.schema.version': 1,
          'ml.request.id': 'req-a',
          'ml.prediction.id': 'pred-a',
          'ml.model.name': 'fraud',
          'ml.model.version': '1.0.0',
          'ml.prediction.score': 0.91,
          'ml.inference.duration_ms': 3.5,
          'ml.serving.node': 'node-1',
          'ml.prediction.label': 'fraud',
          // The event name again as an attribute: Loki's OTLP ingestion drops the field.
          'event.name': 'ml.prediction',
        });
        expect(first?.body).toEqual({
          input_features: { amount: 12.5, country: 'FR', card_present: true, merchant: null },
          prediction: 'fraud',
        });
        expect(rest.map((r) => r.attributes['ml.request.id'])).toEqual(['req-0', 'req-1']);
        expect(otlp.stats()).toMatchObject({ requestsSucceeded: 1, recordsSent: 3 });
      });
    });
  }
}

describe('OtlpExporter settings', () => {
  it('uses logsEndpoint as is and sends basic auth', async () => {
    const otlp = new OtlpExporter(
      otlpExporterConfigSchema.parse({
        logsEndpoint: `${receiver.url}/otlp/v1/logs`,
        basicAuth: { username: 'u', password: 'p' },
      }),
      env.services,
    );
    exporters.push(otlp);
    await otlp.send([predictionLogRecord()], signal);
    expect(receiver.requests[0]?.path).toBe('/otlp/v1/logs');
    expect(receiver.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('u:p').toString('base64')}`,
    );
  });

  it('appends /v1/logs to an endpoint with a path (Loki 3: <loki>/otlp) and sends a bearer token', async () => {
    await exporter({ endpoint: `${receiver.url}/otlp/`, bearerToken: 'tok' }).send(
      [predictionLogRecord()],
      signal,
    );
    expect(receiver.requests[0]?.path).toBe('/otlp/v1/logs');
    expect(receiver.requests[0]?.headers.authorization).toBe('Bearer tok');
  });
});

describe('OtlpExporter failures', () => {
  it('rejects a 400 for good, quoting the receiver, reported once and counted', async () => {
    receiver.reply = () => ({ status: 400, body: 'invalid log record: timestamp too far in the future' });
    const otlp = exporter({ protocol: 'http/json' });
    const error = await rejection(otlp.send(predictionBatch(3), signal));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('HTTP 400: invalid log record: timestamp too far in the future');
    await rejection(otlp.send(predictionBatch(2), signal));
    const reported = env.diagnostics.filter((d) => d.code === 'otlp.rejected.otlp');
    expect(reported).toHaveLength(1);
    expect(reported[0]?.message).toContain('timestamp too far in the future');
    expect(otlp.stats()).toMatchObject({ requestsRejected: 2, recordsRejected: 5 });
  });

  it('treats 500 as retryable', async () => {
    receiver.reply = () => ({ status: 500, body: 'internal error' });
    const error = await rejection(exporter().send([predictionLogRecord()], signal));
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('HTTP 500: internal error');
  });

  it('gives a 429 back as retryable once the stock exporter stops retrying within timeoutMs', async () => {
    // Retry-After beyond the timeout: the stock exporter does not wait, it reports at once.
    receiver.reply = () => ({ status: 429, headers: { 'Retry-After': '30' } });
    const error = await rejection(exporter({ timeoutMs: 2000 }).send([predictionLogRecord()], signal));
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('429/502/503/504');
    expect(receiver.requests).toHaveLength(1);
    expect(env.diagnostics.map((d) => d.code)).toEqual(['otlp.export_failed.otlp']);
  });

  it('treats a response that is not HTTP as a retryable network error', async () => {
    receiver.reply = () => ({ garbage: Buffer.from('\u0000 not http at all\r\n\r\n') });
    const error = await rejection(exporter().send([predictionLogRecord()], signal));
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/network error HPE_/);
  });

  it('accepts a 200 with a body it cannot decode (the records arrived)', async () => {
    receiver.reply = () => ({ status: 200, body: Buffer.from([0xff, 0xff, 0xff, 0x01]) });
    await exporter().send([predictionLogRecord()], signal);
    expect(receiver.records()).toHaveLength(1);
  });

  it('treats a refused connection as retryable', async () => {
    const closed = receiver.url;
    await receiver.close();
    receiver = await startOtlpReceiver();
    const otlp = new OtlpExporter(
      otlpExporterConfigSchema.parse({ endpoint: closed, timeoutMs: 500 }),
      env.services,
    );
    exporters.push(otlp);
    const error = await rejection(otlp.send([predictionLogRecord()], signal));
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('stops waiting when the signal aborts', async () => {
    const { promise: requestArrived, resolve: arrived } = deferred();
    // The receiver answers nothing, and says when the request is in.
    receiver.reply = () => {
      arrived();
      return { hang: true };
    };
    const controller = new AbortController();
    // The stock request itself can only end by its own timeoutMs, which the exporter's shutdown awaits.
    const sending = exporter({ timeoutMs: 1500 }).send([predictionLogRecord()], controller.signal);
    await requestArrived;
    controller.abort(new Error('timeout'));
    const error = await rejection(sending);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('aborted');
  });

  it('refuses to send after shutdown', async () => {
    const otlp = exporter();
    await otlp.shutdown();
    expect((await rejection(otlp.send([predictionLogRecord()], signal))).retryable).toBe(false);
  });
});
