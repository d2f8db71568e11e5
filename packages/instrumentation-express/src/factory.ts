import { createHttpInstrumentation } from '@predlog/instrumentation-http';
import type { ExpressInstrumentationOptions } from './config.ts';
import { createExpressMiddleware, type PredlogExpressMiddleware } from './express-middleware.ts';

/**
 * `app.use(predlogExpress({ logger, routes: { 'POST /predict': { model: 'fraud' } } }))`, before the
 * body parser. Throws a ZodError naming the key when the options are wrong.
 */
export function predlogExpress(options: ExpressInstrumentationOptions): PredlogExpressMiddleware {
  return createExpressMiddleware(createHttpInstrumentation(options));
}
