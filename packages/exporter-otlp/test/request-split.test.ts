import { ExportError } from '@predlog/core';
import { predictionBatch, type TempDir, type TestServices, tempDir, testServices } from '@predlog/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OtlpExporter, otlpExporterConfigSchema } from '../src/index.ts';
import { splitByBytes } from '../src/internal/request-split.ts';
import { type OtlpReceiver, startOtlpReceiver } from './support/otlp-receiver.ts';

describe('splitByBytes', () => {
  it('cuts a batch into consecutive requests of at most maxBytes, a huge record alone', () => {
    const records = predictionBatch(10);
    records.forEach((record, i) => {
      record.approxBytes = i === 4 ? 10_000 : 936; // 1,000 bytes with the per-record framing
    });
    expect(splitByBytes(records, 3_000)).toEqual([3, 4, 5, 8, 10]);
    expect(splitByBytes(records, 100_000)).toEqual([10]);
    expect(splitByBytes([], 3_000)).toEqual([]);
  });
});

let receiver: OtlpReceiver;
let env: TestServices;
let dir: TempDir;
let exporter: OtlpExporter;
const signal = new AbortController().signal;

beforeEach(async () => {
  receiver = await startOtlpReceiver();
  dir = await tempDir('predlog-otlp-split-');
  env = testServices({ id: 'otlp', baseDir: dir.path });
  exporter = new OtlpExporter(
    otlpExporterConfigSchema.parse({ endpoint: receiver.url, maxRequestBytes: 4_096, compression: 'none' }),
    env.services,
    undefined,
    {},
  );
});

afterEach(async () => {
  await receiver.close();
  await exporter.shutdown();
  await dir.remove();
});

describe('OtlpExporter request size', () => {
  it('sends a batch as requests no larger than maxRequestBytes, every record once, in order', async () => {
    const records = predictionBatch(20);
    for (const record of records) record.approxBytes = 936;
    await exporter.send(records, signal);
    const perRequest = receiver.requests.map(
      (r) => r.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)).length,
    );
    expect(perRequest).toEqual([4, 4, 4, 4, 4]);
    expect(receiver.records().map((r) => r.attributes['ml.request.id'])).toEqual(
      records.map((_, i) => `req-${i}`),
    );
  });

  it('says how many records the requests before a failed one delivered, so a retry resends none of them', async () => {
    const records = predictionBatch(12);
    for (const record of records) record.approxBytes = 936;
    receiver.reply = (_request, index) =>
      index === 1 ? { status: 400, body: 'line too long' } : { status: 200 };
    const error = await exporter.send(records, signal).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExportError);
    expect((error as ExportError).acceptedCount).toBe(4);
    expect((error as ExportError).retryable).toBe(false);
    expect(receiver.requests).toHaveLength(2);
  });
});

describe('OtlpExporter diagnostics', () => {
  it('never print a query string or user info of the URL (an endpoint may carry a token there)', async () => {
    const tokenised = new OtlpExporter(
      otlpExporterConfigSchema.parse({ logsEndpoint: `${receiver.url}/v1/logs?token=s3cr3t-token` }),
      env.services,
      undefined,
      {},
    );
    receiver.reply = () => ({ status: 400, body: 'bad' });
    await tokenised.send(predictionBatch(1), signal).catch(() => undefined);
    await tokenised.shutdown();
    const text = JSON.stringify(env.diagnostics);
    expect(text).toContain('otlp.rejected');
    expect(text).not.toContain('s3cr3t-token');
  });
});
