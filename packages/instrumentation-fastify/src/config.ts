import {
  type HttpInstrumentationConfig,
  type HttpInstrumentationOptions,
  httpInstrumentationConfigSchema,
} from '@predlog/instrumentation-http';

/**
 * The plugin takes the HTTP instrumentation's options as they are (routes, request id, body
 * caps, error status, trace context): the capture is the same, only the hooks differ.
 */
export const fastifyInstrumentationConfigSchema = httpInstrumentationConfigSchema;
export type FastifyInstrumentationConfig = HttpInstrumentationConfig;
export type FastifyInstrumentationOptions = HttpInstrumentationOptions;
