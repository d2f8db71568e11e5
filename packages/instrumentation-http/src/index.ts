export {
  bodyParseErrorStandIn,
  isBodyParseError,
  SCRUBBED_MESSAGE,
  scrubBodyParseError,
} from './body-parse-error.ts';
export {
  type HttpInstrumentationConfig,
  type HttpInstrumentationOptions,
  type HttpRouteConfig,
  httpInstrumentationConfigSchema,
  httpRouteConfigSchema,
  type ResponseContext,
  type ResponseExtractor,
} from './config.ts';
export { createHttpInstrumentation } from './factory.ts';
export { HttpInstrumentation, type HttpInstrumentationStats } from './http-instrumentation.ts';
export { instrumentHttpServer, instrumentRequestListener } from './instrument-http-server.ts';
export {
  type HttpInstrumentationCounters,
  type HttpRoute,
  RequestCapture,
} from './request-capture.ts';
