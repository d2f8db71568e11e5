import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { createModelMetrics, type ModelMetrics } from '../src/index.ts';

// OTLP/HTTP export of the same metrics, to a local receiver standing in for an OTel Collector.

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: OtlpRequest;
}

interface OtlpDataPoint {
  attributes: Array<{ key: string; value: { stringValue?: string } }>;
  asInt?: number | string;
  asDouble?: number;
  count?: number | string;
  sum?: number;
  bucketCounts?: Array<number | string>;
  explicitBounds?: number[];
}

interface OtlpMetric {
  name: string;
  unit?: string;
  sum?: { dataPoints: OtlpDataPoint[]; isMonotonic?: boolean; aggregationTemporality?: number };
  gauge?: { dataPoints: OtlpDataPoint[] };
  histogram?: { dataPoints: OtlpDataPoint[]; aggregationTemporality?: number };
}

interface OtlpRequest {
  resourceMetrics: Array<{
    resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
    scopeMetrics: Array<{ scope: { name: string }; metrics: OtlpMetric[] }>;
  }>;
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function receiver(): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(text) as OtlpRequest });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/metrics`, received };
}

const attrs = (point: OtlpDataPoint) =>
  Object.fromEntries(point.attributes.map((a) => [a.key, a.value.stringValue]));

describe('OTLP export', () => {
  it('sends counters, gauges and the histograms (cumulative) to the configured URL with its headers', async () => {
    const { url, received } = await receiver();
    const metrics: ModelMetrics = await createModelMetrics({
      model: { name: 'fraud', version: '2.0.0' },
      resource: { 'service.name': 'otlp-test' },
      config: {
        features: { amount: { buckets: [10, 100] } },
        otlp: { url, headers: { 'x-tenant': 'ml-team' }, exportIntervalMs: 60_000, exportTimeoutMs: 5000 },
      },
    });
    closers.push(() => metrics.shutdown());
    metrics.observePrediction({
      modelName: 'fraud',
      modelVersion: '2.0.0',
      score: 0.42,
      features: { amount: 50 },
    });
    metrics.observePrediction({
      modelName: 'fraud',
      modelVersion: '2.0.0',
      score: 0.9,
      features: { amount: 500 },
    });
    metrics.observePrediction({ modelName: 'fraud', modelVersion: '2.0.0', isError: true, error: 'timeout' });
    metrics.startRequest({ endpoint: '/predict' }).end({ statusCode: 200 });
    await metrics.forceFlush();

    expect(received).toHaveLength(1);
    const request = received[0] as Received;
    expect(request.path).toBe('/v1/metrics');
    expect(request.headers['x-tenant']).toBe('ml-team');
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    const resource = request.body.resourceMetrics[0];
    expect(resource?.resource.attributes).toContainEqual({
      key: 'service.name',
      value: { stringValue: 'otlp-test' },
    });
    const byName = new Map(resource?.scopeMetrics.flatMap((s) => s.metrics).map((m) => [m.name, m]));

    const requests = byName.get('model_requests')?.sum;
    expect(requests?.isMonotonic).toBe(true);
    expect(attrs(requests?.dataPoints[0] as OtlpDataPoint)).toEqual({
      model_name: 'fraud',
      model_version: '2.0.0',
      endpoint: '/predict',
      status_code: '200',
    });
    expect(Number(requests?.dataPoints[0]?.asDouble ?? requests?.dataPoints[0]?.asInt)).toBe(1);
    expect(byName.get('model_errors')?.sum?.dataPoints.map(attrs)).toEqual([
      { model_name: 'fraud', model_version: '2.0.0', error_type: 'timeout' },
    ]);

    const score = byName.get('prediction_score_distribution')?.histogram;
    expect(score?.aggregationTemporality).toBe(2); // AGGREGATION_TEMPORALITY_CUMULATIVE
    expect(Number(score?.dataPoints[0]?.count)).toBe(2);
    expect(score?.dataPoints[0]?.sum).toBeCloseTo(1.32, 12);
    expect(score?.dataPoints[0]?.explicitBounds).toHaveLength(20);
    const features = byName.get('feature_value_distribution')?.histogram?.dataPoints[0];
    expect(attrs(features as OtlpDataPoint)).toEqual({
      model_name: 'fraud',
      model_version: '2.0.0',
      feature: 'amount',
    });
    expect(features?.explicitBounds).toEqual([10, 100]);
    expect(features?.bucketCounts?.map(Number)).toEqual([0, 1, 1]);
    expect(byName.get('model_request_duration_seconds')?.unit).toBe('s');
    expect(byName.has('model_in_flight_requests')).toBe(true);
  });
});

describe('readers of your own', () => {
  it('get the counters and, through the histograms producer, the histograms', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const metrics = await createModelMetrics({
      model: { name: 'fraud', version: '2.0.0' },
      readers: (histograms) => [
        new PeriodicExportingMetricReader({
          exporter,
          exportIntervalMillis: 60_000,
          metricProducers: [histograms],
        }),
      ],
    });
    closers.push(() => metrics.shutdown());
    metrics.observePrediction({ score: 0.25, isError: true, error: new RangeError('x') });
    await metrics.forceFlush();
    const exported = exporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
    const score = exported.find((m) => m.descriptor.name === 'prediction_score_distribution');
    expect(score?.dataPointType).toBe(DataPointType.HISTOGRAM);
    expect(score?.dataPoints[0]?.attributes).toEqual({ model_name: 'fraud', model_version: '2.0.0' });
    const errors = exported.find((m) => m.descriptor.name === 'model_errors');
    expect(errors?.dataPoints.map((p) => [p.attributes.error_type, p.value])).toEqual([['RangeError', 1]]);
  });
});
