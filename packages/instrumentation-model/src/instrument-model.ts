import { randomUUID } from 'node:crypto';
import { metrics } from '@opentelemetry/api';
import type { ModelIdentity, PredictionInput } from '@predlog/core';
import {
  type ModelInstrumentationConfig,
  type ModelInstrumentationOptions,
  modelInstrumentationConfigSchema,
} from './config.ts';
import { observeInstrumentationCounters, type ShadowStats } from './instrumentation-stats.ts';
import { isPromiseLike } from './internal/promise-like.ts';
import { safeExtract } from './internal/safe-extract.ts';
import { isFeatureMap, type PredictionFields } from './prediction-fields.ts';
import { activePredictionScope } from './prediction-scope.ts';
import { ShadowRunner } from './shadow-runner.ts';

export interface ModelInstrumentationStats {
  /** Calls of the wrapped function. */
  calls: number;
  /** Records handed to the logger (one per call, or one per row of a batch). */
  records: number;
  /** Calls that threw or rejected (rethrown to the caller unchanged). */
  errors: number;
  /** Extractor calls that threw (champion and challenger). */
  extractorFailures: number;
  /** Batched calls, and those whose output was not an array of one entry per row. */
  batches: number;
  batchOutputMismatches: number;
  /** Challenger runs, when `shadow` is set. */
  shadow: ShadowStats | undefined;
}

export interface InstrumentedModel {
  readonly predlog: { stats(): ModelInstrumentationStats };
}

/** Every function type is assignable to this (parameters are contravariant). */
type AnyFunction = (...args: never[]) => unknown;
type CallableWithUnknowns = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Wraps a predict function so that every call is logged: input, output, latency and errors.
 * The wrapper keeps the function's nature (a sync function stays sync, an async one returns a
 * promise of the same value), its `this`, its arguments and its errors: what the function throws
 * or rejects with reaches the caller unchanged, after it is logged. Logging never throws.
 */
export function instrumentModel<F extends AnyFunction>(
  predict: F,
  options: ModelInstrumentationOptions,
): F & InstrumentedModel {
  if (typeof predict !== 'function') throw new TypeError('instrumentModel needs a function');
  const config = modelInstrumentationConfigSchema.parse(options);
  const state = new ModelCallLogger(config);
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    return state.call(predict as unknown as CallableWithUnknowns, this, args);
  };
  Object.defineProperty(wrapped, 'name', { value: predict.name });
  Object.defineProperty(wrapped, 'predlog', { value: { stats: () => state.stats() } });
  return wrapped as unknown as F & InstrumentedModel;
}

/** Everything one instrumented function keeps between calls. */
class ModelCallLogger {
  private readonly config: ModelInstrumentationConfig;
  private readonly model: ModelIdentity;
  private readonly role: string | undefined;
  private readonly shadow: ShadowRunner | undefined;
  private readonly counters = {
    calls: 0,
    records: 0,
    errors: 0,
    extractorFailures: 0,
    batches: 0,
    batchOutputMismatches: 0,
  };
  private readonly countExtractorFailure = () => {
    this.counters.extractorFailures++;
  };

  constructor(config: ModelInstrumentationConfig) {
    this.config = config;
    this.model =
      config.framework === undefined
        ? { name: config.name, version: config.version }
        : { name: config.name, version: config.version, framework: config.framework };
    this.role = config.role ?? (config.shadow === undefined ? undefined : 'champion');
    this.shadow =
      config.shadow === undefined
        ? undefined
        : new ShadowRunner(
            config.shadow,
            config.logger,
            config.diagnostics,
            this.countExtractorFailure,
            config.clock,
          );
    observeInstrumentationCounters(
      (config.meterProvider ?? metrics.getMeterProvider()).getMeter('@predlog/instrumentation-model'),
      `model:${config.name}`,
      () => this.counters,
      () => this.shadow?.stats,
    );
  }

  stats(): ModelInstrumentationStats {
    return { ...this.counters, shadow: this.shadow === undefined ? undefined : { ...this.shadow.stats } };
  }

  call(predict: CallableWithUnknowns, self: unknown, args: unknown[]): unknown {
    this.counters.calls++;
    const input = args[this.config.inputArgument];
    const batch = this.isBatch(input);
    const scope = activePredictionScope();
    // A shadowed call needs its request id before the champion runs, to share it with the challenger.
    const requestId = scope?.requestId ?? (this.shadow !== undefined && !batch ? randomUUID() : undefined);
    // The challenger's copy is taken before the champion runs, so the champion cannot change it.
    const shadowInput = this.shadow === undefined ? undefined : this.copyForShadow(input);
    const clock = this.config.clock;
    const started = clock.monotonic();
    let result: unknown;
    try {
      result = predict.apply(self, args);
    } catch (error) {
      this.log(input, batch, requestId, undefined, error, clock.monotonic() - started, shadowInput);
      throw error;
    }
    if (!isPromiseLike(result)) {
      this.log(input, batch, requestId, result, undefined, clock.monotonic() - started, shadowInput);
      return result;
    }
    return result.then(
      (output) => {
        this.log(input, batch, requestId, output, undefined, clock.monotonic() - started, shadowInput);
        return output;
      },
      (error: unknown) => {
        this.log(input, batch, requestId, undefined, error, clock.monotonic() - started, shadowInput);
        throw error;
      },
    );
  }

  private isBatch(input: unknown): boolean {
    const detector = this.config.isBatch;
    if (detector === undefined) return this.config.batch && Array.isArray(input);
    try {
      return detector(input) === true && Array.isArray(input);
    } catch {
      this.config.diagnostics.warnOnce(
        'instrumentation.batch_detector_failed',
        'the isBatch detector threw; the call was logged as a single prediction',
      );
      return false;
    }
  }

  private copyForShadow(input: unknown): { value: unknown } | undefined {
    try {
      return { value: structuredClone(input) };
    } catch {
      return undefined;
    }
  }

  private log(
    input: unknown,
    batch: boolean,
    requestId: string | undefined,
    output: unknown,
    error: unknown,
    latencyMs: number,
    shadowInput: { value: unknown } | undefined,
  ): void {
    try {
      if (error !== undefined) this.counters.errors++;
      const scope = activePredictionScope();
      let batchId: string | undefined;
      if (batch) {
        batchId = randomUUID();
        this.logBatch(input as unknown[], requestId, output, error, latencyMs, batchId);
      } else {
        this.logOne(
          input,
          this.requestIdOf(input, undefined) ?? requestId,
          output,
          error,
          latencyMs,
          undefined,
        );
      }
      const shadow = this.shadow;
      if (shadow !== undefined && error === undefined) {
        const context = {
          requestId: requestId ?? batchId ?? randomUUID(),
          traceId: scope?.traceId,
          spanId: scope?.spanId,
          batchId,
        };
        if (shadowInput === undefined) shadow.submit(input, context);
        else shadow.submit(shadowInput.value, context, true);
      }
    } catch {
      this.config.diagnostics.warnOnce(
        'instrumentation.record_failed',
        'a model call could not be logged; the call itself was not affected',
      );
    }
  }

  private logBatch(
    rows: readonly unknown[],
    requestId: string | undefined,
    output: unknown,
    error: unknown,
    latencyMs: number,
    batchId: string,
  ): void {
    this.counters.batches++;
    const outputs = error === undefined ? rowsOf(output) : undefined;
    if (error === undefined && (outputs === undefined || outputs.length !== rows.length)) {
      this.counters.batchOutputMismatches++;
      this.config.diagnostics.warnOnce(
        'instrumentation.batch_output_mismatch',
        `model ${this.config.name}: a batched call did not return one output per row; its rows were logged as errors (batch_output_mismatch)`,
      );
    }
    const matched = outputs !== undefined && outputs.length === rows.length;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      this.logOne(
        row,
        this.requestIdOf(row, i) ?? requestId,
        matched ? outputs[i] : undefined,
        error ?? (matched ? undefined : 'batch_output_mismatch'),
        latencyMs,
        batchId,
      );
    }
  }

  private requestIdOf(input: unknown, row: number | undefined): string | undefined {
    const of = this.config.requestIdOf;
    if (of === undefined) return undefined;
    try {
      const id = of(input, row);
      return typeof id === 'string' && id !== '' ? id : undefined;
    } catch {
      this.config.diagnostics.warnOnce(
        'instrumentation.request_id_failed',
        'requestIdOf threw; the request id was left to default',
      );
      return undefined;
    }
  }

  private logOne(
    input: unknown,
    requestId: string | undefined,
    output: unknown,
    error: unknown,
    latencyMs: number,
    batchId: string | undefined,
  ): void {
    const config = this.config;
    const fields: PredictionFields =
      error === undefined
        ? safeExtract(config.extractPrediction, output, input, config.diagnostics, this.countExtractorFailure)
        : {};
    const record: PredictionInput = { ...fields };
    record.model = this.model;
    record.latencyMs = latencyMs;
    if (requestId !== undefined) record.requestId = requestId;
    if (this.role !== undefined) record.role = this.role;
    if (batchId !== undefined) record.batchId = batchId;
    if (error !== undefined) record.error = error;
    if (record.threshold === undefined && config.threshold !== undefined) record.threshold = config.threshold;
    if (record.features === undefined) {
      const as = config.captureInputAs;
      if (as === 'features' || (as === 'auto' && isFeatureMap(input)))
        record.features = input as Record<string, unknown>;
      else record.rawInput = input;
    } else record.rawInput = input;
    config.logger.record(record);
    this.counters.records++;
  }
}

/** An array, or a typed array (a tensor's rows), as a list of row outputs. */
function rowsOf(output: unknown): readonly unknown[] | undefined {
  if (Array.isArray(output)) return output;
  if (ArrayBuffer.isView(output) && !(output instanceof DataView))
    return Array.from(output as unknown as ArrayLike<unknown>);
  return undefined;
}
