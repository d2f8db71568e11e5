import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { ExportError, type LogRecordLike, type PredlogLogRecord } from '@predlog/core';
import { expectedLine, type TempDir, type TestServices, tempDir, testServices } from '@predlog/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FileExporter,
  type FileExporterConfigInput,
  fileExporterConfigSchema,
  verifyIntegrity,
} from '../src/index.ts';
import { listFiles, readAllLines, readDataFile } from './support/data-files.ts';
import { predictionBatch, predictionLogRecord } from './support/prediction-records.ts';

const signal = new AbortController().signal;
const HOUR_MS = 60 * 60 * 1000;
let dir: TempDir;
let env: TestServices;

beforeEach(async () => {
  dir = await tempDir('predlog-file-');
  env = testServices({ id: 'file', baseDir: dir.path });
});

afterEach(async () => {
  await dir.remove();
});

function exporter(config: Partial<FileExporterConfigInput> = {}): FileExporter {
  return new FileExporter(fileExporterConfigSchema.parse({ directory: 'logs', ...config }), env.services);
}

function root(): string {
  return join(dir.path, 'logs');
}

describe('FileExporter layout', () => {
  it('writes the stored form, one line per record, into model_name=/date= partitions with private modes', async () => {
    const file = exporter({ compress: false });
    const records = [
      predictionLogRecord({ request_id: 'a', model_name: 'fraud', timestamp: '2026-01-31T23:59:59.999Z' }),
      predictionLogRecord({ request_id: 'b', model_name: 'fraud', timestamp: '2026-02-01T00:00:00.000Z' }),
      predictionLogRecord({ request_id: 'c', model_name: 'churn', timestamp: '2026-01-31T10:00:00.000Z' }),
    ];
    await file.send(records, signal);
    await file.shutdown();

    const files = await listFiles(root());
    expect(files.map((path) => path.replace(/part-.*$/, 'part'))).toEqual([
      'model_name=churn/date=2026-01-31/part',
      'model_name=fraud/date=2026-01-31/part',
      'model_name=fraud/date=2026-02-01/part',
    ]);
    for (const path of files) expect(path).toMatch(/\/part-[0-9TZ-]+-\d+-\d{6}\.ndjson$/);
    expect(await readAllLines(root())).toEqual(
      [records[2], records[0], records[1]].map((r) => expectedLine(r as PredlogLogRecord)),
    );

    for (const path of files) expect((await stat(join(root(), path))).mode & 0o777).toBe(0o600);
    expect((await stat(join(root(), 'model_name=fraud'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(root(), 'model_name=fraud/date=2026-01-31'))).mode & 0o777).toBe(0o700);
  });

  it('keeps a hostile model name inside its partition and files records without a model under _unknown', async () => {
    const file = exporter({ compress: false });
    const hostile = predictionLogRecord({ model_name: '../../../etc/passwd' });
    const anonymous = predictionLogRecord();
    delete (anonymous.attributes as Record<string, unknown>)['ml.model.name'];
    await file.send([hostile, anonymous], signal);
    await file.shutdown();

    const dirs = (await listFiles(root())).map((path) => path.split('/').slice(0, -1).join('/'));
    expect(dirs).toEqual([
      'model_name=%2E.%2F..%2F..%2Fetc%2Fpasswd/date=2026-01-31',
      'model_name=_unknown/date=2026-01-31',
    ]);
  });

  it('prefixes retention=<class>/ when a record carries ml.retention.class', async () => {
    const file = exporter({ compress: false });
    await file.send([predictionLogRecord({}, { 'ml.retention.class': 'audit' })], signal);
    await file.shutdown();
    const [path] = await listFiles(root());
    expect(path).toMatch(/^retention=audit\/model_name=fraud\/date=2026-01-31\/part-/);
  });

  it('names an open file .inprogress and renames it when closed', async () => {
    const file = exporter({ compress: false });
    await file.send(predictionBatch(3), signal);
    const [open] = await listFiles(root());
    expect(open).toMatch(/\.ndjson\.inprogress$/);
    expect(open).toContain(`-${process.pid}-`);
    await file.shutdown();
    const [closed] = await listFiles(root());
    expect(closed).toBe(open?.replace(/\.inprogress$/, ''));
  });
});

describe('FileExporter rotation', () => {
  it('rotates by size: no file exceeds maxFileBytes, and every line survives in order', async () => {
    const records = predictionBatch(60);
    const lineBytes = Buffer.byteLength(expectedLine(records[0] as PredlogLogRecord)) + 1;
    const maxFileBytes = lineBytes * 7 + 10;
    const file = exporter({ compress: false, maxFileBytes });
    await file.send(records.slice(0, 25), signal);
    await file.send(records.slice(25), signal);
    await file.shutdown();

    const files = await listFiles(root());
    expect(files.length).toBeGreaterThanOrEqual(Math.ceil((60 * lineBytes) / maxFileBytes));
    for (const path of files) expect((await stat(join(root(), path))).size).toBeLessThanOrEqual(maxFileBytes);
    expect(await readAllLines(root())).toEqual(records.map(expectedLine));
    expect(env.metrics.byAttribute.get('predlog.exporter.file.files_rotated{reason=size}')).toBeGreaterThan(
      0,
    );
  });

  it('gives a record larger than maxFileBytes a file of its own', async () => {
    const file = exporter({ compress: false, maxFileBytes: 100 });
    await file.send(predictionBatch(3), signal);
    await file.shutdown();
    const files = await listFiles(root());
    expect(files).toHaveLength(3);
    for (const path of files) expect((await readDataFile(join(root(), path))).split('\n')).toHaveLength(2);
  });

  it('rotates by age on the injected clock', async () => {
    const file = exporter({ compress: false, maxFileAgeMs: 60_000 });
    await file.send(predictionBatch(2), signal);
    env.clock.advance(59_000);
    await file.send(predictionBatch(2), signal);
    expect(await listFiles(root())).toHaveLength(1);
    env.clock.advance(1_000);
    await file.send(predictionBatch(2), signal);
    const files = await listFiles(root());
    expect(files).toHaveLength(2);
    expect(files.filter((path) => path.endsWith('.inprogress'))).toHaveLength(1);
    expect(env.metrics.byAttribute.get('predlog.exporter.file.files_rotated{reason=age}')).toBe(1);
    await file.shutdown();
  });

  it('closes an idle file once it is maxFileAgeMs old, by the periodic check on the injected clock', async () => {
    const file = exporter({ compress: false, maxFileAgeMs: 5_000 });
    await file.send(predictionBatch(2), signal);
    await env.clock.advanceAsync(4_999);
    await file.forceFlush();
    expect((await listFiles(root())).filter((path) => path.endsWith('.inprogress'))).toHaveLength(1);
    // The check runs every min(maxFileAgeMs, 60 s), at least every second: due at 5 s.
    await env.clock.advanceAsync(1);
    await file.forceFlush();
    const files = await listFiles(root());
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/\.ndjson$/);
    expect(env.metrics.byAttribute.get('predlog.exporter.file.files_rotated{reason=age}')).toBe(1);
    await file.shutdown();
  });

  it('rotates when the UTC date changes, even for a record of the same partition', async () => {
    env = testServices({ id: 'file', baseDir: dir.path, clock: { startIso: '2026-01-31T23:59:00.000Z' } });
    const file = exporter({ compress: false });
    await file.send(predictionBatch(1), signal);
    env.clock.advance(2 * 60_000);
    await file.send(predictionBatch(1), signal);
    await file.shutdown();
    const files = await listFiles(root());
    expect(files).toHaveLength(2);
    expect(files.every((path) => path.startsWith('model_name=fraud/date=2026-01-31/'))).toBe(true);
    expect(env.metrics.byAttribute.get('predlog.exporter.file.files_rotated{reason=date}')).toBe(1);
  });

  it('keeps at most maxOpenFiles open, closing the least recently written', async () => {
    const file = exporter({ compress: false, maxOpenFiles: 2 });
    for (const model of ['a', 'b', 'a', 'c']) {
      await file.send(predictionBatch(1, { model_name: model }), signal);
    }
    const open = (await listFiles(root())).filter((path) => path.endsWith('.inprogress'));
    expect(open.map((path) => path.split('/')[0])).toEqual(['model_name=a', 'model_name=c']);
    expect(env.metrics.byAttribute.get('predlog.exporter.file.files_rotated{reason=evicted}')).toBe(1);
    await file.shutdown();
  });
});

describe('FileExporter compression', () => {
  it('gzips closed files and removes the originals only once the .gz is complete', async () => {
    const records = predictionBatch(40);
    const file = exporter({ maxFileBytes: 4_000 });
    await file.send(records, signal);
    await file.shutdown();
    const files = await listFiles(root());
    expect(files.length).toBeGreaterThan(1);
    expect(files.every((path) => path.endsWith('.ndjson.gz'))).toBe(true);
    expect(await readAllLines(root())).toEqual(records.map(expectedLine));
    for (const path of files) expect((await stat(join(root(), path))).mode & 0o777).toBe(0o600);
    expect(env.metrics.sum('predlog.exporter.file.files_compressed')).toBe(files.length);
  });
});

describe('FileExporter robustness', () => {
  it('writes records holding bigint, bytes and cycles in a safe form, never throwing, and counts them', async () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const record = predictionLogRecord(
      {},
      { 'app.big': 12345678901234567890n, 'app.bytes': new Uint8Array([1, 2, 255]) },
    );
    record.body = {
      ...(record.body as Record<string, unknown>),
      raw_input: cyclic,
    } as PredlogLogRecord['body'];
    const file = exporter({ compress: false });
    await expect(file.send([record, predictionLogRecord()], signal)).resolves.toBeUndefined();
    await file.shutdown();

    const [first, second] = (await readAllLines(root())).map((line) => JSON.parse(line));
    expect(first.attributes['app.big']).toBe('12345678901234567890');
    expect(first.attributes['app.bytes']).toBe(Buffer.from([1, 2, 255]).toString('base64'));
    expect(first.raw_input).toEqual({ name: 'loop', self: '[Circular]' });
    expect(second.request_id).toBe('req-1');
    expect(env.metrics.sum('predlog.exporter.file.encode_fallbacks')).toBe(1);
    expect(file.stats().encodeFallbacks).toBe(1);
    expect(env.diagnostics.map((event) => event.code)).toContain('file.encode_fallback');
  });

  it('writes a record whose time is not a valid instant, stamped with the time of writing', async () => {
    const record = predictionLogRecord();
    record.hrTime = [Number.NaN, 0];
    const file = exporter({ compress: false });
    await file.send([record], signal);
    await file.shutdown();
    const [line] = await readAllLines(root());
    expect(JSON.parse(line ?? '{}').timestamp).toBe('2026-01-31T12:00:00.000Z');
    expect(file.stats().encodeFallbacks).toBe(1);
  });

  it('rejects with a retryable ExportError when the partition cannot be written, and counts it', async () => {
    await mkdir(root(), { recursive: true });
    await writeFile(join(root(), 'model_name=fraud'), 'not a directory');
    const file = exporter({ compress: false });
    const error = await file.send(predictionBatch(1), signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExportError);
    expect((error as ExportError).retryable).toBe(true);
    expect(file.stats().writeErrors).toBe(1);
    await file.send(predictionBatch(1, { model_name: 'churn' }), signal);
    await file.shutdown();
    expect(await listFiles(root())).toHaveLength(2);
  });

  it('rejects sends after shutdown as not retryable', async () => {
    const file = exporter();
    await file.shutdown();
    const error = await file.send(predictionBatch(1), signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExportError);
    expect((error as ExportError).retryable).toBe(false);
  });

  it('makes every sent batch readable on forceFlush (with fsync)', async () => {
    const file = exporter({ compress: false, fsync: true });
    const records = predictionBatch(5);
    const pending = file.send(records, signal);
    await file.forceFlush();
    await pending;
    const [path] = await listFiles(root());
    expect((await readFile(join(root(), path ?? ''), 'utf8')).trimEnd().split('\n')).toEqual(
      records.map(expectedLine),
    );
    await file.shutdown();
  });

  it('reports bytes and records written through the meter', async () => {
    const file = exporter({ compress: false });
    const records = predictionBatch(10);
    await file.send(records, signal);
    await file.shutdown();
    const bytes = records.reduce((sum, r) => sum + Buffer.byteLength(expectedLine(r)) + 1, 0);
    expect(env.metrics.sum('predlog.exporter.file.bytes_written')).toBe(bytes);
    expect(env.metrics.sum('predlog.exporter.file.records_written')).toBe(10);
    expect(env.metrics.byAttribute.get('predlog.exporter.file.files_rotated{reason=shutdown}')).toBe(1);
  });
});

describe('FileExporter retention sweep', () => {
  async function partitionWithFile(
    partition: string,
    name = 'part-2026-01-01T00-00-00-000Z-1-000001.ndjson.gz',
  ) {
    await mkdir(join(root(), partition), { recursive: true });
    await writeFile(join(root(), partition, name), 'x');
  }

  it('deletes date= partitions older than retentionDays at start, at any depth, sparing live files', async () => {
    for (const day of ['25', '26', '27', '28', '29', '30', '31'])
      await partitionWithFile(`model_name=fraud/date=2026-01-${day}`);
    await partitionWithFile('retention=debug/model_name=fraud/date=2026-01-20');
    // Still being written by a live process (our parent): left for a later sweep.
    await partitionWithFile(
      'model_name=churn/date=2026-01-20',
      `part-2026-01-20T00-00-00-000Z-${process.ppid}-000001.ndjson.inprogress`,
    );
    const file = exporter({ retentionDays: 2 });
    await file.ready;

    const dirs = [
      ...new Set((await listFiles(root())).map((path) => path.split('/').slice(0, -1).join('/'))),
    ];
    expect(dirs).toEqual([
      'model_name=churn/date=2026-01-20',
      'model_name=fraud/date=2026-01-29',
      'model_name=fraud/date=2026-01-30',
      'model_name=fraud/date=2026-01-31',
    ]);
    await expect(stat(join(root(), 'retention=debug'))).rejects.toThrow(/ENOENT/);
    expect(env.metrics.sum('predlog.exporter.file.partitions_deleted')).toBe(5);
    expect(file.stats().partitionsDeleted).toBe(5);
    await file.shutdown();
  });

  it('sweeps again every sweepIntervalMs, on the injected clock', async () => {
    env = testServices({ id: 'file', baseDir: dir.path, clock: { startIso: '2026-01-31T23:30:00.000Z' } });
    await partitionWithFile('model_name=fraud/date=2026-01-29');
    await partitionWithFile('model_name=fraud/date=2026-01-30');
    const file = exporter({ retentionDays: 2, sweepIntervalMs: HOUR_MS });
    await file.ready;
    expect(file.stats().partitionsDeleted).toBe(0);
    // Past midnight 2026-01-29 has expired, but the next sweep is due at 00:30 only.
    await env.clock.advanceAsync(HOUR_MS - 60_000);
    await file.forceFlush();
    expect(file.stats().partitionsDeleted).toBe(0);
    await env.clock.advanceAsync(60_000);
    await file.forceFlush();
    expect(file.stats().partitionsDeleted).toBe(1);
    expect(await listFiles(root())).toEqual([
      'model_name=fraud/date=2026-01-30/part-2026-01-01T00-00-00-000Z-1-000001.ndjson.gz',
    ]);
    await file.shutdown();
  });

  it('sweeps each retention=<class>/ by its own duration, other partitions by retentionDays', async () => {
    // Now is 2026-01-31 12:00 UTC.
    for (const day of ['2026-01-20', '2026-01-25', '2026-01-30']) {
      await partitionWithFile(`retention=debug/model_name=fraud/date=${day}`);
      await partitionWithFile(`retention=audit/model_name=fraud/date=${day}`);
      await partitionWithFile(`retention=adhoc/model_name=fraud/date=${day}`);
      await partitionWithFile(`model_name=fraud/date=${day}`);
    }
    await partitionWithFile('retention=audit/model_name=fraud/date=2019-02-02');
    await partitionWithFile('retention=audit/model_name=fraud/date=2019-02-01');
    const file = exporter({ retentionDays: 8, retentionDaysByClass: { debug: 2, audit: 2555 } });
    await file.ready;

    const dirs = [
      ...new Set((await listFiles(root())).map((path) => path.split('/').slice(0, -1).join('/'))),
    ];
    expect(dirs).toEqual([
      // No class rule for adhoc (nor for records without a class): retentionDays (8) applies.
      'model_name=fraud/date=2026-01-25',
      'model_name=fraud/date=2026-01-30',
      'retention=adhoc/model_name=fraud/date=2026-01-25',
      'retention=adhoc/model_name=fraud/date=2026-01-30',
      // 2555 days (7 × 365) back from 2026-01-31 is 2019-02-02 (two leap days in between).
      'retention=audit/model_name=fraud/date=2019-02-02',
      'retention=audit/model_name=fraud/date=2026-01-20',
      'retention=audit/model_name=fraud/date=2026-01-25',
      'retention=audit/model_name=fraud/date=2026-01-30',
      'retention=debug/model_name=fraud/date=2026-01-30',
    ]);
    expect(file.stats().partitionsDeleted).toBe(5);
    await file.shutdown();
  });

  it('sweeps classes alone when only retentionDaysByClass is set, keeping the rest forever', async () => {
    await partitionWithFile('retention=debug/model_name=fraud/date=2026-01-01');
    await partitionWithFile('model_name=fraud/date=2020-01-01');
    const file = exporter({ retentionDaysByClass: { debug: 7 }, sweepIntervalMs: HOUR_MS });
    await file.ready;
    expect(await listFiles(root())).toEqual([
      'model_name=fraud/date=2020-01-01/part-2026-01-01T00-00-00-000Z-1-000001.ndjson.gz',
    ]);
    // The periodic sweep runs too.
    await partitionWithFile('retention=debug/model_name=fraud/date=2026-01-02');
    await env.clock.advanceAsync(HOUR_MS);
    await file.forceFlush();
    expect(file.stats().partitionsDeleted).toBe(2);
    await file.shutdown();
  });

  it('keeps everything when retentionDays is unset', async () => {
    await partitionWithFile('model_name=fraud/date=2020-01-01');
    const file = exporter();
    await file.ready;
    await file.shutdown();
    expect(await listFiles(root())).toHaveLength(1);
  });
});

describe('FileExporter integrity mode', () => {
  it('writes a header, chain fields and a trailer that verify', async () => {
    const file = exporter({ compress: false, integrity: true });
    await file.send(predictionBatch(3), signal);
    await file.send(predictionBatch(2), signal);
    await file.shutdown();
    const lines = await readAllLines(root());
    expect(lines).toHaveLength(7);
    expect(lines[0]).toMatch(/^\{"_predlog":"header"/);
    expect(lines[1]).toMatch(/,"_seq":1,"_prev":"[0-9a-f]{64}"\}$/);
    expect(JSON.parse(lines[6] ?? '')).toMatchObject({ _predlog: 'trailer', lines: 5 });
    expect(await verifyIntegrity(root())).toMatchObject({ ok: true, filesChecked: 1, linesVerified: 5 });
  });
});

describe('FileExporter inside a plain OTel LoggerProvider', () => {
  it('writes what an OTel logger emits', async () => {
    const file = exporter({ compress: false });
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'otel-app' }),
      processors: [new SimpleLogRecordProcessor({ exporter: file })],
    });
    const logger = provider.getLogger('app');
    for (let i = 0; i < 5; i++) {
      logger.emit({
        eventName: 'ml.prediction',
        timestamp: Date.parse('2026-01-31T08:00:00.000Z') + i,
        attributes: {
          'ml.model.name': 'otel-model',
          'ml.request.id': `otel-${i}`,
          'ml.prediction.score': 0.5,
        },
        body: { input_features: { amount: i } },
      });
    }
    logger.emit({ body: 'plain text log', attributes: { 'app.bytes': new Uint8Array([1, 2, 3]) } });
    await provider.forceFlush();
    await provider.shutdown();

    const records = (await readAllLines(root())).map((line) => JSON.parse(line));
    const predictions = records.filter((record) => record.event === 'ml.prediction');
    expect(predictions.map((record) => record.request_id)).toEqual([
      'otel-0',
      'otel-1',
      'otel-2',
      'otel-3',
      'otel-4',
    ]);
    expect(predictions[2]).toMatchObject({
      model_name: 'otel-model',
      service_name: 'otel-app',
      score: 0.5,
      input_features: { amount: 2 },
    });
    const plain = records.find((record) => record.event === 'log');
    expect(plain).toMatchObject({ message: 'plain text log', attributes: { 'app.bytes': 'AQID' } });
    const files = await listFiles(root());
    expect(files.some((path) => path.startsWith('model_name=otel-model/date=2026-01-31/'))).toBe(true);
    expect(files.some((path) => path.startsWith('model_name=_unknown/'))).toBe(true);
  });
});

describe('FileExporter with a foreign record type', () => {
  it('accepts any ReadWriteLogRecord, reading only its fields', async () => {
    const file = exporter({ compress: false });
    const base = predictionLogRecord();
    const foreign = { ...base } as unknown as LogRecordLike;
    await file.send([foreign], signal);
    await file.shutdown();
    expect(await readAllLines(root())).toEqual([expectedLine(base)]);
  });
});
