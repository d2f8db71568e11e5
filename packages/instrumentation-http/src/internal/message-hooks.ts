import { IncomingMessage, ServerResponse } from 'node:http';
import { applyInPredictionScope, type PredictionScope } from '@predlog/instrumentation-model';

/**
 * Where a captured request or response keeps its capture: a symbol-keyed field set once per
 * message. Every message gets the same field, so V8 keeps one hidden class for all of them.
 */
const CAPTURE: unique symbol = Symbol('predlog.http.capture');

/** What the hooks report to, for a request being captured. */
export interface RequestHookTarget {
  readonly scope: PredictionScope;
  addRequestChunk(chunk: unknown): void;
}

/** What the hooks report to, for a response being captured. */
export interface ResponseHookTarget {
  addResponseChunk(chunk: unknown, encoding: unknown): void;
}

interface HookedRequest {
  [CAPTURE]?: RequestHookTarget | undefined;
}

interface HookedResponse {
  [CAPTURE]?: ResponseHookTarget | undefined;
}

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** `emit` as seen by a captured request: chunks counted, body events run in the request's scope. */
function emitCaptured(emit: Method, request: unknown, args: IArguments): unknown {
  const capture = (request as HookedRequest)[CAPTURE];
  if (capture === undefined) return Reflect.apply(emit, request, args);
  const event = args[0] as string | symbol;
  if (event === 'data') capture.addRequestChunk(args[1]);
  // Body events continue the request's logic in their listeners; the rest need no scope.
  if (event !== 'data' && event !== 'end' && event !== 'readable' && event !== 'error')
    return Reflect.apply(emit, request, args);
  return applyInPredictionScope(capture.scope, emit, request, args as unknown as unknown[]);
}

/** `write` or `end` as seen by a captured response: the chunk is shown to the capture first. */
function writeCaptured(write: Method, response: unknown, args: IArguments): unknown {
  const capture = (response as HookedResponse)[CAPTURE];
  if (capture !== undefined && typeof args[0] !== 'function') capture.addResponseChunk(args[0], args[1]);
  return Reflect.apply(write, response, args);
}

// The wrappers forward `arguments` as they came: no rest array, no copy, on every emit and write of
// every message in the process.
function wrapEmit(emit: Method): Method {
  return function predlogEmit(this: unknown) {
    // biome-ignore lint/complexity/noArguments: see above
    return emitCaptured(emit, this, arguments);
  };
}

function wrapWrite(write: Method): Method {
  return function predlogWrite(this: unknown) {
    // biome-ignore lint/complexity/noArguments: see above
    return writeCaptured(write, this, arguments);
  };
}

let installed = false;

/**
 * Wraps `IncomingMessage.prototype.emit` and `ServerResponse.prototype.write`/`end` once per
 * process with functions that pass straight through for every message without a capture.
 *
 * Why on the prototypes rather than on each captured instance: closures stored as own properties of
 * every request and response made V8 keep those messages (and what they reference) alive across
 * young-generation collections. In the fraud example 10 MB survived each scavenge instead of 0.9 MB
 * and scavenges took 8–10 ms instead of 1.3 ms: most of the hook's CPU cost and its p99 (see the
 * package README). A field per message costs nothing of the kind.
 */
function installHooks(): void {
  if (installed) return;
  installed = true;
  const requestProto = IncomingMessage.prototype as unknown as { emit: Method };
  const responseProto = ServerResponse.prototype as unknown as { write: Method; end: Method };
  requestProto.emit = wrapEmit(requestProto.emit);
  responseProto.write = wrapWrite(responseProto.write);
  responseProto.end = wrapWrite(responseProto.end);
}

/**
 * From now on, `request`'s `data` chunks go to `target` and its body events run in `target.scope`.
 * An object that does not inherit from node:http's `IncomingMessage` (fastify's `inject()`, a test
 * double) never reaches the prototype hook, so it gets the same wrapper on the instance. (An
 * instance `emit` replaced later, by a body parser say, wraps the hook and still reaches it.)
 */
export function hookRequest(request: IncomingMessage, target: RequestHookTarget): void {
  installHooks();
  (request as IncomingMessage & HookedRequest)[CAPTURE] = target;
  if (!(request instanceof IncomingMessage)) {
    const instance = request as unknown as { emit: Method };
    instance.emit = wrapEmit(instance.emit);
  }
}

/** From now on, what is written to `response` is shown to `target` (on the instance as above when needed). */
export function hookResponse(response: ServerResponse, target: ResponseHookTarget): void {
  installHooks();
  (response as ServerResponse & HookedResponse)[CAPTURE] = target;
  if (!(response instanceof ServerResponse)) {
    const instance = response as unknown as { write: Method; end: Method };
    instance.write = wrapWrite(instance.write);
    instance.end = wrapWrite(instance.end);
  }
}

/** Stops reporting a message's events (the field stays, set to undefined: the hidden class is kept). */
export function unhookMessage(message: IncomingMessage | ServerResponse): void {
  const hooked = message as (IncomingMessage & HookedRequest) | (ServerResponse & HookedResponse);
  if (hooked[CAPTURE] !== undefined) hooked[CAPTURE] = undefined;
}
