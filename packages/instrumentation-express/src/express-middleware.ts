import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  bodyParseErrorStandIn,
  type HttpInstrumentation,
  type RequestCapture,
  scrubBodyParseError,
} from '@predlog/instrumentation-http';

/** The parts of an express request the middleware reads (express's `Request` has them). */
export interface ExpressRequestLike extends IncomingMessage {
  body?: unknown;
  originalUrl?: string;
}

export type ExpressNext = (error?: unknown) => void;

export interface PredlogExpressMiddleware {
  (request: ExpressRequestLike, response: ServerResponse, next: ExpressNext): void;
  /**
   * Error middleware, registered after the routes: it takes the request body out of a body
   * parser's error (express.json attaches it, and express's default handler prints it), logs the
   * error a handler threw (its type and message) and passes it on. Without it, a thrown error is
   * logged by its status (500), and a malformed body reaches stderr as it is.
   */
  readonly errorHandler: (
    error: unknown,
    request: ExpressRequestLike,
    response: ServerResponse,
    next: ExpressNext,
  ) => void;
  readonly instrumentation: HttpInstrumentation;
}

/**
 * Express's own mechanism: a middleware, mounted before the body parser so that it also sees the
 * body bytes and keeps the request's prediction scope across the parser's callbacks. The record is
 * written when the response finishes; the raw input is `req.body` as the parser left it.
 */
export function createExpressMiddleware(instrumentation: HttpInstrumentation): PredlogExpressMiddleware {
  const captures = new WeakMap<IncomingMessage, RequestCapture>();
  const middleware = function predlogExpress(
    request: ExpressRequestLike,
    response: ServerResponse,
    next: ExpressNext,
  ): void {
    const route = instrumentation.match(request.method, request.originalUrl ?? request.url);
    if (route === undefined) {
      next();
      return;
    }
    let capture: RequestCapture;
    try {
      capture = instrumentation.begin(request, response, route);
      capture.watchRequest();
      capture.watchResponse();
      capture.watchCompletion();
      capture.readParsedBody(() => request.body);
      captures.set(request, capture);
    } catch {
      instrumentation.config.diagnostics.warnOnce(
        'express.capture_failed',
        'a request could not be instrumented; it was handled without logging',
      );
      next();
      return;
    }
    capture.run(() => next());
  };
  const errorHandler = function predlogExpressErrors(
    error: unknown,
    request: ExpressRequestLike,
    _response: ServerResponse,
    next: ExpressNext,
  ): void {
    // express.json's error carries the raw body, and express's default handler prints the whole
    // error to stderr: the body is taken out first (for every route, configured or not).
    const passed = scrubBodyParseError(error) ? error : bodyParseErrorStandIn(error as Error);
    captures.get(request)?.fail(passed);
    next(passed);
  };
  return Object.assign(middleware, { errorHandler, instrumentation });
}
