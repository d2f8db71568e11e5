import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PredictionInput } from '@predlog/core';
import {
  type PredictionFields,
  type PredictionScope,
  runInPredictionScope,
  type ShadowRunner,
} from '@predlog/instrumentation-model';
import type { HttpInstrumentationConfig, ResponseExtractor } from './config.ts';
import { decodeBody } from './internal/body-charset.ts';
import { bodyValue, chunkBytes, chunksText, NOT_CAPTURED } from './internal/body-text.ts';
import {
  hookRequest,
  hookResponse,
  type RequestHookTarget,
  type ResponseHookTarget,
  unhookMessage,
} from './internal/message-hooks.ts';

/** A configured route, compiled: what each of its requests is logged as. */
export interface HttpRoute {
  readonly key: string;
  readonly model: PredictionInput['model'];
  readonly role: string | undefined;
  readonly threshold: number | undefined;
  readonly logPrediction: boolean;
  readonly extractPrediction: ResponseExtractor;
  readonly shadow: ShadowRunner | undefined;
}

/** Counters of one HTTP instrumentation (plain fields: counting costs an increment). */
export interface HttpInstrumentationCounters {
  /** Requests to configured routes. */
  requests: number;
  /** Records handed to the logger. */
  records: number;
  /** Records logged as errors (status ≥ minErrorStatus, a thrown error, or an aborted request). */
  errors: number;
  /** Requests answered without a usable request id header (a new id was generated). */
  requestIdsGenerated: number;
  /** Response extractors that threw. */
  extractorFailures: number;
  /** Request bodies over maxRequestBodyBytes (logged as a marker). */
  requestBodyOverLimit: number;
  /** Response bodies not read for a prediction (over maxResponseBodyBytes, or streamed). */
  responseBodyNotCaptured: number;
  /** Requests whose connection closed before the response was complete. */
  aborted: number;
}

export function emptyHttpCounters(): HttpInstrumentationCounters {
  return {
    requests: 0,
    records: 0,
    errors: 0,
    requestIdsGenerated: 0,
    extractorFailures: 0,
    requestBodyOverLimit: 0,
    responseBodyNotCaptured: 0,
    aborted: 0,
  };
}

/** What a capture needs from the instrumentation that created it. */
export interface CaptureHost {
  readonly config: HttpInstrumentationConfig;
  readonly counters: HttpInstrumentationCounters;
}

type Chunk = string | Uint8Array;

interface RawInput {
  readonly value: unknown;
  /** Parsed here from the received bytes: an object nobody else holds. */
  readonly parsedHere: boolean;
  /** `value` is a marker, not the body: over maxRequestBodyBytes, or in a charset not decoded. */
  readonly isMarker: boolean;
}

/**
 * One request to a configured route, from arrival to the end of its response. The framework
 * adapters feed it (node:http and express through `watch*()`, fastify through its hooks); it logs
 * one record when the response is complete and then hands a copy of the request to the shadow
 * challenger, if the route has one. Nothing here throws into the application: a failure to log is
 * a diagnostic.
 */
export class RequestCapture implements RequestHookTarget, ResponseHookTarget {
  readonly requestId: string;
  readonly scope: PredictionScope;
  private readonly host: CaptureHost;
  private readonly route: HttpRoute;
  private readonly request: IncomingMessage;
  private readonly response: ServerResponse;
  private readonly started: number;
  private requestChunks: Buffer[] | undefined = [];
  private requestBytes = 0;
  private responseChunks: Chunk[] | undefined = [];
  private responseBytes = 0;
  private responsePayload: unknown = NOT_CAPTURED;
  private parsedBody: (() => unknown) | undefined;
  private thrown: unknown;
  private done = false;

  constructor(
    host: CaptureHost,
    route: HttpRoute,
    request: IncomingMessage,
    response: ServerResponse,
    scope: PredictionScope,
  ) {
    this.host = host;
    this.route = route;
    this.request = request;
    this.response = response;
    this.scope = scope;
    this.requestId = scope.requestId;
    this.started = host.config.clock.monotonic();
  }

  /** Runs `fn` in the request's prediction scope (nested instrumented models use its id). */
  run<T>(fn: () => T): T {
    return runInPredictionScope(this.scope, fn);
  }

  /**
   * Sees the request body as the application reads it, without changing how it is read: every
   * `data` chunk the request emits (whether read by listeners, `read()` or an async iterator) is
   * counted and kept up to `maxRequestBodyBytes`, and every body listener runs inside the prediction
   * scope, which callback-style body parsers would otherwise lose. (`internal/message-hooks.ts`
   * says how, and why on the prototype.)
   */
  watchRequest(): void {
    hookRequest(this.request, this);
  }

  /** Keeps the response body (up to `maxResponseBodyBytes`) as it is written. */
  watchResponse(): void {
    hookResponse(this.response, this);
  }

  /** Logs when the response is complete, or as aborted when the connection closes first. */
  watchCompletion(): void {
    // One listener: 'close' follows 'finish' for every complete response, and comes alone for an
    // aborted one.
    this.response.on('close', () => {
      if (this.response.writableFinished) this.finish(this.response.statusCode);
      else this.abort();
    });
  }

  /** Logs the request as aborted if its connection closes before the response is complete. */
  watchAbort(): void {
    this.response.on('close', () => {
      if (!this.done && !this.response.writableFinished) this.abort();
    });
  }

  /** The framework's parsed body (express `req.body`, fastify `request.body`), read when the record is built. */
  readParsedBody(read: () => unknown): void {
    this.parsedBody = read;
  }

  /** The serialised response payload as the framework hands it over (fastify `onSend`). */
  setResponsePayload(payload: unknown): void {
    if (typeof payload === 'string' || payload instanceof Uint8Array) {
      if (chunkBytes(payload, undefined) <= this.host.config.maxResponseBodyBytes) {
        this.responsePayload = payload;
        return;
      }
    }
    this.responsePayload = NOT_CAPTURED;
    this.responseChunks = undefined;
  }

  /** An error thrown by the handler: logged as the record's error (the handler's own type and message). */
  fail(error: unknown): void {
    if (this.thrown === undefined) this.thrown = error ?? 'error';
  }

  /** The response is complete: logs the record, then starts the shadow challenger. */
  finish(status: number): void {
    if (this.done) return;
    this.done = true;
    try {
      this.complete(status, this.host.config.clock.monotonic() - this.started, undefined);
    } catch {
      this.host.config.diagnostics.warnOnce(
        'http.record_failed',
        'a request could not be logged; the response was not affected',
      );
    } finally {
      this.release();
    }
  }

  /** The connection closed before the response was complete. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    this.host.counters.aborted++;
    try {
      this.complete(this.response.statusCode, this.host.config.clock.monotonic() - this.started, 'aborted');
    } catch {
      this.host.config.diagnostics.warnOnce('http.record_failed', 'a request could not be logged');
    } finally {
      this.release();
    }
  }

  private release(): void {
    this.requestChunks = undefined;
    this.responseChunks = undefined;
    unhookMessage(this.request);
    unhookMessage(this.response);
  }

  /** A `data` chunk of the request (called by the message hooks). */
  addRequestChunk(chunk: unknown): void {
    const size = chunkBytes(chunk, undefined);
    this.requestBytes += size;
    const chunks = this.requestChunks;
    if (chunks === undefined) return;
    if (this.requestBytes > this.host.config.maxRequestBodyBytes) {
      this.requestChunks = undefined;
      return;
    }
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  }

  /** A chunk written to the response (called by the message hooks). */
  addResponseChunk(chunk: unknown, encoding: unknown): void {
    const chunks = this.responseChunks;
    if (chunks === undefined || chunk === undefined || chunk === null) return;
    const size = chunkBytes(chunk, encoding);
    if (size === 0) return;
    this.responseBytes += size;
    if (this.responseBytes > this.host.config.maxResponseBodyBytes) {
      this.responseChunks = undefined;
      return;
    }
    if (
      typeof chunk === 'string' &&
      typeof encoding === 'string' &&
      encoding !== 'utf8' &&
      encoding !== 'utf-8'
    )
      chunks.push(Buffer.from(chunk, encoding as BufferEncoding));
    else chunks.push(chunk as Chunk);
  }

  private complete(status: number, latencyMs: number, abortReason: string | undefined): void {
    const { config, counters } = this.host;
    const route = this.route;
    const failed = abortReason !== undefined || this.thrown !== undefined || status >= config.minErrorStatus;
    let input: RawInput | undefined;
    if (route.logPrediction) {
      input = this.rawInput();
      const record = this.buildRecord(status, latencyMs, input.value, failed, abortReason);
      config.logger.record(record);
      counters.records++;
      if (record.error !== undefined) counters.errors++;
    }
    const shadow = route.shadow;
    if (shadow === undefined || failed) return;
    input ??= this.rawInput();
    if (input.isMarker) return;
    // A body parsed here from the received bytes is a private copy (the logger copied what it
    // keeps during record()); a framework's parsed body was seen by the handler and is cloned.
    shadow.submit(
      input.value,
      { requestId: this.requestId, traceId: this.scope.traceId, spanId: this.scope.spanId },
      input.parsedHere,
    );
  }

  private rawInput(): RawInput {
    const config = this.host.config;
    const declared = Number(this.request.headers['content-length']);
    if (this.requestBytes > config.maxRequestBodyBytes || declared > config.maxRequestBodyBytes) {
      this.host.counters.requestBodyOverLimit++;
      const bytes = Math.max(this.requestBytes, Number.isFinite(declared) ? declared : 0);
      return {
        value: `[raw_input not logged: ${bytes} bytes, over maxRequestBodyBytes]`,
        parsedHere: false,
        isMarker: true,
      };
    }
    const given = this.scope.annotations?.rawInput;
    if (given !== undefined) return { value: given, parsedHere: false, isMarker: false };
    const parsed = this.parsedBody?.();
    if (parsed !== undefined) return { value: parsed, parsedHere: false, isMarker: false };
    const chunks = this.requestChunks;
    if (chunks === undefined || chunks.length === 0)
      return { value: undefined, parsedHere: false, isMarker: false };
    const contentType = this.request.headers['content-type'];
    // Decoded by its BOM or charset, so a UTF-16 body reaches the detectors as text; a charset
    // that cannot be decoded is logged as a marker, never as the bytes read as UTF-8.
    const text = decodeBody(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks), contentType);
    if (typeof text !== 'string') return { value: text.marker, parsedHere: false, isMarker: true };
    return { value: bodyValue(text, contentType), parsedHere: true, isMarker: false };
  }

  private buildRecord(
    status: number,
    latencyMs: number,
    rawInput: unknown,
    failed: boolean,
    abortReason: string | undefined,
  ): PredictionInput {
    const route = this.route;
    const annotations = this.scope.annotations;
    // A handler that annotated its decision has said what the prediction is: the response is not parsed.
    let fields: PredictionFields | undefined = annotations;
    if (
      !failed &&
      (annotations === undefined || (annotations.prediction === undefined && annotations.score === undefined))
    ) {
      const extracted = this.extract(status, rawInput);
      fields = annotations === undefined ? extracted : { ...extracted, ...annotations };
    }
    const record: PredictionInput = fields === undefined ? {} : { ...fields };
    record.requestId = this.requestId;
    record.model = route.model;
    record.latencyMs = latencyMs;
    if (rawInput !== undefined) record.rawInput = rawInput;
    if (this.scope.traceId !== undefined) {
      record.traceId = this.scope.traceId;
      record.spanId = this.scope.spanId;
    }
    if (route.role !== undefined) record.role = route.role;
    if (record.threshold === undefined && route.threshold !== undefined) record.threshold = route.threshold;
    const error = abortReason ?? this.thrown ?? record.error;
    if (error !== undefined && error !== null && error !== false) record.error = error;
    else if (failed) record.error = String(status);
    return record;
  }

  private extract(status: number, rawInput: unknown): PredictionFields {
    const body = this.responseBody();
    if (body === NOT_CAPTURED) {
      this.host.counters.responseBodyNotCaptured++;
      return {};
    }
    if (body === undefined) return {};
    try {
      const fields = this.route.extractPrediction(body, { rawInput, status, requestId: this.requestId });
      return fields !== null && typeof fields === 'object' ? fields : {};
    } catch {
      this.host.counters.extractorFailures++;
      this.host.config.diagnostics.warnOnce(
        'http.extractor_failed',
        `the prediction extractor of route ${this.route.key} threw; the request was logged without its prediction`,
      );
      return {};
    }
  }

  private responseBody(): unknown {
    const contentType = this.response.getHeader('content-type');
    const payload = this.responsePayload;
    if (payload !== NOT_CAPTURED) {
      const text = typeof payload === 'string' ? payload : chunksText([payload as Uint8Array], contentType);
      return typeof text === 'string' ? bodyValue(text, contentType) : NOT_CAPTURED;
    }
    const chunks = this.responseChunks;
    if (chunks === undefined) return NOT_CAPTURED;
    if (chunks.length === 0) return undefined;
    const text = chunksText(chunks, contentType);
    return typeof text === 'string' ? bodyValue(text, contentType) : NOT_CAPTURED;
  }
}
