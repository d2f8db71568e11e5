import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { context, isSpanContextValid, metrics, trace } from '@opentelemetry/api';
import {
  createPredictionScope,
  observeInstrumentationCounters,
  ShadowRunner,
  type ShadowStats,
} from '@predlog/instrumentation-model';
import type { HttpInstrumentationConfig } from './config.ts';
import { RouteTable } from './internal/route-table.ts';
import {
  type CaptureHost,
  emptyHttpCounters,
  type HttpInstrumentationCounters,
  type HttpRoute,
  RequestCapture,
} from './request-capture.ts';

export interface HttpInstrumentationStats extends HttpInstrumentationCounters {
  /** Challenger runs per route key, for routes with `shadow`. */
  shadow: Record<string, ShadowStats>;
}

/**
 * The request/response capture shared by the node:http, express and fastify instrumentations:
 * the compiled route table, request ids, trace context and the counters. Each framework adapter
 * asks `match()` for a route, `begin()`s a `RequestCapture` and feeds it what that framework
 * exposes.
 */
export class HttpInstrumentation implements CaptureHost {
  readonly config: HttpInstrumentationConfig;
  readonly counters: HttpInstrumentationCounters = emptyHttpCounters();
  private readonly routes: RouteTable<HttpRoute>;
  private readonly shadows = new Map<string, ShadowRunner>();

  constructor(config: HttpInstrumentationConfig) {
    this.config = config;
    const countExtractorFailure = () => {
      this.counters.extractorFailures++;
    };
    const compiled: Array<[string, HttpRoute]> = Object.entries(config.routes).map(([key, route]) => {
      const shadow =
        route.shadow === undefined
          ? undefined
          : new ShadowRunner(
              route.shadow,
              config.logger,
              config.diagnostics,
              countExtractorFailure,
              config.clock,
            );
      if (shadow !== undefined) this.shadows.set(key, shadow);
      const model =
        route.model === undefined
          ? undefined
          : route.version === undefined
            ? route.model
            : route.framework === undefined
              ? { name: route.model, version: route.version }
              : { name: route.model, version: route.version, framework: route.framework };
      return [
        key,
        {
          key,
          model,
          role: route.role ?? (shadow === undefined ? undefined : 'champion'),
          threshold: route.threshold,
          logPrediction: route.logPrediction,
          extractPrediction: route.extractPrediction,
          shadow,
        },
      ];
    });
    this.routes = new RouteTable(compiled);
    observeInstrumentationCounters(
      (config.meterProvider ?? metrics.getMeterProvider()).getMeter('@predlog/instrumentation-http'),
      'http',
      () => this.counters,
      () => {
        if (this.shadows.size === 0) return undefined;
        const total: ShadowStats = { started: 0, completed: 0, failed: 0, timedOut: 0, skipped: 0 };
        for (const runner of this.shadows.values())
          for (const key of Object.keys(total) as Array<keyof ShadowStats>) total[key] += runner.stats[key];
        return total;
      },
    );
  }

  /** The configured route of a request, or undefined (the request is not instrumented). */
  match(method: string | undefined, url: string | undefined): HttpRoute | undefined {
    return this.routes.match(method, url);
  }

  /**
   * Starts capturing a request to `route`: takes the request id from the header (or generates
   * one, writes it into the request's headers and echoes it in the response), reads the active
   * span's ids and opens the request's prediction scope.
   */
  begin(request: IncomingMessage, response: ServerResponse, route: HttpRoute): RequestCapture {
    const config = this.config;
    this.counters.requests++;
    const header = config.requestIdHeader;
    const given = request.headers[header];
    let requestId = typeof given === 'string' && config.acceptRequestId.test(given) ? given : undefined;
    if (requestId === undefined) {
      requestId = this.generateRequestId();
      this.counters.requestIdsGenerated++;
      if (config.exposeRequestId) request.headers[header] = requestId;
    }
    if (config.echoRequestId && !response.headersSent) response.setHeader(header, requestId);
    let traceId: string | undefined;
    let spanId: string | undefined;
    if (config.captureTraceContext) {
      const span = trace.getSpan(context.active());
      if (span !== undefined) {
        const spanContext = span.spanContext();
        if (isSpanContextValid(spanContext)) {
          traceId = spanContext.traceId;
          spanId = spanContext.spanId;
        }
      }
    }
    return new RequestCapture(
      this,
      route,
      request,
      response,
      createPredictionScope(requestId, traceId, spanId),
    );
  }

  /**
   * A node:http request listener that captures the configured routes and passes every request to
   * `listener` unchanged, inside the request's prediction scope. A synchronous throw of the
   * listener is logged and rethrown.
   */
  wrapListener(listener: RequestListener): RequestListener {
    const instrumentation = this;
    return function instrumentedListener(this: unknown, request: IncomingMessage, response: ServerResponse) {
      const route = instrumentation.match(request.method, request.url);
      if (route === undefined) return listener.call(this, request, response);
      let capture: RequestCapture;
      try {
        capture = instrumentation.begin(request, response, route);
        capture.watchRequest();
        capture.watchResponse();
        capture.watchCompletion();
      } catch {
        instrumentation.config.diagnostics.warnOnce(
          'http.capture_failed',
          'a request could not be instrumented; it was handled without logging',
        );
        return listener.call(this, request, response);
      }
      return capture.run(() => {
        try {
          return listener.call(this, request, response);
        } catch (error) {
          capture.fail(error);
          throw error;
        }
      });
    };
  }

  stats(): HttpInstrumentationStats {
    const shadow: Record<string, ShadowStats> = {};
    for (const [key, runner] of this.shadows) shadow[key] = { ...runner.stats };
    return { ...this.counters, shadow };
  }

  private generateRequestId(): string {
    try {
      const id = this.config.generateRequestId();
      if (typeof id === 'string' && id !== '') return id;
    } catch {
      // fall through to a UUID
    }
    this.config.diagnostics.warnOnce(
      'http.generate_request_id_failed',
      'generateRequestId threw or returned no string; a UUID was used',
    );
    return randomUUID();
  }
}
