import {
  type Clock,
  type Diagnostics,
  type ModelIdentity,
  type PredictionInput,
  systemClock,
} from '@predlog/core';
import type { PredictionRecorder, ShadowConfig } from './config.ts';
import { emptyShadowStats, type ShadowStats } from './instrumentation-stats.ts';
import { isPromiseLike } from './internal/promise-like.ts';
import { safeExtract } from './internal/safe-extract.ts';

/** The champion call a challenger run belongs to: both records carry these. */
export interface ShadowContext {
  readonly requestId: string;
  readonly traceId?: string | undefined;
  readonly spanId?: string | undefined;
  readonly batchId?: string | undefined;
}

/**
 * Runs a challenger beside the champion. `submit()` is all the champion's path pays: a sampling
 * draw, a concurrency check and a copy of the input (`structuredClone`, skipped when the caller
 * hands over a private copy). The challenger itself starts on a later event-loop turn, after the
 * champion's answer; it gets `timeoutMs`, its errors are swallowed and counted, and its record
 * carries the champion's request id (and trace ids) with `ml.model.role=challenger`. Its latency
 * and its timeout are on `clock` (the system clock unless given), so a test moves a fake clock
 * past `timeoutMs` instead of waiting for it.
 */
export class ShadowRunner {
  readonly stats: ShadowStats = emptyShadowStats();
  private readonly config: ShadowConfig;
  private readonly logger: PredictionRecorder;
  private readonly diagnostics: Diagnostics;
  private readonly model: ModelIdentity;
  private readonly onExtractorFailure: () => void;
  private readonly clock: Clock;
  private inFlight = 0;

  constructor(
    config: ShadowConfig,
    logger: PredictionRecorder,
    diagnostics: Diagnostics,
    onExtractorFailure: () => void = () => undefined,
    clock: Clock = systemClock,
  ) {
    this.config = config;
    this.clock = clock;
    this.logger = logger;
    this.diagnostics = diagnostics;
    this.onExtractorFailure = onExtractorFailure;
    this.model =
      config.framework === undefined
        ? { name: config.name, version: config.version }
        : { name: config.name, version: config.version, framework: config.framework };
  }

  /** Challenger calls started and not yet settled (a timed-out call counts until it settles). */
  get running(): number {
    return this.inFlight;
  }

  /** Never throws, never waits: the challenger runs later on its own copy of `input`. */
  submit(input: unknown, context: ShadowContext, inputIsPrivate = false): void {
    const { rate, maxConcurrent } = this.config;
    if (rate < 1 && Math.random() >= rate) {
      this.stats.skipped++;
      return;
    }
    if (this.inFlight >= maxConcurrent) {
      this.stats.skipped++;
      this.diagnostics.warnOnce(
        'shadow.max_concurrent',
        `shadow challenger ${this.config.name} is at maxConcurrent; requests are not shadowed until calls finish`,
      );
      return;
    }
    let copy: unknown = input;
    if (!inputIsPrivate) {
      try {
        copy = structuredClone(input);
      } catch {
        this.stats.skipped++;
        this.diagnostics.warnOnce(
          'shadow.uncloneable_input',
          `an input could not be copied for shadow challenger ${this.config.name} (functions or class instances?); not shadowed`,
        );
        return;
      }
    }
    this.inFlight++;
    // A yield, not a delay: the challenger starts once the champion's caller has its answer.
    setImmediate(() => this.run(copy, context));
  }

  private run(input: unknown, context: ShadowContext): void {
    this.stats.started++;
    const clock = this.clock;
    const started = clock.monotonic();
    let result: unknown;
    try {
      result = this.config.predict(input);
    } catch (error) {
      this.settle();
      this.fail(input, context, error, clock.monotonic() - started);
      return;
    }
    if (!isPromiseLike(result)) {
      this.settle();
      this.complete(input, context, result, clock.monotonic() - started);
      return;
    }
    let decided = false;
    // Unref'd on the system clock: a challenger still running never keeps the process alive.
    const timer = clock.setTimeout(() => {
      decided = true;
      this.stats.timedOut++;
      this.log(input, context, undefined, 'timeout', clock.monotonic() - started);
    }, this.config.timeoutMs);
    result.then(
      (output) => {
        this.settle();
        if (decided) return;
        decided = true;
        timer.cancel();
        this.complete(input, context, output, clock.monotonic() - started);
      },
      (error: unknown) => {
        this.settle();
        if (decided) return;
        decided = true;
        timer.cancel();
        this.fail(input, context, error, clock.monotonic() - started);
      },
    );
  }

  private settle(): void {
    this.inFlight--;
  }

  private complete(input: unknown, context: ShadowContext, output: unknown, latencyMs: number): void {
    this.stats.completed++;
    this.log(input, context, output, undefined, latencyMs);
  }

  private fail(input: unknown, context: ShadowContext, error: unknown, latencyMs: number): void {
    this.stats.failed++;
    this.diagnostics.warnOnce(
      'shadow.challenger_failed',
      `shadow challenger ${this.config.name} threw; the error was logged on its record and swallowed`,
    );
    this.log(input, context, undefined, error ?? 'challenger_failed', latencyMs);
  }

  private log(
    input: unknown,
    context: ShadowContext,
    output: unknown,
    error: unknown,
    latencyMs: number,
  ): void {
    const record: PredictionInput =
      error === undefined
        ? {
            ...safeExtract(
              this.config.extractPrediction,
              output,
              input,
              this.diagnostics,
              this.onExtractorFailure,
            ),
          }
        : { error };
    record.requestId = context.requestId;
    record.model = this.model;
    record.role = 'challenger';
    record.latencyMs = latencyMs;
    if (context.traceId !== undefined) {
      record.traceId = context.traceId;
      record.spanId = context.spanId;
    }
    if (context.batchId !== undefined) record.batchId = context.batchId;
    if (this.config.logInput) record.rawInput = input;
    try {
      this.logger.record(record);
    } catch {
      // record() never throws; a stand-in logger might, and a shadow run must stay silent.
    }
  }
}
