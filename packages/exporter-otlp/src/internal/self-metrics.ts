import type { Attributes, Counter, Meter } from '@opentelemetry/api';

/** Counts kept in-process too, so `OtlpExporter.stats()` works without a metrics SDK. */
export interface OtlpExporterStats {
  requestsSucceeded: number;
  /** Exports that failed in a way a retry may fix (429, 5xx, network, timeout). */
  requestsFailed: number;
  /** Exports the receiver refused for good (4xx). */
  requestsRejected: number;
  recordsSent: number;
  recordsRejected: number;
}

export type ExportOutcome = 'success' | 'retryable' | 'rejected';

const PREFIX = 'predlog.exporter.otlp';

export class OtlpExporterMetrics {
  readonly stats: OtlpExporterStats = {
    requestsSucceeded: 0,
    requestsFailed: 0,
    requestsRejected: 0,
    recordsSent: 0,
    recordsRejected: 0,
  };
  private readonly attributes: Attributes;
  private readonly byOutcome: Readonly<Record<ExportOutcome, Attributes>>;
  private readonly requests: Counter;
  private readonly records: Counter;
  private readonly rejected: Counter;

  constructor(meter: Meter, componentId: string) {
    this.attributes = { 'predlog.component.id': componentId };
    this.byOutcome = {
      success: { ...this.attributes, outcome: 'success' },
      retryable: { ...this.attributes, outcome: 'retryable' },
      rejected: { ...this.attributes, outcome: 'rejected' },
    };
    this.requests = meter.createCounter(`${PREFIX}.requests`, {
      description: 'Export requests, by outcome (success, retryable, rejected)',
    });
    this.records = meter.createCounter(`${PREFIX}.records_sent`, {
      description: 'Records the receiver accepted',
    });
    this.rejected = meter.createCounter(`${PREFIX}.records_rejected`, {
      description: 'Records in exports the receiver refused for good (4xx)',
    });
  }

  outcome(outcome: ExportOutcome, records: number): void {
    this.requests.add(1, this.byOutcome[outcome]);
    if (outcome === 'success') {
      this.stats.requestsSucceeded++;
      this.stats.recordsSent += records;
      this.records.add(records, this.attributes);
    } else if (outcome === 'retryable') {
      this.stats.requestsFailed++;
    } else {
      this.stats.requestsRejected++;
      this.stats.recordsRejected += records;
      this.rejected.add(records, this.attributes);
    }
  }
}
