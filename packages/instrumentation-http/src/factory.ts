import {
  type HttpInstrumentationConfig,
  type HttpInstrumentationOptions,
  httpInstrumentationConfigSchema,
} from './config.ts';
import { HttpInstrumentation } from './http-instrumentation.ts';

/** Checks the options (a ZodError names the key and the rule) and builds the shared capture. */
export function createHttpInstrumentation(
  options: HttpInstrumentationOptions | HttpInstrumentationConfig,
): HttpInstrumentation {
  return new HttpInstrumentation(httpInstrumentationConfigSchema.parse(options));
}
