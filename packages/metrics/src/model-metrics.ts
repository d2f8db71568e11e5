import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Attributes } from '@opentelemetry/api';
import {
  AggregationTemporalityPreference,
  OTLPMetricExporter,
} from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  type IMetricReader,
  MeterProvider,
  type MetricProducer,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  type Clock,
  type Diagnostics,
  DiagnosticsChannel,
  type PredictionObserver,
  type PredictionView,
  systemClock,
} from '@predlog/core';
import type { MetricsConfig } from './config.ts';
import {
  compileFeatureAnomalyCheck,
  type FeatureAnomalyCheck,
  scoreEntropy,
} from './internal/feature-anomaly-check.ts';
import { compileFeatureRecorder, type FeatureRecorder } from './internal/feature-recorder.ts';
import { HistogramProducer } from './internal/histogram-producer.ts';
import { HistogramSeries } from './internal/histogram-series.ts';
import { type ScrapeServer, startScrapeServer } from './internal/scrape-server.ts';
import { OTHER, SeriesBudget, SeriesTable } from './internal/series-table.ts';

const SCOPE = { name: '@predlog/metrics', version: '0.1.0' } as const;
const UNKNOWN = 'unknown';

/**
 * Instrument names. Counters carry no `_total` (the Prometheus exporter adds it, as the OTel
 * Collector's does); histograms and gauges carry their unit suffix, since the JS exporter adds none.
 */
const NAME = {
  requests: 'model_requests',
  requestDuration: 'model_request_duration_seconds',
  errors: 'model_errors',
  inFlight: 'model_in_flight_requests',
  score: 'prediction_score_distribution',
  feature: 'feature_value_distribution',
  loadTime: 'model_load_time_seconds',
  entropy: 'prediction_entropy',
  anomalies: 'model_feature_anomalies',
  anomalyChecks: 'model_feature_anomaly_checks',
  overflow: 'predlog_metrics_series_overflow',
} as const;

/** A model as serving code names it: a name (the version then defaults), or name and version. */
export type ModelRef = string | { readonly name: string; readonly version?: string | undefined };

export interface StartRequestOptions {
  /** The route, as a template (`/predict`, `/models/:name/predict`), never the raw URL. */
  readonly endpoint: string;
  /** Default: the `model` given to `createModelMetrics`. */
  readonly model?: ModelRef | undefined;
}

export interface RequestOutcome {
  readonly statusCode: number;
  /** The model that answered, when it was only known after the request started (routing, A/B). */
  readonly model?: ModelRef | undefined;
}

/** One request in flight, from `startRequest()`. */
export interface ServingRequest {
  /**
   * Counts the request under its status code, observes its duration and takes it off the in-flight
   * gauge. Only the first call counts; later ones are ignored.
   */
  end(outcome: RequestOutcome): void;
  /** Seconds since `startRequest()`. */
  elapsedSeconds(): number;
}

export interface ModelMetricsOptions {
  /** Labels requests that name no model, and predictions whose logger has no default model. */
  readonly model?: { readonly name: string; readonly version?: string | undefined } | undefined;
  /** Resource of the metrics (exposed as `target_info`), or attributes for one. */
  readonly resource?: Resource | Readonly<Record<string, string>> | undefined;
  readonly clock?: Clock | undefined;
  readonly diagnostics?: Diagnostics | undefined;
  /**
   * More readers for these metrics (your own exporters), built with the histograms' producer:
   * pass `histograms` in each reader's `metricProducers`, or the histograms are missing from it.
   */
  readonly readers?: ((histograms: MetricProducer) => readonly IMetricReader[]) | undefined;
}

/** A counter's total or a gauge's value, for one label combination. */
interface ValueSeries {
  readonly attributes: Attributes;
  value: number;
}

/** The per-model series a prediction touches, found once per model and version. */
interface ModelSeries {
  readonly score: HistogramSeries;
  /** Aligned with the configured key features. */
  readonly features: readonly HistogramSeries[];
  /** Normalised entropy of the score (see `scoreEntropy`). */
  readonly entropy: HistogramSeries;
  /** Predictions checked against `featureRanges`, and those with a feature out of range. */
  readonly anomalies: { checked: number; anomalous: number };
}

/** The per-route series a request touches. */
interface EndpointSeries {
  readonly name: string;
  readonly version: string;
  readonly endpoint: string;
  readonly duration: HistogramSeries;
  readonly inFlight: ValueSeries;
  readonly statuses: Map<number, ValueSeries>;
}

/**
 * Serving and model metrics for every prediction, whatever the log sampling: a `PredictionObserver`
 * for score, feature and error metrics (core calls it for each `record()` before sampling), a small
 * request API for the HTTP layer (status, latency, in flight), and the model load time. Recording
 * is plain arithmetic on series found through the cardinality guard; sdk-metrics reads them when a
 * reader collects: Prometheus on scrape, OTLP on its interval.
 */
export class ModelMetrics implements PredictionObserver {
  /** Pass to `createPredictionLogger({ meterProvider })` so predlog's pipeline metrics share the endpoint. */
  readonly meterProvider: MeterProvider;
  readonly config: MetricsConfig;
  private readonly clock: Clock;
  private readonly diagnostics: Diagnostics;
  private readonly defaultName: string;
  private readonly defaultVersion: string;
  private readonly featureNames: readonly string[];
  private readonly recordFeatures: FeatureRecorder;
  /** Undefined without `featureRanges`: the observer then never checks. */
  private readonly isAnomalous: FeatureAnomalyCheck | undefined;
  private readonly models: SeriesTable<ModelSeries>;
  private readonly featureTables: ReadonlyArray<SeriesTable<HistogramSeries>>;
  private readonly endpoints: SeriesTable<EndpointSeries>;
  private readonly requests: SeriesTable<ValueSeries>;
  private readonly errors: SeriesTable<ValueSeries>;
  private readonly loadTimes: SeriesTable<ValueSeries>;
  private readonly prometheus: PrometheusExporter;
  private readonly serializer: PrometheusSerializer;
  private readonly producer: HistogramProducer;
  private lastModelName: string | undefined;
  private lastModelVersion: string | undefined;
  private lastModel: ModelSeries | undefined;
  private lastRequestName: string | undefined;
  private lastRequestVersion: string | undefined;
  private lastRequestEndpoint: string | undefined;
  private lastRequest: EndpointSeries | undefined;
  private scrapeServer: ScrapeServer | undefined;
  private shutdownPromise: Promise<void> | undefined;

  constructor(config: MetricsConfig, options: ModelMetricsOptions = {}) {
    this.config = config;
    this.clock = options.clock ?? systemClock;
    this.diagnostics = options.diagnostics ?? new DiagnosticsChannel();
    this.defaultName = options.model?.name ?? UNKNOWN;
    this.defaultVersion = options.model?.version ?? UNKNOWN;
    this.featureNames = Object.keys(config.features);
    this.recordFeatures = compileFeatureRecorder(this.featureNames);
    this.isAnomalous =
      Object.keys(config.featureRanges).length === 0
        ? undefined
        : compileFeatureAnomalyCheck(config.featureRanges);
    const cap = config.maxSeriesPerInstrument;
    const maxLabelValueLength = config.maxLabelValueLength;
    const budget = (metric: string) => new SeriesBudget(metric, cap);

    const featureBudget = budget(NAME.feature);
    this.featureTables = this.featureNames.map(
      (feature) =>
        new SeriesTable<HistogramSeries>({
          labelNames: ['model_name', 'model_version'],
          constant: { feature },
          budget: featureBudget,
          maxLabelValueLength,
          create: (attributes) =>
            new HistogramSeries(attributes, (config.features[feature] as { buckets: number[] }).buckets),
        }),
    );
    // One score series per model and version, so the score's budget bounds the model table too.
    this.models = new SeriesTable<ModelSeries>({
      labelNames: ['model_name', 'model_version'],
      budget: budget(NAME.score),
      maxLabelValueLength,
      create: (attributes, overflow) => {
        const name = String(attributes.model_name);
        const version = String(attributes.model_version);
        return {
          score: new HistogramSeries(attributes, config.scoreBuckets),
          features: this.featureTables.map((table) => (overflow ? table.overflow : table.get(name, version))),
          entropy: new HistogramSeries(attributes, config.entropyBuckets),
          anomalies: { checked: 0, anomalous: 0 },
        };
      },
    });
    // Duration and in-flight share one series per model, version and route: one budget for both.
    this.endpoints = new SeriesTable<EndpointSeries>({
      labelNames: ['model_name', 'model_version', 'endpoint'],
      budget: budget(NAME.requestDuration),
      maxLabelValueLength,
      create: (attributes) => ({
        name: String(attributes.model_name),
        version: String(attributes.model_version),
        endpoint: String(attributes.endpoint),
        duration: new HistogramSeries(attributes, config.requestDurationBucketsSeconds),
        inFlight: { attributes, value: 0 },
        statuses: new Map(),
      }),
    });
    const valueSeries = (attributes: Attributes): ValueSeries => ({ attributes, value: 0 });
    this.requests = new SeriesTable<ValueSeries>({
      labelNames: ['model_name', 'model_version', 'endpoint', 'status_code'],
      budget: budget(`${NAME.requests}_total`),
      maxLabelValueLength,
      create: valueSeries,
    });
    this.errors = new SeriesTable<ValueSeries>({
      labelNames: ['model_name', 'model_version', 'error_type'],
      budget: budget(`${NAME.errors}_total`),
      maxLabelValueLength,
      create: valueSeries,
    });
    this.loadTimes = new SeriesTable<ValueSeries>({
      labelNames: ['model_name', 'model_version'],
      budget: budget(NAME.loadTime),
      maxLabelValueLength,
      create: valueSeries,
    });

    const resource = toResource(options.resource);
    this.producer = new HistogramProducer({
      resource,
      scope: SCOPE,
      startTimeMs: this.clock.now(),
      instruments: [
        {
          name: NAME.requestDuration,
          description: 'Time from the start of a request to its answer',
          unit: 's',
          forEachSeries: (visit) => forEachOf(this.endpoints, (entry) => visit(entry.duration)),
        },
        {
          name: NAME.score,
          description: 'Prediction scores, for every prediction (before log sampling)',
          unit: '',
          forEachSeries: (visit) => forEachOf(this.models, (entry) => visit(entry.score)),
        },
        {
          name: NAME.entropy,
          description:
            'Normalised entropy of the prediction score (0 certain, 1 a coin toss), every prediction',
          unit: '',
          forEachSeries: (visit) => forEachOf(this.models, (entry) => visit(entry.entropy)),
        },
        {
          name: NAME.feature,
          description: 'Values of the configured key features, for every prediction',
          unit: '',
          forEachSeries: (visit) => {
            for (const table of this.featureTables) forEachOf(table, visit);
          },
        },
      ],
    });
    const prom = config.prometheus;
    this.prometheus = new PrometheusExporter({
      preventServerStart: true,
      withoutScopeInfo: true,
      withoutTargetInfo: !prom.targetInfo,
      ...(prom.resourceLabelsPattern === undefined
        ? {}
        : { withResourceConstantLabels: new RegExp(prom.resourceLabelsPattern) }),
      metricProducers: [this.producer],
    });
    this.serializer = new PrometheusSerializer(
      undefined,
      false,
      prom.resourceLabelsPattern === undefined ? undefined : new RegExp(prom.resourceLabelsPattern),
      !prom.targetInfo,
      true,
    );
    const readers: IMetricReader[] = [this.prometheus];
    if (config.otlp !== undefined) {
      readers.push(
        new PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter({
            url: config.otlp.url,
            headers: config.otlp.headers,
            timeoutMillis: config.otlp.exportTimeoutMs,
            // The histograms are cumulative aggregates; the counters follow for one consistent stream.
            temporalityPreference: AggregationTemporalityPreference.CUMULATIVE,
          }),
          exportIntervalMillis: config.otlp.exportIntervalMs,
          exportTimeoutMillis: config.otlp.exportTimeoutMs,
          metricProducers: [this.producer],
        }),
      );
    }
    if (options.readers !== undefined) readers.push(...options.readers(this.producer));
    this.meterProvider = new MeterProvider({ resource, readers });
    this.registerInstruments();
  }

  /**
   * The `PredictionObserver` hook: core calls it for every `record()`, before sampling. Finds the
   * model's series (the same as last time in the common case: two string compares), then records
   * the score, each key feature present as a number, and the error type of a failed call.
   */
  observePrediction(view: PredictionView): void {
    const name = view.modelName ?? this.defaultName;
    const version = view.modelVersion ?? this.defaultVersion;
    let model = this.lastModel;
    if (model === undefined || name !== this.lastModelName || version !== this.lastModelVersion) {
      model = this.models.get(name, version);
      this.lastModel = model;
      this.lastModelName = name;
      this.lastModelVersion = version;
    }
    const score = view.score;
    if (typeof score === 'number') {
      model.score.record(score);
      model.entropy.record(scoreEntropy(score));
    }
    const features = view.features;
    if (features !== undefined && features !== null) {
      this.recordFeatures(features, model.features);
      const isAnomalous = this.isAnomalous;
      if (isAnomalous !== undefined) {
        model.anomalies.checked++;
        if (isAnomalous(features)) model.anomalies.anomalous++;
      }
    }
    if (view.isError === true) this.errors.get(name, version, errorTypeOf(view.error)).value++;
  }

  /** Starts timing one request; call `end()` on the result once it is answered (in a `finally`). */
  startRequest(options: StartRequestOptions): ServingRequest {
    const entry = this.endpointSeries(options?.model, options?.endpoint);
    entry.inFlight.value++;
    return new RequestHandle(this.finish, this.clock, entry);
  }

  /** Sets `model_load_time_seconds` for a model (the time it took to load, or the last reload). */
  recordModelLoad(model: ModelRef, seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) {
      this.diagnostics.warnOnce(
        'metrics_invalid_load_time',
        'recordModelLoad() needs a finite, non-negative number of seconds; ignored',
      );
      return;
    }
    this.loadTimes.get(this.modelName(model), this.modelVersion(model)).value = seconds;
  }

  /** Runs `load`, records how long it took as `model_load_time_seconds`, and returns its result. */
  async timeModelLoad<T>(model: ModelRef, load: () => Promise<T> | T): Promise<T> {
    const started = this.clock.monotonic();
    const result = await load();
    this.recordModelLoad(model, (this.clock.monotonic() - started) / 1000);
    return result;
  }

  /** The Prometheus text exposition of everything on this provider (model and pipeline metrics). */
  async scrape(): Promise<string> {
    const { resourceMetrics, errors } = await this.prometheus.collect();
    if (errors.length > 0)
      this.diagnostics.warnOnce(
        'metrics_collect_errors',
        `${errors.length} metric callback(s) failed during a collection; the rest was exposed`,
      );
    return this.serializer.serialize(resourceMetrics);
  }

  /**
   * A `node:http` handler for the scrape endpoint, to mount on the application's own server
   * (`if (path === '/metrics') return metrics.handleScrape(req, res)`). GET and HEAD only.
   */
  handleScrape(request: IncomingMessage, response: ServerResponse): void {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      response.end('method not allowed\n');
      return;
    }
    this.scrape().then(
      (text) => {
        response.writeHead(200, {
          'content-type': 'text/plain; version=0.0.4; charset=utf-8',
          'content-length': Buffer.byteLength(text),
        });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      () => {
        this.diagnostics.warnOnce(
          'metrics_scrape_failed',
          'a metrics collection failed; the scrape got a 500',
        );
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        response.end('metrics collection failed\n');
      },
    );
  }

  /**
   * The histograms (request duration, score, features) as an sdk-metrics `MetricProducer`, for an
   * application that reads metrics with a reader of its own: pass it in the reader's
   * `metricProducers`. The counters and gauges are on `meterProvider`.
   */
  metricProducer(): MetricProducer {
    return this.producer;
  }

  /**
   * Starts the standalone scrape server (`prometheus.host`, `.port` and `.endpoint` unless given;
   * port 0 picks a free one). `createModelMetrics` calls it when `prometheus.port` is set.
   */
  async listen(options: { host?: string; port?: number } = {}): Promise<{ host: string; port: number }> {
    if (this.scrapeServer !== undefined) return this.scrapeAddress as { host: string; port: number };
    const prom = this.config.prometheus;
    this.scrapeServer = await startScrapeServer({
      host: options.host ?? prom.host,
      port: options.port ?? prom.port ?? 0,
      endpoint: prom.endpoint,
      handle: (request, response) => this.handleScrape(request, response),
    });
    return { host: this.scrapeServer.host, port: this.scrapeServer.port };
  }

  /** Where the standalone scrape server listens, once `listen()` has run. */
  get scrapeAddress(): { host: string; port: number } | undefined {
    const server = this.scrapeServer;
    return server === undefined ? undefined : { host: server.host, port: server.port };
  }

  /** Exports to OTLP now (when configured). */
  forceFlush(): Promise<void> {
    return this.meterProvider.forceFlush();
  }

  /** Closes the scrape server and stops the readers (a last OTLP export included). */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      await this.scrapeServer?.close();
      await this.meterProvider.shutdown().catch(() => {
        this.diagnostics.warnOnce('metrics_shutdown_failed', 'the metrics readers did not shut down cleanly');
      });
    })();
    return this.shutdownPromise;
  }

  /** What a request's `end()` does; one function for all requests, so a handle holds no closure. */
  private readonly finish = (entry: EndpointSeries, startedMs: number, outcome: RequestOutcome): void => {
    entry.inFlight.value--;
    const answered = outcome.model === undefined ? entry : this.endpointSeries(outcome.model, entry.endpoint);
    answered.duration.record((this.clock.monotonic() - startedMs) / 1000);
    const code = outcome.statusCode;
    let status = answered.statuses.get(code);
    if (status === undefined) {
      status = this.requests.get(answered.name, answered.version, answered.endpoint, statusText(code));
      // Cached per route only when it is a series of its own: the cache stays as small as the table.
      if (status !== this.requests.overflow) answered.statuses.set(code, status);
    }
    status.value++;
  };

  private endpointSeries(model: ModelRef | undefined, route: string | undefined): EndpointSeries {
    const name = model === undefined || model === null ? this.defaultName : this.modelName(model);
    const version = model === undefined || model === null ? this.defaultVersion : this.modelVersion(model);
    const endpoint = typeof route === 'string' && route !== '' ? route : UNKNOWN;
    const last = this.lastRequest;
    if (
      last !== undefined &&
      name === this.lastRequestName &&
      version === this.lastRequestVersion &&
      endpoint === this.lastRequestEndpoint
    )
      return last;
    const entry = this.endpoints.get(name, version, endpoint);
    this.lastRequest = entry;
    this.lastRequestName = name;
    this.lastRequestVersion = version;
    this.lastRequestEndpoint = endpoint;
    return entry;
  }

  private modelName(model: ModelRef): string {
    return (typeof model === 'string' ? model : model.name) || UNKNOWN;
  }

  private modelVersion(model: ModelRef): string {
    // As in core: a model named by a string alone takes the default model's version.
    return (typeof model === 'string' ? this.defaultVersion : model.version) || UNKNOWN;
  }

  private registerInstruments(): void {
    const meter = this.meterProvider.getMeter(SCOPE.name, SCOPE.version);
    const observeAll = (table: SeriesTable<ValueSeries>, observe: (v: number, a: Attributes) => void) => {
      for (const series of table.series) observe(series.value, series.attributes);
      if (table.overflow.value !== 0) observe(table.overflow.value, table.overflow.attributes);
    };
    meter
      .createObservableCounter(NAME.requests, {
        description: 'Requests answered, by model, route and HTTP status code',
        unit: '{request}',
      })
      .addCallback((result) => observeAll(this.requests, (v, a) => result.observe(v, a)));
    meter
      .createObservableCounter(NAME.errors, {
        description: 'Failed predictions, by model and error type (every prediction, before log sampling)',
        unit: '{error}',
      })
      .addCallback((result) => observeAll(this.errors, (v, a) => result.observe(v, a)));
    meter
      .createObservableUpDownCounter(NAME.inFlight, {
        description: 'Requests started and not yet answered',
        unit: '{request}',
      })
      .addCallback((result) => {
        for (const entry of this.endpoints.series)
          result.observe(entry.inFlight.value, entry.inFlight.attributes);
        const other = this.endpoints.overflow;
        if (other.inFlight.value !== 0 || other.duration.count > 0)
          result.observe(other.inFlight.value, other.inFlight.attributes);
      });
    meter
      .createObservableGauge(NAME.loadTime, {
        description: 'Time the model took to load (the latest load or reload)',
        unit: 's',
      })
      .addCallback((result) => observeAll(this.loadTimes, (v, a) => result.observe(v, a)));
    if (this.isAnomalous !== undefined) {
      const observeAnomalies = (
        result: { observe: (v: number, a: Attributes) => void },
        read: (a: ModelSeries['anomalies']) => number,
      ) => {
        for (const entry of this.models.series) result.observe(read(entry.anomalies), entry.score.attributes);
        const other = this.models.overflow;
        if (other.anomalies.checked > 0) result.observe(read(other.anomalies), other.score.attributes);
      };
      meter
        .createObservableCounter(NAME.anomalies, {
          description: 'Predictions with at least one feature outside its configured baseline range',
          unit: '{prediction}',
        })
        .addCallback((result) => observeAnomalies(result, (a) => a.anomalous));
      meter
        .createObservableCounter(NAME.anomalyChecks, {
          description: 'Predictions whose features were checked against the baseline ranges',
          unit: '{prediction}',
        })
        .addCallback((result) => observeAnomalies(result, (a) => a.checked));
    }
    meter
      .createObservableCounter(NAME.overflow, {
        description: `Observations recorded in an "${OTHER}" series because their metric reached maxSeriesPerInstrument`,
        unit: '{observation}',
      })
      .addCallback((result) => {
        let features = 0;
        for (const table of this.featureTables) features += table.overflow.count;
        result.observe(this.requests.overflow.value, { metric: `${NAME.requests}_total` });
        result.observe(this.endpoints.overflow.duration.count, { metric: NAME.requestDuration });
        result.observe(this.errors.overflow.value, { metric: `${NAME.errors}_total` });
        result.observe(this.models.overflow.score.count, { metric: NAME.score });
        result.observe(features, { metric: NAME.feature });
      });
  }
}

type FinishRequest = (entry: EndpointSeries, startedMs: number, outcome: RequestOutcome) => void;

/** A request in flight; `end()` hands it back to its metrics once. */
class RequestHandle implements ServingRequest {
  private readonly finish: FinishRequest;
  private readonly clock: Clock;
  private readonly entry: EndpointSeries;
  private readonly startedMs: number;
  private ended = false;

  constructor(finish: FinishRequest, clock: Clock, entry: EndpointSeries) {
    this.finish = finish;
    this.clock = clock;
    this.entry = entry;
    this.startedMs = clock.monotonic();
  }

  end(outcome: RequestOutcome): void {
    if (this.ended) return;
    this.ended = true;
    // Serving code calls this in a `finally`: a bad outcome must not replace the request's own error.
    this.finish(
      this.entry,
      this.startedMs,
      outcome !== null && typeof outcome === 'object' ? outcome : NO_OUTCOME,
    );
  }

  elapsedSeconds(): number {
    return (this.clock.monotonic() - this.startedMs) / 1000;
  }
}

const NO_OUTCOME: RequestOutcome = { statusCode: 0 };

/** Visits every series of a table, its `other` series last. */
function forEachOf<S>(table: SeriesTable<S>, visit: (series: S) => void): void {
  for (const series of table.series) visit(series);
  visit(table.overflow);
}

/** The error type as core writes it to `error.type`: an Error's name, a string as given, else `error`. */
function errorTypeOf(error: unknown): string {
  if (error instanceof Error) return error.name || 'Error';
  if (typeof error === 'string' && error !== '') return error;
  return 'error';
}

const STATUS_TEXT = new Map<number, string>();

/** `"200"`; an HTTP status code is a label value, cached so `end()` formats nothing. */
function statusText(code: number): string {
  let text = STATUS_TEXT.get(code);
  if (text === undefined) {
    text = Number.isInteger(code) && code >= 100 && code <= 599 ? String(code) : 'invalid';
    if (STATUS_TEXT.size < 1000) STATUS_TEXT.set(code, text);
  }
  return text;
}

function toResource(resource: Resource | Readonly<Record<string, string>> | undefined): Resource {
  if (resource !== undefined && 'merge' in resource && typeof resource.merge === 'function')
    return resource as Resource;
  return resourceFromAttributes({
    'service.name': 'unknown_service:node',
    ...(resource as Readonly<Record<string, string>> | undefined),
  });
}
