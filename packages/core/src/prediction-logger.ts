import os from 'node:os';
import path from 'node:path';
import { type MeterProvider, metrics as metricsApi } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { ATTR, PREDICTION_EVENT, RESOURCE_ATTR } from '@predlog/schema';
import { createComponentServices } from './component-services.ts';
import {
  type ExportQueueConfigInput,
  exportQueueConfigSchema,
  type LoggerConfig,
  loggerConfigSchema,
} from './config.ts';
import {
  ConfigError,
  type ConfigIssue,
  loadConfigFile,
  type PredlogConfig,
  resolveConfig,
} from './config-loader.ts';
import {
  type Clock,
  type ComponentFactory,
  type ComponentServices,
  type Exporter,
  type PredictionObserver,
  type PredictionView,
  type Processor,
  type Sampler,
  systemClock,
} from './contracts.ts';
import { type Diagnostics, DiagnosticsChannel } from './diagnostics.ts';
import { ExportQueue } from './export-queue.ts';
import { resolveResource } from './internal/default-resource.ts';
import {
  CAPTURED_RECORD,
  type CapturedRecord,
  type PredictionSnapshot,
  RecordCapture,
  warnSanitized,
} from './internal/record-capture.ts';
import { RecordRing } from './internal/record-ring.ts';
import { SANITIZE_KINDS } from './internal/value-capture.ts';
import { type LogRecordLike, millisToHrTime, PredlogLogRecord } from './log-record.ts';
import { cloneRecord, Pipeline } from './pipeline.ts';
import type { FeedbackInput, ModelIdentity, PredictionInput } from './prediction-input.ts';
import { ComponentRegistry } from './registry.ts';
import { type EnvironmentVariables, sdkDisabled } from './resource-environment.ts';
import { type PipelineStats, SelfMetrics } from './self-metrics.ts';
import type { LoggerWorkerSinkOptions } from './worker/logger-worker-sink.ts';
import { type ComponentModuleRef, describeModuleRef, resolveModuleRef } from './worker/module-ref.ts';
import { PipelineWorkerHost } from './worker/pipeline-worker-host.ts';
import { WorkerHandOff } from './worker/worker-hand-off.ts';

const SCOPE = { name: '@predlog/core', version: '0.1.0' } as const;

/** An exporter with its queue settings, as the programmatic constructor takes it. */
export interface ExporterWithQueue {
  exporter: Exporter;
  queue?: ExportQueueConfigInput;
}

export interface PipelineOptions {
  name?: string;
  /** Event names this pipeline takes; default `ml.prediction` and `ml.feedback`. */
  events?: readonly string[];
  processors?: readonly Processor[];
  exporters: ReadonlyArray<Exporter | ExporterWithQueue>;
}

/** Options of the programmatic constructor; `createPredictionLogger` builds these from a config file. */
export interface PredictionLoggerOptions {
  pipelines: readonly PipelineOptions[];
  /** Head sampler run before anything is captured. Default: the first pipeline processor's `headSampler`, when there is one pipeline. */
  sampler?: Sampler;
  /** Defaults for `record()` when the input names no model. */
  model?: ModelIdentity;
  /** Resource, or extra resource attributes merged over the defaults (service.name, host.name, k8s.pod.name). */
  resource?: Resource | Record<string, string>;
  logger?: Partial<LoggerConfig>;
  /** Called for every `record()`, before sampling (serving metrics cover 100% of predictions). */
  observers?: readonly PredictionObserver[];
  diagnostics?: Diagnostics;
  /** Where self-metrics go; default the global OTel MeterProvider. */
  meterProvider?: MeterProvider;
  clock?: Clock;
  /**
   * Environment the default resource reads (`OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SERVICE_NAME`,
   * `K8S_POD_NAME`); default `process.env`.
   */
  env?: EnvironmentVariables;
  /** A no-op logger (as for `OTEL_SDK_DISABLED=true`): every call returns at once, nothing is counted. */
  disabled?: boolean;
}

/** Times one prediction: `record()` on the timer fills `latencyMs` from `startTimer()` to now. */
export interface PredictionTimer {
  /** Milliseconds since the timer started. */
  elapsedMs(): number;
  record(input: PredictionInput): string | undefined;
}

/**
 * The façade serving code calls. `record()` runs on the caller's thread and stays cheap: a head
 * sampling decision, a one-pass capture (copy + sanitise, no serialisation, no I/O), an enqueue onto
 * a bounded ring. Everything else happens in the background, in batches.
 */
export class PredictionLogger {
  private readonly config: LoggerConfig;
  private readonly metrics: SelfMetrics;
  private readonly diagnostics: Diagnostics;
  private readonly capture: RecordCapture;
  private readonly ring: RecordRing<CapturedRecord | PredictionSnapshot | PredlogLogRecord>;
  private readonly pipelines: Pipeline[];
  private readonly queues: ExportQueue[];
  private readonly sampler: Sampler | undefined;
  private readonly resource: Resource;
  private readonly view: {
    requestId: string | undefined;
    modelName: string | undefined;
    modelVersion: string | undefined;
    modelDeployedAt: Date | number | string | undefined;
    score: number | undefined;
    threshold: number | undefined;
    latencyMs: number | undefined;
    isError: boolean;
    error: unknown;
    features: Readonly<Record<string, unknown>> | undefined;
    force: boolean | undefined;
    role: string | undefined;
  };
  private readonly defaultModel: ModelIdentity | undefined;
  private readonly observers: readonly PredictionObserver[];
  private readonly disabled: boolean;
  /** `logger.thread: worker`: where kept records go instead of the in-thread boundary. */
  private readonly handOff: WorkerHandOff | undefined;
  /** Components the façade itself owns (a head sampler's processor in worker mode), shut down with it. */
  private readonly owned: ReadonlyArray<Processor | Exporter>;
  private drainScheduled = false;
  private closed = false;
  private shutdownPromise: Promise<void> | undefined;
  private readonly drainNow = () => this.drain();

  constructor(options: PredictionLoggerOptions, internal: LoggerInternals = {}) {
    this.config = loggerConfigSchema.parse(options.logger ?? {});
    this.diagnostics = options.diagnostics ?? new DiagnosticsChannel();
    const meter = (options.meterProvider ?? metricsApi.getMeterProvider()).getMeter(
      SCOPE.name,
      SCOPE.version,
    );
    this.metrics = new SelfMetrics(meter);
    this.disabled = options.disabled === true;
    const env = options.env ?? process.env;
    this.resource = resolveResource(options.resource, env, this.diagnostics);
    this.defaultModel = options.model;
    const servingNode = defaultServingNode(this.resource);
    this.capture = new RecordCapture({ ...this.config, model: options.model, servingNode }, (code, message) =>
      this.diagnostics.warnOnce(code, message),
    );
    this.metrics.useSanitizeCounts(this.capture.values.counts);
    this.owned = internal.owned ?? [];
    this.handOff =
      internal.host === undefined
        ? undefined
        : new WorkerHandOff(internal.host, { ...this.config, model: options.model, servingNode }, (kind) =>
            warnSanitized((code, message) => this.diagnostics.warnOnce(code, message), kind),
          );
    if (this.handOff !== undefined) {
      this.metrics.useSanitizeCounts(this.handOff.sanitizeCounts);
      this.metrics.foldIn(() => this.stats());
    }
    this.ring = new RecordRing(this.config.maxQueueRecords);
    this.metrics.watchQueue('boundary', () => this.ring.size);

    const clock = options.clock ?? systemClock;
    const queueByExporter = new Map<Exporter, ExportQueue>();
    const queueFor = (entry: Exporter | ExporterWithQueue): ExportQueue => {
      const exporter = 'exporter' in entry ? entry.exporter : entry;
      let queue = queueByExporter.get(exporter);
      if (queue === undefined) {
        const queueConfig = exportQueueConfigSchema.parse('exporter' in entry ? (entry.queue ?? {}) : {});
        queue = new ExportQueue(exporter, queueConfig, {
          metrics: this.metrics,
          diagnostics: this.diagnostics,
          clock,
        });
        queueByExporter.set(exporter, queue);
      }
      return queue;
    };

    let hoisted: Sampler | undefined = options.sampler;
    this.pipelines = options.pipelines.map((pipeline, i) => {
      let processors = pipeline.processors ?? [];
      // A lone pipeline whose first processor can decide up front runs that decision before
      // capture: a sampled-out prediction then costs only the decision.
      if (
        hoisted === undefined &&
        options.pipelines.length === 1 &&
        processors[0]?.headSampler !== undefined
      ) {
        hoisted = processors[0].headSampler;
        processors = processors.slice(1);
      }
      return new Pipeline({
        name: pipeline.name ?? `pipeline${i}`,
        events: pipeline.events ?? ['ml.prediction', 'ml.feedback'],
        processors,
        queues: pipeline.exporters.map(queueFor),
        metrics: this.metrics,
        diagnostics: this.diagnostics,
      });
    });
    this.queues = [...queueByExporter.values()];
    this.sampler = hoisted;
    this.view = {
      requestId: undefined,
      modelName: undefined,
      modelVersion: undefined,
      modelDeployedAt: undefined,
      score: undefined,
      threshold: undefined,
      latencyMs: undefined,
      isError: false,
      error: undefined,
      features: undefined,
      force: undefined,
      role: undefined,
    };
    this.observers = options.observers ?? [];
  }

  /**
   * Logs one prediction. Returns its prediction_id, or `undefined` when it was sampled out or
   * dropped (both counted). Never throws, never waits for I/O; values are captured as of this call.
   */
  record(input: PredictionInput): string | undefined {
    if (this.disabled) return undefined;
    return this.recordPrediction(input, undefined);
  }

  /** Starts timing a prediction; the timer's `record()` fills `latencyMs`. */
  startTimer(): PredictionTimer {
    const started = performance.now();
    return {
      elapsedMs: () => performance.now() - started,
      record: (input: PredictionInput) =>
        this.disabled ? undefined : this.recordPrediction(input, performance.now() - started),
    };
  }

  /** Logs ground truth or a complaint for an earlier prediction (event `ml.feedback`). */
  feedback(input: FeedbackInput): void {
    if (this.disabled) return;
    this.metrics.received++;
    if (this.closed) {
      this.dropClosed();
      return;
    }
    if (input === null || typeof input !== 'object') {
      this.metrics.drop('invalid', 1);
      this.diagnostics.warnOnce(
        'invalid_input.feedback',
        'feedback() needs an object; the call was dropped and counted',
      );
      return;
    }
    try {
      const captured = this.capture.feedback(input);
      if (captured === undefined) {
        this.metrics.drop('invalid', 1);
        return;
      }
      this.enqueue(captured);
    } catch {
      this.metrics.drop('invalid', 1);
      this.diagnostics.warnOnce('capture_failed', 'a record could not be read and was dropped');
    }
  }

  /**
   * An OTel `LogRecordProcessor` that feeds records emitted through an application's own
   * `LoggerProvider` into this logger's pipelines (they join at the processor stage, after the
   * head sampler has seen them). Values are copied as of `emit()`, as for `record()`.
   */
  logRecordProcessor(): LogRecordProcessor {
    return {
      onEmit: (logRecord) => this.ingest(logRecord),
      forceFlush: () => this.forceFlush(),
      // The provider's shutdown flushes; the logger itself is shut down by its owner.
      shutdown: () => this.forceFlush(),
    };
  }

  private ingest(logRecord: ReadWriteLogRecord): void {
    if (this.disabled) return;
    const metrics = this.metrics;
    metrics.received++;
    if (this.closed) {
      this.dropClosed();
      return;
    }
    try {
      const attributes = logRecord.attributes as Record<string, unknown>;
      const sampler = this.sampler;
      let decision: { weight: number; reason: string } | undefined;
      if (sampler !== undefined && logRecord.eventName === PREDICTION_EVENT) {
        const verdict = sampler.decide(this.viewOf(attributes, logRecord.body));
        if (!verdict.keep) {
          metrics.sampledOut++;
          return;
        }
        decision = verdict;
      }
      if (this.handOff === undefined && this.ring.isFull) {
        this.refuse();
        return;
      }
      const values = this.capture.values;
      values.bytes = 64;
      const copied = values.capture(attributes) as Record<string, unknown>;
      if (decision !== undefined) {
        copied[ATTR.samplingWeight] = decision.weight;
        copied[ATTR.samplingReason] = decision.reason;
      }
      const body = logRecord.body === undefined ? undefined : values.capture(logRecord.body);
      const record = PredlogLogRecord.withEnvelopeOf(logRecord, {
        attributes: copied as PredlogLogRecord['attributes'],
        body: body as PredlogLogRecord['body'],
        approxBytes: values.bytes,
        jsonSafe: true,
      });
      this.enqueue(record);
    } catch {
      metrics.drop('invalid', 1);
      this.diagnostics.warnOnce('capture_failed', 'a record could not be read and was dropped');
    }
  }

  private viewOf(attributes: Record<string, unknown>, body: unknown): PredictionView {
    const view = this.view;
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
    view.requestId = str(attributes[ATTR.requestId]);
    view.modelName = str(attributes[ATTR.modelName]);
    view.modelVersion = str(attributes[ATTR.modelVersion]);
    const deployedAt = attributes[ATTR.modelDeployedAt];
    view.modelDeployedAt =
      typeof deployedAt === 'string' || typeof deployedAt === 'number' ? deployedAt : undefined;
    view.score = num(attributes[ATTR.predictionScore]);
    view.threshold = num(attributes[ATTR.predictionThreshold]);
    view.latencyMs = num(attributes[ATTR.inferenceDurationMs]);
    view.isError = attributes[ATTR.predictionStatus] === 'error';
    view.error = attributes[ATTR.errorType];
    const features =
      body !== null && typeof body === 'object'
        ? (body as { input_features?: unknown }).input_features
        : undefined;
    view.features =
      features !== null && typeof features === 'object' ? (features as Record<string, unknown>) : undefined;
    view.force = attributes[ATTR.samplingForce] === true;
    const role = attributes[ATTR.modelRole];
    view.role = typeof role === 'string' ? role : undefined;
    return view;
  }

  /** The ledger so far: received = sampledOut + dropped + exported + in flight. */
  stats(): PipelineStats {
    const local = this.metrics.snapshot();
    if (this.handOff === undefined) return local;
    // The frame writer counts what it sanitised in predictions; feedback and foreign records
    // are captured by the in-thread capture, which counts its own.
    const extra: Record<string, number> = {};
    this.capture.values.counts.forEach((n, i) => {
      if (n > 0) extra[SANITIZE_KINDS[i] as string] = n;
    });
    return this.handOff.mergeStats(local, extra);
  }

  /** Sends everything recorded so far through every pipeline and exporter. */
  async forceFlush(): Promise<void> {
    if (this.handOff !== undefined) {
      await this.handOff.host.flush();
      return;
    }
    this.drainAll();
    for (const pipeline of this.pipelines) await pipeline.forceFlush();
    await Promise.all(this.queues.map((queue) => queue.forceFlush()));
  }

  /**
   * Stops accepting records, drains the boundary and the processors, and gives the export queues
   * `logger.shutdownTimeoutMs` to finish; what is left then is counted as dropped (`shutdown`).
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.shutdownOnce();
    return this.shutdownPromise;
  }

  private async shutdownOnce(): Promise<void> {
    this.closed = true;
    if (this.handOff !== undefined) {
      // The worker's own export queues get shutdownTimeoutMs; the deadline here is a backstop.
      await this.handOff.host.shutdown(this.config.shutdownTimeoutMs + 5_000);
      await Promise.allSettled(this.owned.map((component) => component.shutdown()));
      return;
    }
    this.drainAll();
    for (const pipeline of this.pipelines) await pipeline.shutdownProcessors();
    await Promise.all(this.queues.map((queue) => queue.shutdown(this.config.shutdownTimeoutMs)));
  }

  private recordPrediction(input: PredictionInput, latencyMs: number | undefined): string | undefined {
    const metrics = this.metrics;
    metrics.received++;
    if (this.closed) {
      this.dropClosed();
      return undefined;
    }
    if (input === null || typeof input !== 'object') {
      metrics.drop('invalid', 1);
      this.diagnostics.warnOnce(
        'invalid_input.record',
        'record() needs an object; the call was dropped and counted',
      );
      return undefined;
    }
    try {
      const sampler = this.sampler;
      const observers = this.observers;
      if (observers.length > 0) this.notify(observers, this.fillView(input, latencyMs));
      let weight = 1;
      let reason: string | undefined;
      if (sampler !== undefined) {
        const decision = sampler.decide(observers.length > 0 ? this.view : this.fillView(input, latencyMs));
        if (!decision.keep) {
          metrics.sampledOut++;
          return undefined;
        }
        weight = decision.weight;
        reason = decision.reason;
      }
      const handOff = this.handOff;
      if (handOff !== undefined) {
        const id = handOff.writePrediction(input, latencyMs, weight, reason);
        if (id === null) this.refuse();
        return id ?? undefined;
      }
      if (this.ring.isFull) {
        // Under overload, do not spend a capture on a record the queue will refuse.
        this.refuse();
        return undefined;
      }
      const snapshot = this.capture.predictionSnapshot(input, latencyMs, weight, reason);
      if (!this.enqueue(snapshot)) return undefined;
      return typeof snapshot.predictionId === 'string' ? snapshot.predictionId : undefined;
    } catch {
      // Only a sampler bug or an input whose getters throw can get here.
      metrics.drop('invalid', 1);
      this.diagnostics.warnOnce('capture_failed', 'a record could not be read and was dropped');
      return undefined;
    }
  }

  /** Observers see every prediction, before sampling; one that throws is reported, never the caller. */
  private notify(observers: readonly PredictionObserver[], view: PredictionView): void {
    for (let i = 0; i < observers.length; i++) {
      try {
        (observers[i] as PredictionObserver).observePrediction(view);
      } catch {
        this.diagnostics.warnOnce(
          'observer_failed',
          `prediction observer ${i} threw; the prediction was still logged`,
        );
      }
    }
  }

  private fillView(input: PredictionInput, latencyMs: number | undefined): PredictionView {
    const view = this.view;
    const model = input.model;
    view.requestId = input.requestId;
    if (typeof model === 'string') {
      view.modelName = model;
      view.modelVersion = this.defaultModel?.version;
      view.modelDeployedAt = this.defaultModel?.deployedAt;
    } else if (model !== undefined && model !== null) {
      view.modelName = model.name;
      view.modelVersion = model.version;
      view.modelDeployedAt = model.deployedAt;
    } else {
      view.modelName = this.defaultModel?.name;
      view.modelVersion = this.defaultModel?.version;
      view.modelDeployedAt = this.defaultModel?.deployedAt;
    }
    view.score = input.score;
    view.threshold = input.threshold;
    view.latencyMs = latencyMs ?? input.latencyMs;
    view.isError = input.error !== undefined && input.error !== null && input.error !== false;
    view.error = input.error;
    view.features = input.features;
    view.force = input.force;
    view.role = input.role;
    return view;
  }

  /**
   * In the pipeline worker: takes a record the serving thread already decided and captured (its
   * frame decoded) into this logger's boundary; `undefined` (a frame of no known shape) is counted.
   * @internal
   */
  acceptCaptured(captured: CapturedRecord | PredictionSnapshot | PredlogLogRecord | undefined): void {
    this.metrics.received++;
    if (captured === undefined) this.metrics.drop('frame_corrupt', 1);
    else this.enqueue(captured);
  }

  private enqueue(captured: CapturedRecord | PredictionSnapshot | PredlogLogRecord): boolean {
    const handOff = this.handOff;
    if (handOff !== undefined) {
      // Only feedback and foreign records come here: predictions go straight into frames.
      const written = handOff.writeValue(
        captured instanceof PredlogLogRecord
          ? WorkerHandOff.foreignFrame(captured)
          : { k: 'feedback', record: captured as CapturedRecord },
      );
      if (!written) this.refuse();
      return written;
    }
    const bytes =
      captured instanceof PredlogLogRecord
        ? captured.approxBytes
        : captured.kind === CAPTURED_RECORD
          ? captured.approxBytes
          : captured.bytes;
    if (!this.ring.push(captured, bytes, this.config.maxQueueBytes)) {
      this.refuse();
      return false;
    }
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      setImmediate(this.drainNow);
    }
    return true;
  }

  private refuse(): void {
    this.metrics.drop('queue_full', 1);
    this.diagnostics.warnOnce(
      'queue_full',
      'the async boundary is full; records are dropped and counted (raise logger.maxQueueRecords/maxQueueBytes or add export capacity)',
    );
  }

  private dropClosed(): void {
    this.metrics.drop('shutdown', 1);
    this.diagnostics.warnOnce(
      'record_after_shutdown',
      'a record arrived after shutdown(); it was dropped and counted',
    );
  }

  /**
   * One background turn: moves records across the boundary in batches of `drainBatchSize` until
   * the ring is empty or the turn has used `drainTurnMs`, so the background keeps pace with bursts
   * while an event-loop pause stays short.
   */
  private drain(): void {
    this.drainScheduled = false;
    const deadline = performance.now() + this.config.drainTurnMs;
    do this.drainBatch(this.config.drainBatchSize);
    while (this.ring.size > 0 && performance.now() < deadline);
    if (this.ring.size > 0 && !this.drainScheduled) {
      this.drainScheduled = true;
      setImmediate(this.drainNow);
    }
  }

  private drainAll(): void {
    while (this.ring.size > 0) this.drainBatch(this.config.drainBatchSize);
  }

  private drainBatch(max: number): void {
    const n = Math.min(max, this.ring.size);
    if (n === 0) return;
    const records = new Array<LogRecordLike>(n);
    for (let i = 0; i < n; i++) {
      const item = this.ring.shift() as CapturedRecord | PredictionSnapshot | PredlogLogRecord;
      records[i] =
        item instanceof PredlogLogRecord
          ? item
          : this.toLogRecord(item.kind === CAPTURED_RECORD ? item : this.finishSnapshot(item));
    }
    const pipelines = this.pipelines;
    if (pipelines.length === 1) {
      const pipeline = pipelines[0] as Pipeline;
      const accepted = records.filter((r) => pipeline.accepts(r.eventName));
      if (accepted.length < n) this.metrics.drop('no_pipeline', n - accepted.length);
      pipeline.run(accepted);
      return;
    }
    // Every batch is built (and copied) before any pipeline runs, since processors mutate in place.
    const routed = new Array<boolean>(n).fill(false);
    const batches = pipelines.map((pipeline) => {
      const batch: LogRecordLike[] = [];
      for (let i = 0; i < n; i++) {
        const record = records[i] as LogRecordLike;
        if (!pipeline.accepts(record.eventName)) continue;
        batch.push(routed[i] ? cloneRecord(record) : record);
        routed[i] = true;
      }
      return batch;
    });
    pipelines.forEach((pipeline, i) => {
      const batch = batches[i] as LogRecordLike[];
      if (batch.length > 0) pipeline.run(batch);
    });
    const unrouted = routed.filter((r) => !r).length;
    if (unrouted > 0) this.metrics.drop('no_pipeline', unrouted);
  }

  private finishSnapshot(snapshot: PredictionSnapshot): CapturedRecord {
    try {
      return this.capture.predictionRecord(snapshot);
    } catch {
      // Unreachable by design (the snapshot holds only copies and primitives); kept so a bug can
      // never escape into the event loop. The record is still delivered, marked.
      this.diagnostics.warnOnce(
        'finish_failed',
        'a captured record could not be completed; it was logged with its ids only',
      );
      return {
        kind: CAPTURED_RECORD,
        eventName: 'ml.prediction',
        timeUnixMs: Date.now(),
        attributes: {
          'ml.prediction.id': String(snapshot.predictionId),
          'ml.prediction.status': 'unreadable',
        },
        body: undefined,
        traceId: undefined,
        spanId: undefined,
        approxBytes: 128,
      };
    }
  }

  private toLogRecord(captured: CapturedRecord): PredlogLogRecord {
    const record = new PredlogLogRecord({
      hrTime: millisToHrTime(captured.timeUnixMs),
      resource: this.resource,
      instrumentationScope: SCOPE,
      attributes: captured.attributes as PredlogLogRecord['attributes'],
      body: captured.body as PredlogLogRecord['body'],
      eventName: captured.eventName,
      approxBytes: captured.approxBytes,
      jsonSafe: true,
    });
    if (captured.traceId !== undefined) {
      record.spanContext = {
        traceId: captured.traceId,
        spanId: captured.spanId ?? '0000000000000000',
        traceFlags: 1,
      };
    }
    return record;
  }
}

export interface CreatePredictionLoggerOptions {
  /** A YAML or JSON config file. */
  configFile?: string;
  /** Or the same structure as an object. */
  config?: unknown;
  /** Component factories the config may use (`fileExporterFactory`, ...). */
  components?: readonly ComponentFactory[];
  model?: ModelIdentity;
  resource?: Record<string, string>;
  /** Called for every `record()`, before sampling. */
  observers?: readonly PredictionObserver[];
  diagnostics?: Diagnostics;
  meterProvider?: MeterProvider;
  clock?: Clock;
  /** Environment for `${env:…}`, the OTel variables and the default resource; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Overrides the config's `logger.thread`. */
  thread?: 'inline' | 'worker';
}

/** What `createPredictionLogger` hands the constructor in worker mode (not public API). */
interface LoggerInternals {
  /** The started pipeline worker that kept records are handed to. */
  host?: PipelineWorkerHost;
  owned?: ReadonlyArray<Processor | Exporter>;
}

/**
 * Loads and checks a config (throwing `ConfigError` with every problem at once), creates its
 * components and returns a running logger. With `OTEL_SDK_DISABLED=true` it returns a no-op logger
 * at once: no config is read, no component created, every call returns without doing anything.
 */
export async function createPredictionLogger(
  options: CreatePredictionLoggerOptions,
): Promise<PredictionLogger> {
  const env = options.env ?? process.env;
  if (sdkDisabled(env)) {
    return new PredictionLogger({
      pipelines: [],
      disabled: true,
      env,
      ...(options.diagnostics ? { diagnostics: options.diagnostics } : {}),
      ...(options.meterProvider ? { meterProvider: options.meterProvider } : {}),
    });
  }
  const registry = new ComponentRegistry(options.components ?? []);
  let config: PredlogConfig;
  if (options.configFile !== undefined)
    config = await loadConfigFile(options.configFile, registry, options.env);
  else if (options.config !== undefined)
    config = resolveConfig(options.config, registry, { env: options.env ?? process.env });
  else throw new TypeError('createPredictionLogger needs configFile or config');

  const diagnostics = options.diagnostics ?? new DiagnosticsChannel();
  for (const key of config.unused)
    diagnostics.warnOnce(
      `config_unused.${key}`,
      `${config.source}: ${key} is defined but used by no pipeline`,
    );
  const meterProvider = options.meterProvider ?? metricsApi.getMeterProvider();
  const clock = options.clock ?? systemClock;
  // Explicit config wins over the environment: options.resource, then predlog.yaml's resource.
  const resource = resolveResource({ ...config.resource, ...options.resource }, env, diagnostics);
  const services = (id: string): ComponentServices =>
    createComponentServices({ id, diagnostics, meterProvider, clock, resource, baseDir: config.baseDir });
  if ((options.thread ?? config.logger.thread) === 'worker')
    return startWorkerLogger(options, config, { diagnostics, meterProvider, clock, resource, env, services });

  const exporters = new Map<string, ExporterWithQueue>();
  const created: Array<Exporter | Processor> = [];
  try {
    for (const [id, entry] of config.exporters) {
      const exporter = await entry.factory.create(entry.config, services(id));
      created.push(exporter);
      exporters.set(id, { exporter, queue: withSpillDirectory(entry.queue, config.baseDir) });
    }
    const pipelines: PipelineOptions[] = [];
    for (const [name, pipeline] of config.pipelines) {
      const processors: Processor[] = [];
      for (const id of pipeline.processors) {
        const entry = config.processors.get(id);
        if (entry === undefined) continue;
        const processor = await entry.factory.create(entry.config, services(id));
        created.push(processor);
        processors.push(processor);
      }
      pipelines.push({
        name,
        events: pipeline.events,
        processors,
        exporters: pipeline.exporters.map((id) => exporters.get(id) as ExporterWithQueue),
      });
    }
    return new PredictionLogger({
      pipelines,
      ...(options.model ? { model: options.model } : {}),
      resource,
      logger: config.logger,
      ...(options.observers ? { observers: options.observers } : {}),
      diagnostics,
      meterProvider,
      clock,
      env,
    });
  } catch (error) {
    await Promise.allSettled(created.map((component) => component.shutdown()));
    throw error;
  }
}

/**
 * `logger.thread: worker`: the serving thread keeps the head sampler, observers, metrics and
 * capture; a pipeline worker builds the processors and exporters from the same config, loading
 * each factory by its `module` ref (a factory without one is a start-up error naming it).
 */
async function startWorkerLogger(
  options: CreatePredictionLoggerOptions,
  config: PredlogConfig,
  shared: {
    diagnostics: Diagnostics;
    meterProvider: MeterProvider;
    clock: Clock;
    resource: Resource;
    env: EnvironmentVariables;
    services: (id: string) => ComponentServices;
  },
): Promise<PredictionLogger> {
  const refs = new Map<ComponentFactory, ComponentModuleRef>();
  const issues: ConfigIssue[] = [];
  const sections = [
    ['processors', config.processors],
    ['exporters', config.exporters],
  ] as const;
  for (const [section, entries] of sections) {
    for (const [id, entry] of entries) {
      const factory = entry.factory;
      if (refs.has(factory)) continue;
      const where = { file: config.source, path: `${section}.${id}` };
      if (factory.module === undefined) {
        issues.push({
          ...where,
          message: `logger.thread is "worker", so the ${factory.kind} factory of type "${factory.type}" needs a module ref (factory.module: { specifier, exportName }) for the worker to load it`,
        });
        continue;
      }
      try {
        refs.set(factory, resolveFactoryModule(factory.module, config.baseDir));
      } catch (error) {
        issues.push({ ...where, message: error instanceof Error ? error.message : String(error) });
      }
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);

  // The head decision stays on the serving thread: a lone pipeline's first processor that can
  // decide up front is built here too (the worker builds its own copy and, as inline, skips it).
  const owned: Processor[] = [];
  let sampler: Sampler | undefined;
  const [lone] = config.pipelines.size === 1 ? [...config.pipelines.values()] : [];
  const firstId = lone?.processors[0];
  const first = firstId === undefined ? undefined : config.processors.get(firstId);
  if (first !== undefined && firstId !== undefined) {
    const processor = await first.factory.create(first.config, shared.services(firstId));
    if (processor.headSampler === undefined) await processor.shutdown();
    else {
      sampler = processor.headSampler;
      owned.push(processor);
    }
  }

  const sinkOptions: LoggerWorkerSinkOptions = {
    ...(options.model ? { model: options.model } : {}),
    ...(options.resource ? { resource: options.resource } : {}),
    ...(options.env ? { env: { ...options.env } } : {}),
  };
  const here = import.meta.url;
  const host = new PipelineWorkerHost({
    sink: {
      specifier: new URL(
        here.endsWith('.ts') ? './worker/logger-worker-sink.ts' : './worker/logger-worker-sink.js',
        here,
      ).href,
      exportName: 'loggerWorkerSink',
    },
    sinkOptions,
    components: [...refs.values()],
    config:
      options.configFile !== undefined
        ? { file: path.resolve(options.configFile) }
        : { value: options.config },
    ring: { capacityBytes: config.logger.maxQueueBytes, maxRecords: config.logger.maxQueueRecords },
    clock: shared.clock,
    diagnostics: shared.diagnostics,
  });
  try {
    await host.start();
  } catch (error) {
    await Promise.allSettled(owned.map((component) => component.shutdown()));
    throw error;
  }
  return new PredictionLogger(
    {
      pipelines: [],
      ...(sampler ? { sampler } : {}),
      ...(options.model ? { model: options.model } : {}),
      resource: shared.resource,
      logger: config.logger,
      ...(options.observers ? { observers: options.observers } : {}),
      diagnostics: shared.diagnostics,
      meterProvider: shared.meterProvider,
      clock: shared.clock,
      env: shared.env,
    },
    { host, owned },
  );
}

/**
 * A bare specifier resolves where the application could import it: from the config file's
 * directory, the working directory, or the application's entry script (`process.argv[1]`).
 */
function resolveFactoryModule(ref: ComponentModuleRef, baseDir: string): ComponentModuleRef {
  const entry = process.argv[1];
  const bases = [baseDir, process.cwd(), ...(entry === undefined ? [] : [entry])];
  for (const base of bases) {
    try {
      return resolveModuleRef(ref, base);
    } catch {
      // the next base
    }
  }
  throw new Error(`module ref ${describeModuleRef(ref)} cannot be resolved from ${bases.join(', ')}`);
}

/** A relative spill directory is relative to the config file, like every path in it. */
function withSpillDirectory(queue: ExportQueueConfigInput, baseDir: string): ExportQueueConfigInput {
  const directory = queue.spill?.directory;
  if (directory === undefined || path.isAbsolute(directory)) return queue;
  return { ...queue, spill: { ...queue.spill, directory: path.resolve(baseDir, directory) } };
}

function defaultServingNode(resource: Resource): string {
  const attrs = resource.attributes;
  const node = attrs[RESOURCE_ATTR.k8sPodName] ?? attrs[RESOURCE_ATTR.hostName];
  return typeof node === 'string' && node.length > 0 ? node : os.hostname();
}
