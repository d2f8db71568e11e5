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
} from '@predlog/core';
import { z } from 'zod';
import {
  type TailRetentionConfigInput,
  TailRetentionProcessor,
  tailRetentionConfigSchema,
} from '../../src/index.ts';

/** A clock the test moves by hand; wall and monotonic time move together. */
export class FakeClock implements Clock {
  wallMs = Date.parse('2026-01-31T12:00:00.000Z');
  monotonicMs = 1_000;

  now(): number {
    return this.wallMs;
  }

  monotonic(): number {
    return this.monotonicMs;
  }

  advance(ms: number): void {
    this.wallMs += ms;
    this.monotonicMs += ms;
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

export function testEnv(id = 'tail_retention'): TestEnv {
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
      meter: meterProvider.getMeter('@predlog/processor-tail-retention'),
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

/**
 * A processor wired the way a pipeline wires it: what `process()` returns and what it releases
 * later both land in `kept`, reported drops in `dropped`. The interval timer is pushed out of the
 * way (one hour) unless the config sets it: tests move the fake clock and call `advance()`.
 */
export class Harness {
  readonly env: TestEnv;
  readonly processor: TailRetentionProcessor;
  /** Returned by process() (late arrivals, groups decided while a batch was ingested). */
  readonly passed: LogRecordLike[] = [];
  /** Released later through the downstream callback (due groups, flush). */
  readonly released: LogRecordLike[] = [];
  readonly drops = new Map<string, number>();

  constructor(config: TailRetentionConfigInput = {}, env: TestEnv = testEnv()) {
    this.env = env;
    this.processor = new TailRetentionProcessor(
      tailRetentionConfigSchema.parse({ checkIntervalMs: 3_600_000, ...config }),
      env.services,
    );
    this.processor.connect(
      (records) => this.released.push(...records),
      (count, reason) => this.drops.set(reason, (this.drops.get(reason) ?? 0) + count),
    );
  }

  push(...records: LogRecordLike[]): LogRecordLike[] {
    const passed = this.processor.process(records);
    this.passed.push(...passed);
    return passed;
  }

  /** Moves the clock and decides what is due, as the interval timer would. */
  advance(ms: number): number {
    this.env.clock.advance(ms);
    return this.processor.decideDue();
  }

  get kept(): LogRecordLike[] {
    return [...this.passed, ...this.released];
  }

  get dropped(): number {
    return this.drops.get('retention_policy') ?? 0;
  }

  async close(): Promise<void> {
    await this.processor.shutdown();
  }
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
