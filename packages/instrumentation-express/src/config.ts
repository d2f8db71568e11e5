import {
  type HttpInstrumentationConfig,
  type HttpInstrumentationOptions,
  httpInstrumentationConfigSchema,
} from '@predlog/instrumentation-http';

/**
 * The middleware takes the HTTP instrumentation's options as they are (routes, request id,
 * body caps, error status, trace context): the capture is the same, only the hook differs.
 */
export const expressInstrumentationConfigSchema = httpInstrumentationConfigSchema;
export type ExpressInstrumentationConfig = HttpInstrumentationConfig;
export type ExpressInstrumentationOptions = HttpInstrumentationOptions;
