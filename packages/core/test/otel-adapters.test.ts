import { SeverityNumber } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { ExportError } from '../src/contracts.ts';
import type { LogRecordLike } from '../src/log-record.ts';
import { BaseProcessor } from '../src/otel-adapters.ts';
import { PredictionLogger } from '../src/prediction-logger.ts';
import { MemoryExporter, recordingDiagnostics } from './support.ts';

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

class DropDebug extends BaseProcessor {
  process(records: LogRecordLike[]): LogRecordLike[] {
    return records.filter((r) => r.severityNumber !== SeverityNumber.DEBUG);
  }
}
class MaskEmail extends BaseProcessor {
  process(records: LogRecordLike[]): LogRecordLike[] {
    for (const r of records) if (typeof r.attributes.email === 'string') r.setAttribute('email', '***');
    return records;
  }
}

describe('inside a plain OTel LoggerProvider', () => {
  it('a predlog exporter behind the stock BatchLogRecordProcessor receives the SDK records', async () => {
    const exporter = new MemoryExporter('memory');
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'elsewhere' }),
      processors: [new BatchLogRecordProcessor({ exporter })],
    });
    provider
      .getLogger('app')
      .emit({ eventName: 'ml.prediction', attributes: { 'ml.request.id': 'r1' }, body: { prediction: 1 } });
    await provider.forceFlush();
    expect(exporter.records).toHaveLength(1);
    expect(exporter.records[0]?.attributes['ml.request.id']).toBe('r1');
    expect(exporter.records[0]?.resource.attributes['service.name']).toBe('elsewhere');
    await provider.shutdown();
  });

  it('predlog processors chained with pipeTo() mutate and drop before the stock processor exports', async () => {
    const exporter = new MemoryExporter('memory');
    const chain = new MaskEmail('mask').pipeTo(
      new DropDebug('drop-debug').pipeTo(new SimpleLogRecordProcessor({ exporter })),
    );
    const provider = new LoggerProvider({ processors: [chain] });
    const logger = provider.getLogger('app');
    logger.emit({ severityNumber: SeverityNumber.INFO, attributes: { email: 'a@example.com', n: 1 } });
    logger.emit({ severityNumber: SeverityNumber.DEBUG, attributes: { email: 'b@example.com', n: 2 } });
    await provider.forceFlush();
    await settle(); // SimpleLogRecordProcessor does not await its own exports in forceFlush()
    expect(exporter.records.map((r) => r.attributes)).toEqual([{ email: '***', n: 1 }]);
    await provider.shutdown();
    expect(exporter.shutdownCalled).toBe(true);
  });

  it('without pipeTo a predlog processor still mutates records in place ahead of other processors', async () => {
    const exporter = new MemoryExporter('memory');
    const provider = new LoggerProvider({
      processors: [new MaskEmail('mask'), new SimpleLogRecordProcessor({ exporter })],
    });
    provider.getLogger('app').emit({ attributes: { email: 'a@example.com' } });
    await provider.forceFlush();
    await settle();
    expect(exporter.records[0]?.attributes.email).toBe('***');
    await provider.shutdown();
  });

  it('a failing predlog exporter reports FAILED to the stock processor instead of throwing', async () => {
    const exporter = new MemoryExporter('memory');
    exporter.failWith = () => new ExportError('sink down', { retryable: true });
    const results: number[] = [];
    exporter.export([], (result) => results.push(result.code));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(results).toEqual([1]);
  });
});

describe("records from an application LoggerProvider join predlog's pipeline", () => {
  it('copies them as of emit(), runs the head sampler on predictions, and exports them with their own resource', async () => {
    const exporter = new MemoryExporter('memory');
    const logger = new PredictionLogger({
      pipelines: [
        {
          events: ['ml.prediction', 'app.log'],
          processors: [new MaskEmail('mask')],
          exporters: [{ exporter, queue: { maxBatchAgeMs: 5 } }],
        },
      ],
      sampler: { decide: (v) => ({ keep: v.requestId !== 'drop-me', weight: 4, reason: 'rate' }) },
      diagnostics: recordingDiagnostics().diagnostics,
    });
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'other-app' }),
      processors: [logger.logRecordProcessor()],
    });
    const otel = provider.getLogger('app');
    const body = { input_features: { amount: 5 } };
    otel.emit({
      eventName: 'ml.prediction',
      attributes: { 'ml.request.id': 'keep-me', email: 'a@example.com' },
      body,
    });
    otel.emit({ eventName: 'ml.prediction', attributes: { 'ml.request.id': 'drop-me' }, body });
    otel.emit({ eventName: 'app.log', attributes: { 'ml.request.id': 'drop-me' }, body: 'not a prediction' });
    otel.emit({ eventName: 'other.event', body: 'no pipeline takes it' });
    body.input_features.amount = 999;
    await provider.forceFlush();
    await logger.forceFlush();
    expect(exporter.records.map((r) => r.attributes['ml.request.id'])).toEqual(['keep-me', 'drop-me']);
    const [kept, other] = exporter.records;
    expect(kept?.attributes).toMatchObject({
      email: '***',
      'ml.sampling.weight': 4,
      'ml.sampling.reason': 'rate',
    });
    expect(kept?.body).toEqual({ input_features: { amount: 5 } });
    expect(kept?.resource.attributes['service.name']).toBe('other-app');
    expect(other?.eventName).toBe('app.log');
    expect(logger.stats()).toMatchObject({
      received: 4,
      sampledOut: 1,
      exported: { memory: 2 },
      dropped: { no_pipeline: 1 },
    });
    await provider.shutdown();
    await logger.shutdown();
  });
});

describe('self-metrics through the OTel metrics API', () => {
  it('reports received, sampled out, dropped by reason, exported by exporter, failures, queue depth, duration', async () => {
    const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({
      exporter: metricExporter,
      exportIntervalMillis: 60_000,
    });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const good = new MemoryExporter('good');
    const bad = new MemoryExporter('bad');
    bad.failWith = () => new ExportError('400', { retryable: false });
    const logger = new PredictionLogger({
      pipelines: [{ exporters: [good, bad] }],
      sampler: { decide: (v) => ({ keep: v.requestId !== 'skip', weight: 1, reason: 'test' }) },
      logger: { maxQueueRecords: 3 },
      diagnostics: recordingDiagnostics().diagnostics,
      meterProvider,
    });
    for (const id of ['a', 'b', 'skip', 'c', 'd', 'e'])
      logger.record({ requestId: id, prediction: 1, latencyMs: 1, rawInput: Number.NaN });
    await logger.forceFlush();
    await reader.forceFlush();
    const metrics = new Map<string, Array<{ attributes: Record<string, unknown>; value: unknown }>>();
    for (const resourceMetrics of metricExporter.getMetrics()) {
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) {
          metrics.set(
            metric.descriptor.name,
            metric.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value })),
          );
        }
      }
    }
    expect(metrics.get('predlog.records.received')).toEqual([{ attributes: {}, value: 6 }]);
    expect(metrics.get('predlog.records.sampled_out')).toEqual([{ attributes: {}, value: 1 }]);
    expect(metrics.get('predlog.records.dropped')).toEqual(
      expect.arrayContaining([
        { attributes: { reason: 'queue_full' }, value: 2 },
        { attributes: { reason: 'export_rejected', exporter: 'bad' }, value: 3 },
      ]),
    );
    expect(metrics.get('predlog.records.exported')).toEqual([{ attributes: { exporter: 'good' }, value: 3 }]);
    expect(metrics.get('predlog.export.failures')).toEqual([{ attributes: { exporter: 'bad' }, value: 1 }]);
    expect(metrics.get('predlog.queue.depth')).toEqual(
      expect.arrayContaining([
        { attributes: { queue: 'boundary' }, value: 0 },
        { attributes: { queue: 'good' }, value: 0 },
      ]),
    );
    expect(metrics.get('predlog.records.sanitized')).toEqual([
      { attributes: { kind: 'non_finite_number' }, value: 3 },
    ]);
    const duration = metrics.get('predlog.export.duration_seconds');
    expect(duration?.map((d) => d.attributes)).toEqual(
      expect.arrayContaining([
        { exporter: 'good', outcome: 'success' },
        { exporter: 'bad', outcome: 'failure' },
      ]),
    );
    await logger.shutdown();
    await meterProvider.shutdown();
  });
});
