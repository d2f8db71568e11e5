import { httpInstrumentationConfigSchema } from '@predlog/instrumentation-http';
import { z } from 'zod';

const positiveInt = 'must be a positive whole number';

/**
 * The options of `instrumentHttpServer` that a file can hold: everything but the logger (register
 * makes it), the functions, the request-id RegExp, the providers and the clock (an object, for tests). Derived from
 * instrumentation-http's own schema, so its rules and defaults are the ones checked here.
 */
export const httpFileConfigSchema = httpInstrumentationConfigSchema.omit({
  logger: true,
  acceptRequestId: true,
  generateRequestId: true,
  diagnostics: true,
  meterProvider: true,
  clock: true,
});
export type HttpFileConfig = z.output<typeof httpFileConfigSchema>;

/** The `instrumentation:` section of predlog.yaml, read by `@predlog/register`. */
export const registerConfigSchema = z.strictObject({
  /** Routes (and capture options) of every node:http/https server the app creates. */
  http: httpFileConfigSchema.optional(),
  /**
   * On SIGTERM/SIGINT, how long predlog flushes before the app's own handlers run (or, when the app
   * has none, before the process ends the way the signal's default would).
   */
  flushTimeoutMs: z.number().int(positiveInt).positive(positiveInt).default(5000),
});
export type RegisterConfig = z.output<typeof registerConfigSchema>;
