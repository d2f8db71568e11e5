import type { RequestListener, Server } from 'node:http';
import type { HttpInstrumentationOptions } from './config.ts';
import { createHttpInstrumentation } from './factory.ts';
import type { HttpInstrumentation } from './http-instrumentation.ts';

/**
 * Instruments a node:http (or https) server: its `request` listeners (the handler given to
 * `createServer`, and any added before this call) are replaced by one wrapper that captures the
 * configured routes and calls them, in order, unchanged. Returns the instrumentation (`stats()`).
 */
export function instrumentHttpServer(
  server: Server,
  options: HttpInstrumentationOptions,
): HttpInstrumentation {
  const instrumentation = createHttpInstrumentation(options);
  const listeners = server.listeners('request') as RequestListener[];
  if (listeners.length === 0)
    instrumentation.config.diagnostics.warnOnce(
      'http.no_request_listener',
      'instrumentHttpServer found no request listener; call it after the handler is attached',
    );
  const handler: RequestListener =
    listeners.length === 1
      ? (listeners[0] as RequestListener)
      : function allListeners(this: unknown, request, response) {
          for (const listener of listeners) listener.call(this, request, response);
        };
  server.removeAllListeners('request');
  server.on('request', instrumentation.wrapListener(handler));
  return instrumentation;
}

/** The same capture as a listener wrapper: `createServer(instrumentRequestListener(handler, options))`. */
export function instrumentRequestListener(
  listener: RequestListener,
  options: HttpInstrumentationOptions,
): RequestListener {
  return createHttpInstrumentation(options).wrapListener(listener);
}
