import type { Meter } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { LogRecordExporter, LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { z } from 'zod';
import type { Diagnostics } from './diagnostics.ts';
import type { LogRecordLike } from './log-record.ts';

/** Time source handed to components, so tests can drive them with a fake clock. */
export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch. */
  now(): number;
  /** Monotonic milliseconds, for durations and rate windows. */
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

/** What core hands to every component's `create()`. A component reads nothing global. */
export interface ComponentServices {
  /** The component's id as written in config, `type` or `type/name`. */
  readonly id: string;
  readonly diagnostics: Diagnostics;
  /** Meter for the component's self-metrics (from the application's MeterProvider). */
  readonly meter: Meter;
  readonly clock: Clock;
  readonly resource: Resource;
  /** Directory of the config file (or the working directory), to resolve relative paths against. */
  readonly baseDir: string;
}

/**
 * What a head sampler sees of a prediction: the façade passes the caller's input object itself (no
 * copy), the OTel adapter builds one from a log record's attributes.
 */
export interface PredictionView {
  readonly requestId?: string | undefined;
  readonly modelName?: string | undefined;
  readonly modelVersion?: string | undefined;
  readonly score?: number | undefined;
  readonly threshold?: number | undefined;
  readonly latencyMs?: number | undefined;
  readonly isError?: boolean | undefined;
  /** The caller's `error` as given (an Error, a type string...), when `isError`. */
  readonly error?: unknown;
  readonly features?: Readonly<Record<string, unknown>> | undefined;
  readonly force?: boolean | undefined;
  /** `champion`, `challenger` (shadow), ... as given to `record()`. */
  readonly role?: string | undefined;
}

export interface SamplingDecision {
  readonly keep: boolean;
  /** Adjusted count of a kept record (1/p); written to `ml.sampling.weight`. */
  readonly weight: number;
  /** Why it was kept or dropped; written to `ml.sampling.reason`. */
  readonly reason: string;
}

/**
 * Sees every prediction passed to `record()`, before sampling, synchronously on the caller's
 * thread (serving metrics need 100% of predictions whatever the log sampling). The view is reused
 * between calls: read it, do not keep it. Must be cheap; a throw is caught and reported.
 */
export interface PredictionObserver {
  observePrediction(view: PredictionView): void;
}

/** A head sampler: decides before any record is built. Must be cheap and must not throw. */
export interface Sampler {
  decide(view: PredictionView): SamplingDecision;
}

/**
 * A processor: takes a batch of records, may mutate, drop or hold them. It is also an OTel
 * `LogRecordProcessor` (see `BaseProcessor`), so it works inside a plain `LoggerProvider`.
 */
export interface Processor extends LogRecordProcessor {
  readonly id: string;
  /** Processes a batch in place; returns the records to pass on now (the same array is fine). */
  process(records: LogRecordLike[]): LogRecordLike[];
  /**
   * Called once by the pipeline before the first `process()`: a processor that holds records
   * (tail retention) releases them later through `downstream`, and reports the held records it
   * decides to drop through `dropped` (they never come back from `process()`).
   */
  connect(
    downstream: (records: LogRecordLike[]) => void,
    dropped?: (count: number, reason: string) => void,
  ): void;
  /**
   * True for processors that hold records across calls: the pipeline then does not count
   * `in − out` of a `process()` call as dropped; the processor reports drops through `connect`'s
   * `dropped` callback instead.
   */
  readonly holdsRecords?: boolean;
  /**
   * When present, the PredictionLogger may run this sampler before it captures anything, so a
   * sampled-out prediction costs only the decision.
   */
  readonly headSampler?: Sampler;
  /**
   * What the records this processor drops count as in `predlog.records.dropped{reason}`
   * (`sampled_out` for samplers). Default `filtered`.
   */
  readonly dropReason?: string;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * An exporter: sends a batch to a sink. Core wraps each one in an export queue (batching, retry,
 * timeout, drain). It is also an OTel `LogRecordExporter` (see `BaseExporter`).
 */
export interface Exporter extends LogRecordExporter {
  readonly id: string;
  /**
   * Sends one batch. Rejects with an `ExportError` saying whether a retry may succeed; any other
   * rejection counts as retryable. Must honour `signal` (timeout, shutdown).
   */
  send(records: readonly LogRecordLike[], signal: AbortSignal): Promise<void>;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export type ComponentKind = 'processor' | 'exporter';

interface ComponentFactoryBase<TSchema extends z.ZodType, TComponent> {
  /** The `type` part of a `type/name` id in config, e.g. `file`, `sampling`. */
  readonly type: string;
  /** Holds every default; parsing is pure (no env reads, no I/O). */
  readonly configSchema: TSchema;
  create(config: z.output<TSchema>, services: ComponentServices): TComponent | Promise<TComponent>;
}

export interface ProcessorFactory<TSchema extends z.ZodType = z.ZodType>
  extends ComponentFactoryBase<TSchema, Processor> {
  readonly kind: 'processor';
}

export interface ExporterFactory<TSchema extends z.ZodType = z.ZodType>
  extends ComponentFactoryBase<TSchema, Exporter> {
  readonly kind: 'exporter';
}

export type ComponentFactory = ProcessorFactory | ExporterFactory;

/** Thrown (rejected) by `Exporter.send` to say whether the batch may be retried. */
export class ExportError extends Error {
  readonly retryable: boolean;
  /** Server-requested delay before the next try (e.g. from `Retry-After`). */
  readonly retryAfterMs: number | undefined;
  /**
   * For a non-retryable failure of a batch the sink partly accepted: how many records it rejected
   * (the rest count as exported). Absent means the whole batch.
   */
  readonly rejectedRecords: number | undefined;

  constructor(
    message: string,
    options: { retryable: boolean; retryAfterMs?: number; rejectedRecords?: number; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ExportError';
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.rejectedRecords = options.rejectedRecords;
  }
}
