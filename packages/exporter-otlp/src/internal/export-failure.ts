import { ExportError } from '@predlog/core';
import type { OtlpProtocol } from '../config.ts';

/**
 * gRPC statuses the OTLP spec lets a client retry: CANCELLED, DEADLINE_EXCEEDED,
 * RESOURCE_EXHAUSTED (throttling), ABORTED, OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS.
 */
const GRPC_RETRYABLE = new Set([1, 4, 8, 10, 11, 14, 15]);
const GRPC_RESOURCE_EXHAUSTED = 8;

/** Longest server message quoted in an error or diagnostic. */
const MAX_MESSAGE_CHARS = 256;

/** The stock exporter's message once its own retries of 429/502/503/504 ran out within the timeout. */
const RETRYABLE_STATUS_MESSAGE = 'Export failed with retryable status';

/** The server's error text made safe to quote: no control characters, cut short. */
export function serverMessage(body: string): string {
  const text = body
    .replace(/[^\x20-\x7e\u00a0-\uffff]+/g, ' ')
    .replace(/\uFFFD+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (text === '') return '(no message)';
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}

/**
 * Reads the stock OTLP exporter's failure as a predlog `ExportError`. The stock exporter reports an
 * HTTP failure as `OTLPExporterError` with the status in `code` and the body in `data`; a
 * retryable status it already retried (429/502/503/504) without a code; a socket failure as the
 * socket's error (`code` a string such as ECONNREFUSED). 429, 408 and 5xx, network errors and
 * timeouts are retryable; other 4xx are not. For gRPC `code` is the gRPC status.
 */
export function toExportError(error: unknown, protocol: OtlpProtocol = 'http/protobuf'): ExportError {
  if (error instanceof ExportError) return error;
  const err = error instanceof Error ? error : new Error(String(error));
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'number' && protocol === 'grpc') {
    const details = serverMessage((err as { details?: unknown }).details?.toString() ?? err.message);
    return new ExportError(`otlp export failed: gRPC status ${code}: ${details}`, {
      retryable: GRPC_RETRYABLE.has(code),
      throttled: code === GRPC_RESOURCE_EXHAUSTED,
      cause: err,
    });
  }
  if (typeof code === 'number') {
    const data = (err as { data?: unknown }).data;
    const reason = `HTTP ${code}: ${serverMessage(typeof data === 'string' && data !== '' ? data : err.message)}`;
    const retryable = code === 429 || code === 408 || code >= 500;
    return new ExportError(`otlp export failed: ${reason}`, {
      retryable,
      throttled: code === 429,
      cause: err,
    });
  }
  if (typeof code === 'string') {
    return new ExportError(`otlp export failed: network error ${code}`, { retryable: true, cause: err });
  }
  if (err.message === RETRYABLE_STATUS_MESSAGE) {
    // The receiver is up and answering (the stock exporter does not say which of the four):
    // throttled, so the queue slows down and keeps the records instead of taking the sink for dead.
    return new ExportError(
      "otlp export failed: the receiver kept answering 429/502/503/504 (or gRPC UNAVAILABLE) through the OTLP exporter's retries",
      { retryable: true, throttled: true, cause: err },
    );
  }
  return new ExportError(`otlp export failed: ${serverMessage(err.message)}`, {
    retryable: true,
    cause: err,
  });
}
