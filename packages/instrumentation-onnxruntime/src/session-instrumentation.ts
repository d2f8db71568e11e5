import { randomUUID } from 'node:crypto';
import { metrics } from '@opentelemetry/api';
import type { ModelIdentity, PredictionInput } from '@predlog/core';
import {
  activePredictionScope,
  observeInstrumentationCounters,
  ShadowRunner,
  type ShadowStats,
} from '@predlog/instrumentation-model';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import {
  type OnnxInstrumentationConfig,
  type OnnxInstrumentationOptions,
  onnxInstrumentationConfigSchema,
} from './config.ts';
import { copyFeeds, featureMap, summarise } from './internal/tensor-summary.ts';
import { modelVersionOf } from './model-hash.ts';
import type { TensorSummaries } from './tensor-extractor.ts';

export interface OnnxInstrumentationStats {
  runs: number;
  records: number;
  /** Runs that rejected (rethrown unchanged). */
  errors: number;
  extractorFailures: number;
  /** Batched runs whose outputs did not have the inputs' row count (logged as one record). */
  batchMismatches: number;
  shadow: ShadowStats | undefined;
}

/** An InferenceSession whose `run` is logged; `predlog` gives its version and counters. */
export type InstrumentedSession<S extends InferenceSession = InferenceSession> = S & {
  readonly predlog: { readonly model: ModelIdentity; stats(): OnnxInstrumentationStats };
};

type Feeds = Readonly<Record<string, Tensor>>;
type RunFunction = (this: InferenceSession, ...args: unknown[]) => Promise<Record<string, Tensor>>;

/**
 * Wraps this session's `run` (an own property shadowing the prototype's, so other sessions are
 * untouched): each run is logged with its inputs and outputs (shape, dtype, values up to
 * `maxValuesPerTensor`), latency and errors, one record per row with `batch: true`. The version is
 * the given one or the SHA-256 of `modelBytes`. What `run` rejects with reaches the caller unchanged.
 */
export function instrumentInferenceSession<S extends InferenceSession>(
  session: S,
  options: OnnxInstrumentationOptions,
): InstrumentedSession<S> {
  const config = onnxInstrumentationConfigSchema.parse(options);
  const runLogger = new OnnxRunLogger(config, session);
  const run = session.run as unknown as RunFunction;
  const instrumented = function instrumentedRun(this: InferenceSession, ...args: unknown[]) {
    return runLogger.run(run, this, args);
  };
  Object.defineProperty(session, 'run', { value: instrumented, configurable: true, writable: true });
  Object.defineProperty(session, 'predlog', {
    value: { model: runLogger.model, stats: () => runLogger.stats() },
    configurable: true,
  });
  return session as InstrumentedSession<S>;
}

class OnnxRunLogger {
  readonly model: ModelIdentity;
  private readonly config: OnnxInstrumentationConfig;
  private readonly featureInput: string | undefined;
  private readonly role: string | undefined;
  private readonly shadow: ShadowRunner | undefined;
  private readonly counters = { runs: 0, records: 0, errors: 0, extractorFailures: 0, batchMismatches: 0 };
  private readonly countExtractorFailure = () => {
    this.counters.extractorFailures++;
  };

  constructor(config: OnnxInstrumentationConfig, session: InferenceSession) {
    this.config = config;
    const version = config.version ?? modelVersionOf(config.modelBytes as Uint8Array);
    this.model = { name: config.name, version, framework: config.framework };
    this.featureInput = config.featureInput ?? session.inputNames[0];
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
    this.role = config.role ?? (this.shadow === undefined ? undefined : 'champion');
    observeInstrumentationCounters(
      (config.meterProvider ?? metrics.getMeterProvider()).getMeter('@predlog/instrumentation-onnxruntime'),
      `onnxruntime:${config.name}`,
      () => this.counters,
      () => this.shadow?.stats,
    );
  }

  stats(): OnnxInstrumentationStats {
    return { ...this.counters, shadow: this.shadow === undefined ? undefined : { ...this.shadow.stats } };
  }

  run(run: RunFunction, session: InferenceSession, args: unknown[]): Promise<Record<string, Tensor>> {
    this.counters.runs++;
    const feeds = args[0] as Feeds;
    const scope = activePredictionScope();
    const requestId = scope?.requestId ?? (this.shadow === undefined ? undefined : randomUUID());
    const shadowFeeds = this.shadow === undefined ? undefined : this.copyForShadow(feeds);
    const clock = this.config.clock;
    const started = clock.monotonic();
    let pending: Promise<Record<string, Tensor>>;
    try {
      pending = run.apply(session, args);
    } catch (error) {
      this.log(feeds, undefined, error, clock.monotonic() - started, requestId);
      throw error;
    }
    return pending.then(
      (outputs) => {
        const batchId = this.log(feeds, outputs, undefined, clock.monotonic() - started, requestId);
        if (this.shadow !== undefined && shadowFeeds !== undefined && requestId !== undefined)
          this.shadow.submit(
            shadowFeeds,
            { requestId, traceId: scope?.traceId, spanId: scope?.spanId, batchId },
            true,
          );
        return outputs;
      },
      (error: unknown) => {
        this.log(feeds, undefined, error, clock.monotonic() - started, requestId);
        throw error;
      },
    );
  }

  private copyForShadow(feeds: Feeds): unknown {
    try {
      return copyFeeds(feeds);
    } catch {
      return undefined;
    }
  }

  /** Logs a run (one record, or one per row); returns the batch id of a batched run. */
  private log(
    feeds: Feeds,
    outputs: Record<string, Tensor> | undefined,
    error: unknown,
    latencyMs: number,
    requestId: string | undefined,
  ): string | undefined {
    try {
      if (error !== undefined) this.counters.errors++;
      const rows = this.config.batch ? this.rowCount(feeds, outputs) : undefined;
      if (rows === undefined) {
        this.logRow(feeds, outputs, error, latencyMs, requestId, undefined, undefined);
        return undefined;
      }
      const batchId = randomUUID();
      for (let row = 0; row < rows; row++)
        this.logRow(feeds, outputs, error, latencyMs, requestId, row, batchId);
      return batchId;
    } catch {
      this.config.diagnostics.warnOnce(
        'onnxruntime.record_failed',
        `a run of ${this.config.name} could not be logged; the run itself was not affected`,
      );
      return undefined;
    }
  }

  /** Rows of a batched run: dimension 0, when every input and output agrees on it. */
  private rowCount(feeds: Feeds, outputs: Record<string, Tensor> | undefined): number | undefined {
    let rows: number | undefined;
    for (const tensor of [...Object.values(feeds), ...Object.values(outputs ?? {})]) {
      const first = tensor.dims[0];
      if (first === undefined || (rows !== undefined && first !== rows)) {
        this.counters.batchMismatches++;
        this.config.diagnostics.warnOnce(
          'onnxruntime.batch_mismatch',
          `a batched run of ${this.config.name} had tensors with different first dimensions; logged as one record`,
        );
        return undefined;
      }
      rows = first;
    }
    return rows;
  }

  private logRow(
    feeds: Feeds,
    outputs: Record<string, Tensor> | undefined,
    error: unknown,
    latencyMs: number,
    requestId: string | undefined,
    row: number | undefined,
    batchId: string | undefined,
  ): void {
    const config = this.config;
    const limit = config.maxValuesPerTensor;
    const inputs: Record<string, ReturnType<typeof summarise>> = {};
    for (const [name, tensor] of Object.entries(feeds)) inputs[name] = summarise(tensor, limit, row);
    let record: PredictionInput = {};
    if (outputs !== undefined) {
      const summaries: Record<string, ReturnType<typeof summarise>> = {};
      for (const [name, tensor] of Object.entries(outputs)) summaries[name] = summarise(tensor, limit, row);
      record = { ...this.extract(summaries, inputs) };
    }
    record.model = this.model;
    record.latencyMs = latencyMs;
    record.rawInput = inputs;
    if (requestId !== undefined) record.requestId = requestId;
    if (this.role !== undefined) record.role = this.role;
    if (batchId !== undefined) record.batchId = batchId;
    if (error !== undefined) record.error = error;
    if (record.threshold === undefined && config.threshold !== undefined) record.threshold = config.threshold;
    const names = config.featureNames;
    const featureTensor = this.featureInput === undefined ? undefined : feeds[this.featureInput];
    if (record.features === undefined && names !== undefined && featureTensor !== undefined) {
      const features = featureMap(featureTensor, names, row);
      if (features !== undefined) record.features = features;
    }
    config.logger.record(record);
    this.counters.records++;
  }

  private extract(outputs: TensorSummaries, inputs: TensorSummaries): PredictionInput {
    try {
      const fields = this.config.extractPrediction(outputs, inputs);
      return fields !== null && typeof fields === 'object' ? fields : {};
    } catch {
      this.countExtractorFailure();
      this.config.diagnostics.warnOnce(
        'onnxruntime.extractor_failed',
        `the prediction extractor of ${this.config.name} threw; the run was logged without its prediction`,
      );
      return {};
    }
  }
}
