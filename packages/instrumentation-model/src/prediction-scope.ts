import { AsyncLocalStorage } from 'node:async_hooks';
import type { PredictionFields } from './prediction-fields.ts';

/**
 * The request a prediction belongs to. An HTTP instrumentation opens one per configured request;
 * `instrumentModel()` and the onnxruntime instrumentation called inside it log under its request
 * id, and `annotatePrediction()` adds what only the handler knows to the request's record.
 */
export interface PredictionScope {
  readonly requestId: string;
  /** The active span's ids when the request arrived (32 / 16 lowercase hex), if any. */
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
  /** What `annotatePrediction()` added; merged over the extracted fields of the request's record. */
  annotations: PredictionFields | undefined;
}

const storage = new AsyncLocalStorage<PredictionScope>();

export function createPredictionScope(requestId: string, traceId?: string, spanId?: string): PredictionScope {
  return { requestId, traceId, spanId, annotations: undefined };
}

/** Runs `fn` (and everything it starts asynchronously) inside `scope`. */
export function runInPredictionScope<T>(scope: PredictionScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/**
 * `fn.apply(thisArg, args)` inside `scope`, without allocating a closure: for wrappers on hot paths
 * (an HTTP request's `emit`).
 */
export function applyInPredictionScope<T>(
  scope: PredictionScope,
  fn: (...args: never[]) => T,
  thisArg: unknown,
  args: readonly unknown[],
): T {
  return storage.run(scope, Reflect.apply, fn, thisArg, args) as T;
}

/** The scope of the request being handled, or undefined outside an instrumented request. */
export function activePredictionScope(): PredictionScope | undefined {
  return storage.getStore();
}

/**
 * Adds fields to the record of the request being handled (features, explanation, a decision the
 * response does not show...). Later calls override earlier ones field by field. Returns false, and
 * does nothing, outside an instrumented request.
 */
export function annotatePrediction(fields: PredictionFields): boolean {
  const scope = storage.getStore();
  if (scope === undefined || fields === null || typeof fields !== 'object') return false;
  scope.annotations =
    scope.annotations === undefined ? { ...fields } : Object.assign(scope.annotations, fields);
  return true;
}
