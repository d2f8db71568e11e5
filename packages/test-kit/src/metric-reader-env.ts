import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { type ComponentServices, type DiagnosticEvent, DiagnosticsChannel } from '@predlog/core';
import { FakeClock, type FakeClockOptions } from './fake-clock.ts';

export interface MetricPoint {
  attributes: Record<string, unknown>;
  value: unknown;
}

export interface MetricReaderEnvOptions {
  id: string;
  /** The instrumentation scope of the meter, normally the component's package name. */
  meterScope: string;
  clock?: FakeClockOptions;
}

export interface MetricReaderEnv {
  clock: FakeClock;
  events: DiagnosticEvent[];
  services: ComponentServices;
  /** Collects the meter's instruments now: name → data points (cumulative). */
  readMetrics(): Promise<Map<string, MetricPoint[]>>;
}

/**
 * Component services whose meter is a real SDK MeterProvider, for tests that check histograms,
 * gauges or the exact attribute sets the SDK aggregates (a CountingMeter only sums counters).
 */
export function metricReaderEnv(options: MetricReaderEnvOptions): MetricReaderEnv {
  const clock = new FakeClock(options.clock);
  const events: DiagnosticEvent[] = [];
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // The interval is out of the way: metrics are read only when the test asks.
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    clock,
    events,
    services: {
      id: options.id,
      diagnostics: new DiagnosticsChannel((event) => events.push(event)),
      meter: meterProvider.getMeter(options.meterScope),
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
