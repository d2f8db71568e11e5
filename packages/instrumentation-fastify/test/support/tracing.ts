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
