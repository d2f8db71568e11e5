import { randomUUID } from 'node:crypto';
import {
  clockSchema,
  defaultPredictionExtractor,
  diagnosticsSchema,
  functionSchema,
  meterProviderSchema,
  type PredictionExtractor,
  recorderSchema,
  shadowConfigSchema,
} from '@predlog/instrumentation-model';
import { z } from 'zod';

/** What a response extractor sees besides the response body. */
export interface ResponseContext {
  /** The request's parsed body (what is logged as raw input). */
  readonly rawInput: unknown;
  readonly status: number;
  readonly requestId: string;
}

/** `(responseBody, context) => fields`: the parsed JSON body, or its text when it is not JSON. */
export type ResponseExtractor = PredictionExtractor<unknown, ResponseContext>;

/** `"POST /predict"` or `"/predict"` (any method); `:name` matches one path segment, a final `*` the rest. */
export const ROUTE_KEY = /^(?:(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) +)?(\/[^\s?#]*)$/;

export const httpRouteConfigSchema = z
  .strictObject({
    /** `ml.model.name` of the route's records. */
    model: z.string().min(1).optional(),
    /** `ml.model.version`; default the logger's model version. */
    version: z.string().min(1).optional(),
    framework: z.string().min(1).optional(),
    /** `ml.model.role`; `champion` by default when `shadow` is set. */
    role: z.string().min(1).optional(),
    /** Written to each record unless the extractor or an annotation gives one. */
    threshold: z.number().optional(),
    /**
     * `false`: the route gets a request id and a prediction scope but logs no record of its own,
     * for handlers whose model calls are instrumented (instrumentModel, onnxruntime) and log under
     * the request's id, so a request is logged once.
     */
    logPrediction: z.boolean().default(true),
    /** Reads the prediction out of a 2xx/3xx response body. */
    extractPrediction: functionSchema<ResponseExtractor>(
      'a function (responseBody, context) => fields',
    ).default(() => defaultPredictionExtractor),
    /** A challenger run on a copy of each request's parsed body, after the response is sent. */
    shadow: shadowConfigSchema.optional(),
  })
  .refine((route) => !route.logPrediction || route.model !== undefined, {
    path: ['model'],
    message: 'must name the model (required unless logPrediction is false)',
  });

export const httpInstrumentationConfigSchema = z.strictObject({
  /** The PredictionLogger records go to. */
  logger: recorderSchema,
  /** Route → model map; requests to other routes pass through untouched. */
  routes: z
    .record(
      z
        .string()
        .regex(
          ROUTE_KEY,
          'must be "METHOD /path" or "/path" (":name" matches one segment, a final "*" the rest)',
        ),
      httpRouteConfigSchema,
    )
    .refine((routes) => Object.keys(routes).length > 0, { message: 'must configure at least one route' }),
  /** Header carrying the request id, read from the request and echoed in the response. */
  requestIdHeader: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a lowercase header name')
    .default('x-request-id'),
  /** An incoming request id is used only when it matches; otherwise a new one is generated. */
  acceptRequestId: z
    .instanceof(RegExp, { message: 'must be a RegExp' })
    .default(() => /^[A-Za-z0-9._:-]{1,128}$/),
  generateRequestId: functionSchema<() => string>('a function () => string').default(() => randomUUID),
  /** Set the request id header on the response. */
  echoRequestId: z.boolean().default(true),
  /** Write a generated id into the request's headers, so handler code reading the header sees it. */
  exposeRequestId: z.boolean().default(true),
  /** A larger request body is logged as a marker instead of its content. */
  maxRequestBodyBytes: z.number().int().positive().default(65_536),
  /** A larger response body is not read for the prediction (counted). */
  maxResponseBodyBytes: z.number().int().positive().default(65_536),
  /** Responses with this status or above are logged as errors (`error.type` = the status code). */
  minErrorStatus: z.number().int().min(100).max(600).default(400),
  /** Read trace_id/span_id from the active OTel span when the request arrives. */
  captureTraceContext: z.boolean().default(true),
  diagnostics: diagnosticsSchema,
  /** Where the instrumentation's counters go; default the global OTel MeterProvider. */
  meterProvider: meterProviderSchema.optional(),
  /** Where request latency is measured and shadow challengers' timeouts run; a test passes a fake one. */
  clock: clockSchema,
});

export type HttpRouteConfig = z.output<typeof httpRouteConfigSchema>;
export type HttpInstrumentationConfig = z.output<typeof httpInstrumentationConfigSchema>;
/** What callers pass: every key but `logger` and `routes` has a default. */
export type HttpInstrumentationOptions = z.input<typeof httpInstrumentationConfigSchema>;
