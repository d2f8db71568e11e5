import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BaseExporter,
  type Clock,
  DiagnosticsChannel,
  ExportError,
  PredictionLogger,
  type PredictionView,
  type Sampler,
  systemClock,
} from '@predlog/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createModelMetrics, type MetricsConfigInput, type ModelMetrics } from '../src/index.ts';
import { bucketsOf, parseExposition, sampleValue, select } from './support/exposition.ts';

class MemoryExporter extends BaseExporter {
  sent = 0;
  failuresLeft: number;

  constructor(id = 'memory', failures = 0) {
    super(id);
    this.failuresLeft = failures;
  }

  async send(records: readonly unknown[]): Promise<void> {
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new ExportError('sink unavailable', { retryable: true });
    }
    this.sent += records.length;
  }
}

/** A clock the test moves by hand, for exact request durations. */
class FakeClock implements Clock {
  ms = 1_000_000;
  now(): number {
    return this.ms;
  }
  monotonic(): number {
    return this.ms;
  }
  // Only the reading is faked: the export queue behind the metrics keeps real timers.
  readonly setTimeout = systemClock.setTimeout;
  readonly setInterval = systemClock.setInterval;
}

const opened: Array<{ shutdown(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await item.shutdown();
});

async function metricsWith(
  config: MetricsConfigInput = {},
  extra: { clock?: Clock; diagnostics?: DiagnosticsChannel } = {},
): Promise<ModelMetrics> {
  const metrics = await createModelMetrics({
    config,
    model: { name: 'fraud', version: '2.0.0' },
    resource: { 'service.name': 'metrics-test' },
    ...extra,
  });
  opened.push(metrics);
  return metrics;
}

function loggerFor(metrics: ModelMetrics, options: { sampler?: Sampler; exporter?: MemoryExporter } = {}) {
  const exporter = options.exporter ?? new MemoryExporter();
  const logger = new PredictionLogger({
    pipelines: [
      { exporters: [{ exporter, queue: { maxBatchAgeMs: 1, retry: { initialIntervalMs: 1, jitter: 0 } } }] },
    ],
    model: { name: 'fraud', version: '2.0.0' },
    observers: [metrics],
    meterProvider: metrics.meterProvider,
    diagnostics: new DiagnosticsChannel(() => undefined),
    ...(options.sampler === undefined ? {} : { sampler: options.sampler }),
  });
  opened.push(logger);
  return { logger, exporter };
}

const view = (fields: Partial<PredictionView>): PredictionView => ({
  modelName: 'fraud',
  modelVersion: '2.0.0',
  ...fields,
});

describe('the Prometheus exposition', () => {
  it('has the names, types, labels and buckets of issue 7, and no scope labels', async () => {
    const clock = new FakeClock();
    const metrics = await metricsWith({ features: { amount: { buckets: [10, 100] } } }, { clock });
    metrics.observePrediction(view({ score: 0.3, features: { amount: 50 } }));
    metrics.observePrediction(view({ isError: true, error: new TypeError('bad input') }));
    const served = metrics.startRequest({ endpoint: '/predict' });
    clock.ms += 70;
    served.end({ statusCode: 200 });
    metrics.recordModelLoad({ name: 'fraud', version: '2.0.0' }, 2.5);
    const text = await metrics.scrape();
    const exposition = parseExposition(text);

    expect(Object.fromEntries(exposition.types)).toMatchObject({
      model_requests_total: 'counter',
      model_request_duration_seconds: 'histogram',
      model_errors_total: 'counter',
      model_in_flight_requests: 'gauge',
      prediction_score_distribution: 'histogram',
      feature_value_distribution: 'histogram',
      model_load_time_seconds: 'gauge',
      predlog_metrics_series_overflow_total: 'counter',
      target_info: 'gauge',
    });
    expect(text).not.toMatch(/otel_scope_/);
    const model = { model_name: 'fraud', model_version: '2.0.0' };
    expect(
      sampleValue(exposition, 'model_requests_total', { ...model, endpoint: '/predict', status_code: '200' }),
    ).toBe(1);
    expect(select(exposition, 'model_requests_total')[0]?.labels).toEqual({
      ...model,
      endpoint: '/predict',
      status_code: '200',
    });
    expect(
      bucketsOf(exposition, 'model_request_duration_seconds', { ...model, endpoint: '/predict' }),
    ).toEqual([
      ['0.0001', 0],
      ['0.00025', 0],
      ['0.0005', 0],
      ['0.001', 0],
      ['0.0025', 0],
      ['0.005', 0],
      ['0.01', 0],
      ['0.05', 0],
      ['0.1', 1],
      ['0.25', 1],
      ['0.5', 1],
      ['1', 1],
      ['2.5', 1],
      ['5', 1],
      ['+Inf', 1],
    ]);
    expect(sampleValue(exposition, 'model_request_duration_seconds_sum')).toBeCloseTo(0.07, 12);
    expect(sampleValue(exposition, 'model_errors_total', { ...model, error_type: 'TypeError' })).toBe(1);
    expect(sampleValue(exposition, 'model_in_flight_requests', { ...model, endpoint: '/predict' })).toBe(0);
    expect(sampleValue(exposition, 'prediction_score_distribution_count', model)).toBe(1);
    expect(bucketsOf(exposition, 'prediction_score_distribution', model).map(([le]) => le)).toEqual([
      ...Array.from({ length: 20 }, (_, i) => String((i + 1) / 20)),
      '+Inf',
    ]);
    expect(bucketsOf(exposition, 'feature_value_distribution', { ...model, feature: 'amount' })).toEqual([
      ['10', 0],
      ['100', 1],
      ['+Inf', 1],
    ]);
    expect(sampleValue(exposition, 'model_load_time_seconds', model)).toBe(2.5);
    expect(sampleValue(exposition, 'target_info', {})).toBe(1);
    expect(select(exposition, 'target_info')[0]?.labels).toMatchObject({ service_name: 'metrics-test' });
  });

  it("exposes predlog's pipeline metrics under their Prometheus names when the logger shares the provider", async () => {
    const metrics = await metricsWith();
    const exporter = new MemoryExporter('flaky', 1);
    let call = 0;
    const everyOther: Sampler = {
      decide: () =>
        call++ % 2 === 0
          ? { keep: true, weight: 2, reason: 'test' }
          : { keep: false, weight: 0, reason: 'test' },
    };
    const { logger } = loggerFor(metrics, { sampler: everyOther, exporter });
    for (let i = 0; i < 10; i++)
      logger.record({ requestId: `r${i}`, score: 0.5, latencyMs: 1, features: {} });
    logger.record(null as never);
    await logger.forceFlush();
    // A meter stands in for core's spill gauge (issue 6's `predlog.spill.bytes`, an observable
    // gauge in bytes): what matters here is the name the exporter gives it.
    metrics.meterProvider
      .getMeter('@predlog/core')
      .createObservableGauge('predlog.spill.bytes', { unit: 'By' })
      .addCallback((result) => result.observe(4096, { exporter: 'flaky' }));
    const exposition = parseExposition(await metrics.scrape());

    expect(sampleValue(exposition, 'predlog_records_received_total')).toBe(11);
    expect(sampleValue(exposition, 'predlog_records_sampled_out_total')).toBe(5);
    expect(sampleValue(exposition, 'predlog_records_dropped_total', { reason: 'invalid' })).toBe(1);
    expect(sampleValue(exposition, 'predlog_records_exported_total', { exporter: 'flaky' })).toBe(5);
    expect(sampleValue(exposition, 'predlog_export_failures_total', { exporter: 'flaky' })).toBe(1);
    expect(sampleValue(exposition, 'predlog_queue_depth', { queue: 'boundary' })).toBe(0);
    expect(sampleValue(exposition, 'predlog_spill_bytes', { exporter: 'flaky' })).toBe(4096);
    expect(exposition.types.get('predlog_spill_bytes')).toBe('gauge');
    expect(exposition.types.get('predlog_queue_depth')).toBe('gauge');
    // Every prediction reached the metrics, sampled out or not.
    expect(sampleValue(exposition, 'prediction_score_distribution_count')).toBe(10);
  });

  it('leaves out target_info when configured to, and adds matching resource attributes as labels', async () => {
    const metrics = await metricsWith({
      prometheus: { targetInfo: false, resourceLabelsPattern: '^service\\.name$' },
    });
    metrics.observePrediction(view({ score: 0.5 }));
    const exposition = parseExposition(await metrics.scrape());
    expect(exposition.types.has('target_info')).toBe(false);
    expect(select(exposition, 'prediction_score_distribution_count')[0]?.labels).toEqual({
      model_name: 'fraud',
      model_version: '2.0.0',
      service_name: 'metrics-test',
    });
  });
});

describe('the prediction observer', () => {
  it('counts every prediction before sampling: 1,000 records at a 10% log sample are 1,000 scores', async () => {
    const metrics = await metricsWith();
    let n = 0;
    const tenPercent: Sampler = {
      decide: () =>
        n++ % 10 === 0
          ? { keep: true, weight: 10, reason: 'head' }
          : { keep: false, weight: 0, reason: 'head' },
    };
    const { logger, exporter } = loggerFor(metrics, { sampler: tenPercent });
    let sum = 0;
    for (let i = 0; i < 1000; i++) {
      const score = (i % 100) / 100;
      sum += score;
      logger.record({ requestId: `r${i}`, score, latencyMs: 1, features: {} });
    }
    await logger.forceFlush();
    expect(exporter.sent).toBe(100);
    const exposition = parseExposition(await metrics.scrape());
    expect(sampleValue(exposition, 'prediction_score_distribution_count')).toBe(1000);
    expect(sampleValue(exposition, 'prediction_score_distribution_sum')).toBeCloseTo(sum, 9);
    expect(sampleValue(exposition, 'prediction_score_distribution_bucket', { le: '0.5' })).toBe(510);
  });

  it('records configured features as numbers (booleans as 0/1) and skips missing, non-numeric and non-finite values', async () => {
    const metrics = await metricsWith({
      features: { amount: { buckets: [1, 10] }, is_new: { buckets: [0, 1] }, ignored: { buckets: [1] } },
    });
    metrics.observePrediction(view({ features: { amount: 5, is_new: true, other: 1 } }));
    metrics.observePrediction(view({ features: { amount: '7', is_new: false, ignored: Number.NaN } }));
    metrics.observePrediction(view({ features: { amount: Number.POSITIVE_INFINITY, is_new: null } }));
    metrics.observePrediction(view({ features: undefined, score: 0.1 }));
    const exposition = parseExposition(await metrics.scrape());
    const model = { model_name: 'fraud', model_version: '2.0.0' };
    expect(bucketsOf(exposition, 'feature_value_distribution', { ...model, feature: 'amount' })).toEqual([
      ['1', 0],
      ['10', 1],
      ['+Inf', 1],
    ]);
    expect(bucketsOf(exposition, 'feature_value_distribution', { ...model, feature: 'is_new' })).toEqual([
      ['0', 1],
      ['1', 2],
      ['+Inf', 2],
    ]);
    // A feature never seen as a number exports no series at all.
    expect(select(exposition, 'feature_value_distribution_count', { feature: 'ignored' })).toEqual([]);
    expect(select(exposition, 'feature_value_distribution_count', { feature: 'other' })).toEqual([]);
  });

  it('counts errors by type as core names them: Error name, a string as given, else "error"', async () => {
    const metrics = await metricsWith();
    class ModelTimeout extends Error {
      override name = 'ModelTimeout';
    }
    metrics.observePrediction(view({ isError: true, error: new ModelTimeout('slow') }));
    metrics.observePrediction(view({ isError: true, error: new ModelTimeout('slow again') }));
    metrics.observePrediction(view({ isError: true, error: 'feature_store_down' }));
    metrics.observePrediction(view({ isError: true, error: { code: 42 } }));
    metrics.observePrediction(view({ isError: false, error: undefined, score: 0.2 }));
    const exposition = parseExposition(await metrics.scrape());
    const byType = Object.fromEntries(
      select(exposition, 'model_errors_total').map((s) => [s.labels.error_type, s.value]),
    );
    expect(byType).toEqual({ ModelTimeout: 2, feature_store_down: 1, error: 1 });
  });

  it('labels a prediction that names no model with the default model, then "unknown"', async () => {
    const withDefault = await metricsWith();
    withDefault.observePrediction({ score: 0.5 });
    expect(
      select(parseExposition(await withDefault.scrape()), 'prediction_score_distribution_count')[0]?.labels,
    ).toEqual({
      model_name: 'fraud',
      model_version: '2.0.0',
    });
    const bare = await createModelMetrics();
    opened.push(bare);
    bare.observePrediction({ score: 0.5, modelName: 'churn' });
    expect(
      select(parseExposition(await bare.scrape()), 'prediction_score_distribution_count')[0]?.labels,
    ).toEqual({
      model_name: 'churn',
      model_version: 'unknown',
    });
  });
});

describe('the request API', () => {
  it('tracks in-flight requests, durations and status codes; end() counts once', async () => {
    const clock = new FakeClock();
    const metrics = await metricsWith({}, { clock });
    const a = metrics.startRequest({ endpoint: '/predict' });
    const b = metrics.startRequest({ endpoint: '/predict' });
    const c = metrics.startRequest({ endpoint: '/batch', model: { name: 'fraud', version: '2.1.0' } });
    let exposition = parseExposition(await metrics.scrape());
    expect(sampleValue(exposition, 'model_in_flight_requests', { endpoint: '/predict' })).toBe(2);
    expect(
      sampleValue(exposition, 'model_in_flight_requests', { endpoint: '/batch', model_version: '2.1.0' }),
    ).toBe(1);

    clock.ms += 3;
    a.end({ statusCode: 200 });
    a.end({ statusCode: 500 });
    clock.ms += 300;
    expect(b.elapsedSeconds()).toBeCloseTo(0.303, 12);
    b.end({ statusCode: 503 });
    clock.ms += 6000;
    c.end({ statusCode: 200 });
    exposition = parseExposition(await metrics.scrape());
    const predict = { model_name: 'fraud', model_version: '2.0.0', endpoint: '/predict' };
    expect(sampleValue(exposition, 'model_in_flight_requests', predict)).toBe(0);
    expect(sampleValue(exposition, 'model_requests_total', { ...predict, status_code: '200' })).toBe(1);
    expect(sampleValue(exposition, 'model_requests_total', { ...predict, status_code: '503' })).toBe(1);
    expect(select(exposition, 'model_requests_total', { status_code: '500' })).toEqual([]);
    expect(bucketsOf(exposition, 'model_request_duration_seconds', predict).map(([, n]) => n)).toEqual([
      // 3 ms and 303 ms: the first in the 5 ms bucket below the SLA ones, the second in 0.5 s.
      0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2,
    ]);
    expect(
      sampleValue(exposition, 'model_request_duration_seconds_bucket', { endpoint: '/batch', le: '5' }),
    ).toBe(0);
    expect(
      sampleValue(exposition, 'model_request_duration_seconds_bucket', { endpoint: '/batch', le: '+Inf' }),
    ).toBe(1);
  });

  it('counts a request under the model given at end(), and takes it off the in-flight gauge where it started', async () => {
    const metrics = await metricsWith();
    const served = metrics.startRequest({ endpoint: '/predict' });
    served.end({ statusCode: 200, model: { name: 'fraud', version: '3.0.0-canary' } });
    const exposition = parseExposition(await metrics.scrape());
    expect(sampleValue(exposition, 'model_requests_total', { model_version: '3.0.0-canary' })).toBe(1);
    expect(select(exposition, 'model_requests_total', { model_version: '2.0.0' })).toEqual([]);
    expect(sampleValue(exposition, 'model_in_flight_requests', { model_version: '2.0.0' })).toBe(0);
  });

  it('never throws into serving code: a missing outcome or an odd status code is counted as "invalid"', async () => {
    const metrics = await metricsWith();
    const a = metrics.startRequest({ endpoint: '/predict' });
    expect(() => a.end(undefined as never)).not.toThrow();
    metrics.startRequest({ endpoint: '/predict' }).end({ statusCode: 1234 });
    metrics.startRequest(undefined as never).end({ statusCode: 200 });
    const exposition = parseExposition(await metrics.scrape());
    expect(
      sampleValue(exposition, 'model_requests_total', { endpoint: '/predict', status_code: 'invalid' }),
    ).toBe(2);
    expect(sampleValue(exposition, 'model_requests_total', { endpoint: 'unknown', status_code: '200' })).toBe(
      1,
    );
  });
});

describe('the cardinality guard', () => {
  it('sends label combinations past the cap to an "other" series and counts them', async () => {
    const metrics = await metricsWith({ maxSeriesPerInstrument: 3, features: { amount: { buckets: [1] } } });
    for (let m = 0; m < 5; m++)
      for (let i = 0; i < 2; i++)
        metrics.observePrediction(view({ modelName: `model-${m}`, score: 0.5, features: { amount: 2 } }));
    for (let e = 0; e < 6; e++) metrics.observePrediction(view({ isError: true, error: `code_${e}` }));
    const exposition = parseExposition(await metrics.scrape());

    const scores = select(exposition, 'prediction_score_distribution_count');
    expect(scores.map((s) => s.labels.model_name)).toEqual(['model-0', 'model-1', 'model-2', 'other']);
    expect(
      sampleValue(exposition, 'prediction_score_distribution_count', {
        model_name: 'other',
        model_version: 'other',
      }),
    ).toBe(4);
    // The feature label is config, not caller data: the "other" series keeps it.
    expect(
      sampleValue(exposition, 'feature_value_distribution_count', { model_name: 'other', feature: 'amount' }),
    ).toBe(4);
    expect(select(exposition, 'model_errors_total').map((s) => s.labels.error_type)).toEqual([
      'code_0',
      'code_1',
      'code_2',
      'other',
    ]);
    expect(sampleValue(exposition, 'model_errors_total', { error_type: 'other' })).toBe(3);
    const overflow = Object.fromEntries(
      select(exposition, 'predlog_metrics_series_overflow_total').map((s) => [s.labels.metric, s.value]),
    );
    expect(overflow).toEqual({
      model_requests_total: 0,
      model_request_duration_seconds: 0,
      model_errors_total: 3,
      prediction_score_distribution: 4,
      feature_value_distribution: 4,
    });
  });

  it('caps requests per instrument too, and keeps memory bounded for a flood of new values', async () => {
    const metrics = await metricsWith({ maxSeriesPerInstrument: 2 });
    for (let i = 0; i < 10_000; i++)
      metrics.startRequest({ endpoint: `/users/${i}` }).end({ statusCode: 200 });
    const exposition = parseExposition(await metrics.scrape());
    expect(select(exposition, 'model_requests_total')).toHaveLength(3);
    expect(sampleValue(exposition, 'model_requests_total', { endpoint: 'other', status_code: 'other' })).toBe(
      9998,
    );
    expect(select(exposition, 'model_request_duration_seconds_count')).toHaveLength(3);
    expect(
      sampleValue(exposition, 'predlog_metrics_series_overflow_total', { metric: 'model_requests_total' }),
    ).toBe(9998);
  });

  it('cuts long label values, without exporting two series with one label set', async () => {
    const metrics = await metricsWith({ maxLabelValueLength: 8 });
    metrics.observePrediction(view({ modelName: 'a-very-long-model-name-1', score: 0.1 }));
    metrics.observePrediction(view({ modelName: 'a-very-long-model-name-2', score: 0.2 }));
    metrics.observePrediction(view({ modelName: 'other', modelVersion: 'other', score: 0.3 }));
    const exposition = parseExposition(await metrics.scrape());
    expect(sampleValue(exposition, 'prediction_score_distribution_count', { model_name: 'a-very-l' })).toBe(
      2,
    );
    expect(sampleValue(exposition, 'prediction_score_distribution_count', { model_name: 'other' })).toBe(1);
  });
});

describe('model load time', () => {
  it('keeps the latest load time per model, and ignores an invalid one with a diagnostic', async () => {
    const events: string[] = [];
    const diagnostics = new DiagnosticsChannel((e) => events.push(e.code));
    const clock = new FakeClock();
    const metrics = await metricsWith({}, { diagnostics, clock });
    metrics.recordModelLoad('fraud', 4);
    metrics.recordModelLoad('fraud', 1.25);
    metrics.recordModelLoad('fraud', Number.NaN);
    const loaded = await metrics.timeModelLoad({ name: 'churn', version: '1' }, async () => {
      clock.ms += 1500;
      return 'weights';
    });
    expect(loaded).toBe('weights');
    const exposition = parseExposition(await metrics.scrape());
    expect(
      sampleValue(exposition, 'model_load_time_seconds', { model_name: 'fraud', model_version: '2.0.0' }),
    ).toBe(1.25);
    expect(
      sampleValue(exposition, 'model_load_time_seconds', { model_name: 'churn', model_version: '1' }),
    ).toBe(1.5);
    expect(events).toEqual(['metrics_invalid_load_time']);
  });
});

describe('serving the endpoint', () => {
  function get(
    port: number,
    path: string,
    method = 'GET',
  ): Promise<{ status: number; type: string; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
        );
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('answers GET and HEAD through handleScrape on the app server, and refuses other methods', async () => {
    const metrics = await metricsWith();
    metrics.observePrediction(view({ score: 0.9 }));
    const server = createServer((req, res) => metrics.handleScrape(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    opened.push({ shutdown: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    const port = (server.address() as AddressInfo).port;
    const ok = await get(port, '/metrics');
    expect(ok.status).toBe(200);
    expect(ok.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(sampleValue(parseExposition(ok.body), 'prediction_score_distribution_count')).toBe(1);
    const head = await get(port, '/metrics', 'HEAD');
    expect([head.status, head.body]).toEqual([200, '']);
    expect((await get(port, '/metrics', 'POST')).status).toBe(405);
  });

  it('starts a standalone server when prometheus.port is set, answering only its endpoint', async () => {
    const metrics = await metricsWith({ prometheus: { port: 0, endpoint: '/internal/metrics' } });
    const address = metrics.scrapeAddress;
    expect(address?.host).toBe('127.0.0.1');
    expect(address?.port).toBeGreaterThan(0);
    const port = address?.port ?? 0;
    expect((await get(port, '/internal/metrics')).status).toBe(200);
    expect((await get(port, '/metrics')).status).toBe(404);
    await metrics.shutdown();
    await expect(get(port, '/internal/metrics')).rejects.toThrow(/ECONNREFUSED/);
  });
});
