import {
  createHttpInstrumentation,
  type HttpInstrumentation,
  type RequestCapture,
  scrubBodyParseError,
} from '@predlog/instrumentation-http';
import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import type { FastifyInstrumentationOptions } from './config.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The instrumentation of the first `predlogFastify` registered (`app.predlog.stats()`). */
    predlog: HttpInstrumentation;
  }
}

/**
 * Fastify's own mechanism, a plugin with hooks: `onRequest` starts the capture (request id, trace
 * ids, prediction scope), `onSend` sees the serialised payload, `onError` the thrown error (a body parser's error loses
 * the body it quotes there, before fastify's handler logs it),
 * `onResponse` writes the record and `onRequestAbort` logs a request the client gave up on. The
 * raw input is `request.body` as fastify parsed it. The plugin skips encapsulation (as
 * fastify-plugin does) so its hooks see every route, whatever the register order.
 */
const plugin: FastifyPluginCallback<FastifyInstrumentationOptions> = (fastify, options, done) => {
  const instrumentation = createHttpInstrumentation(options);
  const captures = new WeakMap<FastifyRequest, RequestCapture>();
  if (!fastify.hasDecorator('predlog')) fastify.decorate('predlog', instrumentation);

  fastify.addHook('onRequest', (request, reply, next) => {
    const route = instrumentation.match(request.method, request.url);
    if (route === undefined) {
      next();
      return;
    }
    let capture: RequestCapture;
    try {
      capture = instrumentation.begin(request.raw, reply.raw, route);
      // Fastify reads the body from the raw request: this keeps the scope across its callbacks.
      capture.watchRequest();
      // onRequestAbort only covers a client leaving before the body is read; this covers the rest.
      capture.watchAbort();
      capture.readParsedBody(() => request.body);
      captures.set(request, capture);
    } catch {
      instrumentation.config.diagnostics.warnOnce(
        'fastify.capture_failed',
        'a request could not be instrumented; it was handled without logging',
      );
      next();
      return;
    }
    capture.run(() => next());
  });
  fastify.addHook('onSend', (request, _reply, payload, next) => {
    captures.get(request)?.setResponsePayload(payload);
    next(null, payload);
  });
  // onError runs before the error handler: a body parser's error loses the body it quotes
  // before fastify's handler logs it and answers with its message (every route, configured or not).
  fastify.addHook('onError', (request, _reply, error, next) => {
    if (!scrubBodyParseError(error))
      instrumentation.config.diagnostics.warnOnce(
        'fastify.body_error_not_scrubbed',
        'a body parse error could not be changed to leave out the request body it quotes',
      );
    captures.get(request)?.fail(error);
    next();
  });
  fastify.addHook('onResponse', (request, reply, next) => {
    captures.get(request)?.finish(reply.statusCode);
    next();
  });
  fastify.addHook('onRequestAbort', (request, next) => {
    captures.get(request)?.abort();
    next();
  });
  done();
};

// What fastify-plugin sets: hooks apply to the parent scope (every route), and a readable name.
Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@predlog/instrumentation-fastify',
});

/** `await app.register(predlogFastify, { logger, routes: { 'POST /predict': { model: 'fraud' } } })`. */
export const predlogFastify = plugin;
