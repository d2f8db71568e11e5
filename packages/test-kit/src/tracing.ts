import type { Server } from 'node:http';
import { context, type Tracer, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';

/** Registers an AsyncLocalStorage context manager and a tracer provider, as an application would. */
export function installTracing(): Tracer {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const provider = new TracerProvider();
  trace.setGlobalTracerProvider(provider);
  return provider.getTracer('predlog-test');
}

export interface SpanIds {
  traceId: string;
  spanId: string;
}

/**
 * Does what @opentelemetry/instrumentation-http does for a server: every `request` event is
 * emitted inside a new active span. Returns the ids of the spans, in request order.
 */
export function traceRequests(server: Server, tracer: Tracer): SpanIds[] {
  const spans: SpanIds[] = [];
  const emit = server.emit;
  server.emit = function emitTraced(this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'request') return emit.apply(this, [event, ...args] as unknown as Parameters<typeof emit>);
    const span = tracer.startSpan('HTTP request');
    const { traceId, spanId } = span.spanContext();
    spans.push({ traceId, spanId });
    try {
      return context.with(trace.setSpan(context.active(), span), () =>
        emit.apply(this, [event, ...args] as unknown as Parameters<typeof emit>),
      );
    } finally {
      span.end();
    }
  } as typeof server.emit;
  return spans;
}
