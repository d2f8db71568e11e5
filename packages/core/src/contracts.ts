import type { Meter } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { LogRecordExporter, LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { z } from 'zod';
import type { Diagnostics } from './diagnostics.ts';
import type { LogRecordLike } from './log-record.ts';
import type { ComponentModuleRef } from './worker/module-ref.ts';

/** A scheduled callback. `cancel()` is idempotent and harmless after the callback ran. */
export interface TimerHandle {
  cancel(): void;
}

export interface TimerOptions {
  /**
   * Hold the process open while the timer is pending. Default `false`: predlog's timers never keep
   * a process alive on their own. Only a wait the application is itself awaiting (a shutdown
   * deadline) sets it, so `await shutdown()` is not cut short by the event loop running dry.
   */
  readonly keepAlive?: boolean;
}

/**
 * Time source and timers handed to components, so tests drive them with a fake clock
 * (`@predlog/test-kit`'s `FakeClock`) instead of sleeping.
 */
export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch. */
  now(): number;
  /** Monotonic milliseconds, for durations and rate windows. */
  monotonic(): number;
  /** Runs `callback` once, `ms` monotonic milliseconds from now (a negative or NaN `ms` is 0). */
  setTimeout(callback: () => void, ms: number, options?: TimerOptions): TimerHandle;
  /** Runs `callback` every `ms` milliseconds until cancelled. */
  setInterval(callback: () => void, ms: number, options?: TimerOptions): TimerHandle;
}

/** Node's timers accept at most 2^31 − 1 ms; a longer delay would fire at once (TimeoutOverflowWarning). */
const MAX_TIMER_MS = 2_147_483_647;

function timerDelay(ms: number): number {
  return ms > 0 ? Math.min(ms, MAX_TIMER_MS) : 0;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout(callback, ms, options) {
    const timer = setTimeout(callback, timerDelay(ms));
    if (options?.keepAlive !== true) timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
  setInterval(callback, ms, options) {
    // An interval of 0 would spin the event loop; 1 ms is the shortest Node schedules anyway.
    const timer = setInterval(callback, Math.max(1, timerDelay(ms)));
    if (options?.keepAlive !== true) timer.unref();
    return { cancel: () => clearInterval(timer) };
  },
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
  /** When that version was deployed, as given (`model.deployedAt`, attribute `ml.model.deployed_at`). */
  readonly modelDeployedAt?: Date | number | string | undefined;
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
 * An exporter: sends a batch to a sink. Core wraps each one in an export queue (batcher → queue →
 * retry → timeout). It is also an OTel `LogRecordExporter` (see `BaseExporter`).
 */
export interface Exporter extends LogRecordExporter {
  readonly id: string;
  /**
   * Sends one batch. Resolves when the sink accepted every record. Otherwise rejects with an
   * `ExportError` saying whether a retry may succeed and, when the sink took part of the batch,
   * which part (`acceptedCount`, `accepted`, `rejected`): the queue then counts those and retries
   * only the rest, as a new, shorter array. Nothing may rely on getting the same array object back.
   * Any other rejection counts as a retryable failure of the whole batch. Must honour `signal`
   * (timeout, shutdown).
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
  /**
   * Where this factory is exported from, so a pipeline worker thread can load it itself
   * (`logger.thread: worker`): `{ specifier: '@predlog/exporter-file', exportName: 'fileExporterFactory' }`.
   */
  readonly module?: ComponentModuleRef;
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

/** One record of a batch the sink refused for good. */
export interface RejectedRecord {
  /** Index into the batch as it was passed to `send()`. */
  readonly index: number;
  /** Why, in the sink's words or the exporter's (never a record value). */
  readonly reason: string;
}

export interface ExportErrorOptions {
  /** A retry may succeed (network error, timeout, 429, 5xx). */
  readonly retryable: boolean;
  /** Server-requested delay before the next try (e.g. from `Retry-After`). */
  readonly retryAfterMs?: number;
  /**
   * The sink is up but asks for less (HTTP 429, gRPC RESOURCE_EXHAUSTED): the queue slows down and
   * keeps the records where they are, instead of treating the sink as down.
   */
  readonly throttled?: boolean;
  /** See `ExportError.acceptedCount`. */
  readonly acceptedCount?: number;
  /** See `ExportError.accepted`. */
  readonly accepted?: readonly number[];
  /** See `ExportError.rejected`. */
  readonly rejected?: readonly RejectedRecord[];
  readonly cause?: unknown;
}

/**
 * Thrown (rejected) by `Exporter.send` to say what happened to a batch it did not deliver whole.
 * Partial success travels with the error, as in the Collector's exporterhelper, by position in the
 * batch:
 *
 * - records `[0, acceptedCount)` are settled: accepted, except those listed in `rejected`;
 * - `accepted` lists further records the sink took (a later request that went through before an
 *   earlier one failed);
 * - `rejected` lists records the sink refused for good, wherever they are: they are counted as
 *   `export_rejected` and never sent again;
 * - every other record is retried when `retryable`, and counted as rejected when not.
 *
 * `new ExportError(msg, { retryable: false })` therefore still means "the whole batch was refused",
 * and `{ retryable: true }` "nothing was taken, send it all again".
 */
export class ExportError extends Error {
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly throttled: boolean;
  /** Records at the start of the batch, in order, the sink settled (accepted unless in `rejected`). */
  readonly acceptedCount: number;
  /** Indexes at or past `acceptedCount` the sink accepted too. */
  readonly accepted: readonly number[];
  readonly rejected: readonly RejectedRecord[];

  constructor(message: string, options: ExportErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ExportError';
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.throttled = options.throttled === true;
    this.acceptedCount = options.acceptedCount ?? 0;
    this.accepted = options.accepted ?? [];
    this.rejected = options.rejected ?? [];
  }
}
