/** What one push request came to, and so whether the batch may be retried. */
export type PushOutcome =
  | { readonly kind: 'success' }
  | {
      readonly kind: 'retryable';
      readonly reason: string;
      readonly retryAfterMs: number | undefined;
      /** 429: Loki is up and asks for less (its answer may still have taken part of the push). */
      readonly throttled: boolean;
      /** The answer's body as received (capped by the transport), to read which entries it names. */
      readonly body: string;
    }
  | { readonly kind: 'rejected'; readonly status: number; readonly reason: string; readonly body: string };

/** Longest server message quoted in an error or diagnostic. */
const MAX_MESSAGE_CHARS = 256;
/** A `Retry-After` further out than this is treated as this: a stuck sink must not park a queue for days. */
const MAX_RETRY_AFTER_MS = 15 * 60 * 1000;

/**
 * `Retry-After` as milliseconds from now: delay-seconds or an HTTP date. Undefined when absent or
 * unreadable (the queue's own backoff applies then).
 */
export function parseRetryAfter(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (text === '') return undefined;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(text)) ms = Number(text) * 1000;
  else if (/^[+-]?[\d.]+$/.test(text)) return undefined;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = at - nowMs;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.round(ms)));
}

/**
 * The server's error text, made safe to quote: control characters and binary become spaces, runs of
 * whitespace collapse, and it is cut to a few hundred characters.
 */
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
 * 2xx succeeded. 429 (rate limited), 408 and 5xx may succeed later: retryable, honouring
 * `Retry-After`. Every other status (4xx, and 1xx/3xx, which a push never expects) will fail the same
 * way again: rejected.
 */
export function classifyResponse(
  status: number,
  retryAfter: string | undefined,
  body: string,
  nowMs: number,
): PushOutcome {
  if (status >= 200 && status < 300) return { kind: 'success' };
  const reason = `HTTP ${status}: ${serverMessage(body)}`;
  if (status === 429 || status === 408 || status >= 500) {
    return {
      kind: 'retryable',
      reason,
      retryAfterMs: parseRetryAfter(retryAfter, nowMs),
      throttled: status === 429,
      body,
    };
  }
  return { kind: 'rejected', status, reason, body };
}

/** A transport error (refused, reset, TLS, a response that is not HTTP) as a retryable outcome. */
export function networkFailure(error: unknown): PushOutcome {
  const code = (error as { code?: unknown } | undefined)?.code;
  const reason =
    typeof code === 'string'
      ? `network error ${code}`
      : `network error (${error instanceof Error ? error.name : 'unknown'})`;
  return { kind: 'retryable', reason, retryAfterMs: undefined, throttled: false, body: '' };
}
