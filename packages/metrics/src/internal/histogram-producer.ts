import { type HrTime, ValueType } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  type CollectionResult,
  type DataPoint,
  DataPointType,
  type Histogram,
  type HistogramMetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { millisToHrTime } from '@predlog/core';
import type { HistogramSeries } from './histogram-series.ts';

export interface HistogramInstrument {
  /** The metric name, exported as is (Prometheus adds nothing to a histogram's name). */
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  /** Calls `visit` with each series of this metric, its `other` series included. */
  forEachSeries(visit: (series: HistogramSeries) => void): void;
}

/**
 * Hands predlog's own histogram aggregates to sdk-metrics readers (the Prometheus reader, the OTLP
 * periodic reader, or an application's reader) through the SDK's `MetricProducer` interface. The
 * OTel API has no asynchronous histogram, and the synchronous one costs the caller an attribute
 * hash per value, so histograms are aggregated in `HistogramSeries` and read here, cumulatively,
 * at collection time. A series that has seen nothing yet is left out.
 */
export class HistogramProducer implements MetricProducer {
  private readonly resource: Resource;
  private readonly scope: { name: string; version: string };
  private readonly instruments: readonly HistogramInstrument[];
  private readonly startTime: HrTime;

  constructor(options: {
    resource: Resource;
    scope: { name: string; version: string };
    instruments: readonly HistogramInstrument[];
    startTimeMs: number;
  }) {
    this.resource = options.resource;
    this.scope = options.scope;
    this.instruments = options.instruments;
    this.startTime = millisToHrTime(options.startTimeMs);
  }

  async collect(): Promise<CollectionResult> {
    const endTime = millisToHrTime(Date.now());
    const metrics: HistogramMetricData[] = [];
    for (const instrument of this.instruments) {
      const dataPoints: Array<DataPoint<Histogram>> = [];
      instrument.forEachSeries((series) => this.addPoint(dataPoints, series, endTime));
      if (dataPoints.length === 0) continue;
      metrics.push({
        descriptor: {
          name: instrument.name,
          description: instrument.description,
          unit: instrument.unit,
          valueType: ValueType.DOUBLE,
        },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints,
      });
    }
    return {
      resourceMetrics: { resource: this.resource, scopeMetrics: [{ scope: this.scope, metrics }] },
      errors: [],
    };
  }

  private addPoint(into: Array<DataPoint<Histogram>>, series: HistogramSeries, endTime: HrTime): void {
    if (series.count === 0) return;
    into.push({
      startTime: this.startTime,
      endTime,
      attributes: series.attributes,
      value: {
        // Copied: a prediction recorded while the reader serialises must not tear the point.
        buckets: { boundaries: series.boundaries as number[], counts: Array.from(series.counts) },
        count: series.count,
        sum: series.sum,
        min: series.min,
        max: series.max,
      },
    });
  }
}
