import type { Attributes, Counter, Meter } from '@opentelemetry/api';

/** Counts kept in-process too, so `LokiExporter.stats()` works without a metrics SDK. */
export interface LokiExporterStats {
  /** Push requests Loki accepted. */
  requestsSucceeded: number;
  /** Push requests that failed in a way a retry may fix (429, 5xx, network). */
  requestsFailed: number;
  /** Push requests Loki rejected for good (4xx). */
  requestsRejected: number;
  recordsSent: number;
  /** Records refused for good: by Loki (4xx) and before sending (the next two). */
  recordsRejected: number;
  /** Of `recordsRejected`: older than `rejectOldSamplesMaxAgeMs`, kept out of the push. */
  recordsTooOld: number;
  /** Of `recordsRejected`: a line over `maxLineBytes` (`oversizedLines: reject`), kept out of the push. */
  linesTooLong: number;
  recordsDeadLettered: number;
  /** Request bodies as sent (compressed). */
  bytesSent: number;
  /** Request bodies before compression. */
  bytesUncompressed: number;
  linesTruncated: number;
  encodeFallbacks: number;
  deadLetterFailures: number;
  /** Records sent in the overflow stream, their label set being over `maxStreams`. */
  recordsOverflowed: number;
}

export type RequestOutcome = 'success' | 'retryable' | 'rejected';

/** Why records were refused: by Loki's answer, or before sending for what Loki is known to refuse. */
export type RejectionReason = 'http' | 'too_old' | 'line_too_long';

const PREFIX = 'predlog.exporter.loki';

/** The exporter's self-metrics, through the application's meter. */
export class LokiExporterMetrics {
  readonly stats: LokiExporterStats = {
    requestsSucceeded: 0,
    requestsFailed: 0,
    requestsRejected: 0,
    recordsSent: 0,
    recordsRejected: 0,
    recordsTooOld: 0,
    linesTooLong: 0,
    recordsDeadLettered: 0,
    bytesSent: 0,
    bytesUncompressed: 0,
    linesTruncated: 0,
    encodeFallbacks: 0,
    deadLetterFailures: 0,
    recordsOverflowed: 0,
  };
  private readonly attributes: Attributes;
  private readonly byOutcome: Readonly<Record<RequestOutcome, Attributes>>;
  private readonly byReason: Readonly<Record<RejectionReason, Attributes>>;
  private readonly requests: Counter;
  private readonly records: Counter;
  private readonly rejected: Counter;
  private readonly deadLettered: Counter;
  private readonly bytes: Counter;
  private readonly rawBytes: Counter;
  private readonly truncated: Counter;
  private readonly fallbacks: Counter;
  private readonly deadLetterErrors: Counter;
  private readonly overflowed: Counter;

  constructor(meter: Meter, componentId: string) {
    this.attributes = { 'predlog.component.id': componentId };
    this.byOutcome = {
      success: { ...this.attributes, outcome: 'success' },
      retryable: { ...this.attributes, outcome: 'retryable' },
      rejected: { ...this.attributes, outcome: 'rejected' },
    };
    this.byReason = {
      http: { ...this.attributes, reason: 'http' },
      too_old: { ...this.attributes, reason: 'too_old' },
      line_too_long: { ...this.attributes, reason: 'line_too_long' },
    };
    this.requests = meter.createCounter(`${PREFIX}.requests`, {
      description: 'Push requests, by outcome (success, retryable, rejected)',
    });
    this.records = meter.createCounter(`${PREFIX}.records_sent`, { description: 'Records Loki accepted' });
    this.rejected = meter.createCounter(`${PREFIX}.records_rejected`, {
      description:
        'Records refused for good, by reason: http (Loki answered 4xx for them), too_old, line_too_long (kept out before sending)',
    });
    this.deadLettered = meter.createCounter(`${PREFIX}.records_dead_lettered`, {
      description: 'Rejected records written to the dead-letter directory',
    });
    this.bytes = meter.createCounter(`${PREFIX}.bytes_sent`, {
      description: 'Request body bytes sent (compressed)',
      unit: 'By',
    });
    this.rawBytes = meter.createCounter(`${PREFIX}.bytes_uncompressed`, {
      description: 'Request body bytes before compression',
      unit: 'By',
    });
    this.truncated = meter.createCounter(`${PREFIX}.lines_truncated`, {
      description: 'Lines over maxLineBytes, truncated with a marker',
    });
    this.fallbacks = meter.createCounter(`${PREFIX}.encode_fallbacks`, {
      description:
        'Records holding values JSON cannot encode (bigint, bytes, cycles) or a bad time, sent in a safe form',
    });
    this.deadLetterErrors = meter.createCounter(`${PREFIX}.dead_letter_failures`, {
      description: 'Rejected batches that could not be written to the dead-letter directory',
    });
    this.overflowed = meter.createCounter(`${PREFIX}.records_overflowed`, {
      description:
        'Records whose label set was over maxStreams, sent in the overflow stream (labels "__overflow__")',
    });
  }

  request(outcome: RequestOutcome): void {
    if (outcome === 'success') this.stats.requestsSucceeded++;
    else if (outcome === 'retryable') this.stats.requestsFailed++;
    else this.stats.requestsRejected++;
    this.requests.add(1, this.byOutcome[outcome]);
  }

  sent(records: number, wireBytes: number, rawBytes: number): void {
    this.stats.recordsSent += records;
    this.stats.bytesSent += wireBytes;
    this.stats.bytesUncompressed += rawBytes;
    this.records.add(records, this.attributes);
    this.bytes.add(wireBytes, this.attributes);
    this.rawBytes.add(rawBytes, this.attributes);
  }

  recordsRejected(count: number, reason: RejectionReason): void {
    if (count === 0) return;
    this.stats.recordsRejected += count;
    if (reason === 'too_old') this.stats.recordsTooOld += count;
    else if (reason === 'line_too_long') this.stats.linesTooLong += count;
    this.rejected.add(count, this.byReason[reason]);
  }

  recordsDeadLettered(count: number): void {
    this.stats.recordsDeadLettered += count;
    this.deadLettered.add(count, this.attributes);
  }

  deadLetterFailed(): void {
    this.stats.deadLetterFailures++;
    this.deadLetterErrors.add(1, this.attributes);
  }

  linesTruncated(count: number): void {
    if (count === 0) return;
    this.stats.linesTruncated += count;
    this.truncated.add(count, this.attributes);
  }

  encodeFallbacks(count: number): void {
    if (count === 0) return;
    this.stats.encodeFallbacks += count;
    this.fallbacks.add(count, this.attributes);
  }

  recordsOverflowed(count: number): void {
    if (count === 0) return;
    this.stats.recordsOverflowed += count;
    this.overflowed.add(count, this.attributes);
  }
}
