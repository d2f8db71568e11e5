import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BaseExporter,
  type Clock,
  type ComponentServices,
  type DiagnosticEvent,
  DiagnosticsChannel,
  type ExporterFactory,
  type LogRecordLike,
  PredlogLogRecord,
} from '@predlog/core';
import { z } from 'zod';
import { type SamplingConfigInput, SamplingProcessor, samplingConfigSchema } from '../../src/index.ts';

/** A clock the test moves by hand; wall and monotonic time are the same number. */
export class FakeClock implements Clock {
  t: number;

  constructor(start = 1_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  monotonic(): number {
    return this.t;
  }

  advance(ms: number): void {
    this.t += ms;
  }
}

export interface MetricPoint {
  attributes: Record<string, unknown>;
  value: unknown;
}

export interface TestEnv {
  clock: FakeClock;
  events: DiagnosticEvent[];
  services: ComponentServices;
  /** Collects the meter's instruments now: name → data points. */
  readMetrics(): Promise<Map<string, MetricPoint[]>>;
}

export function testEnv(id = 'sampling/test'): TestEnv {
  const clock = new FakeClock();
  const events: DiagnosticEvent[] = [];
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    clock,
    events,
    services: {
      id,
      diagnostics: new DiagnosticsChannel((event) => events.push(event)),
      meter: meterProvider.getMeter('@predlog/processor-sampling'),
      clock,
      resource: resourceFromAttributes({ 'service.name': 'test' }),
      baseDir: process.cwd(),
    },
    async readMetrics() {
      exporter.reset();
      await reader.forceFlush();
      const out = new Map<string, MetricPoint[]>();
      for (const resourceMetrics of exporter.getMetrics())
        for (const scope of resourceMetrics.scopeMetrics)
          for (const metric of scope.metrics)
            out.set(
              metric.descriptor.name,
              metric.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value })),
            );
      return out;
    },
  };
}

/** A processor built the way the factory builds it, from config input with every default. */
export function sampler(config: SamplingConfigInput, env: TestEnv = testEnv()): SamplingProcessor {
  return new SamplingProcessor(samplingConfigSchema.parse(config), env.services);
}

/** Every rule off except the draw: the plain consistent, stratified sample. */
export const PLAIN: SamplingConfigInput = {
  alwaysKeep: { scoreAbove: null, scoreBelow: null, nearThresholdDelta: null, errors: false, force: false },
  newVersion: { windowMs: 0 },
};

/** An `ml.prediction` log record as predlog (or an OTel app) emits it. */
export function predictionRecord(
  attributes: Record<string, unknown>,
  body: Record<string, unknown> = {},
): PredlogLogRecord {
  return new PredlogLogRecord({
    hrTime: [1_767_225_600, 0],
    resource: resourceFromAttributes({ 'service.name': 'test' }),
    instrumentationScope: { name: 'test' },
    attributes: {
      'ml.model.name': 'fraud',
      'ml.model.version': '1',
      ...attributes,
    } as PredlogLogRecord['attributes'],
    body: body as PredlogLogRecord['body'],
    eventName: 'ml.prediction',
  });
}

/** An exporter that keeps what it is sent, registered as `type: memory` for config tests. */
export class MemoryExporter extends BaseExporter {
  readonly records: LogRecordLike[] = [];

  async send(records: readonly LogRecordLike[]): Promise<void> {
    this.records.push(...records);
  }
}

export function memoryExporterFactory(target: MemoryExporter[] = []): ExporterFactory {
  return {
    kind: 'exporter',
    type: 'memory',
    configSchema: z.strictObject({}),
    create: (_config, services) => {
      const exporter = new MemoryExporter(services.id);
      target.push(exporter);
      return exporter;
    },
  };
}
