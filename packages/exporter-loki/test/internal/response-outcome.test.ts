import { describe, expect, it } from 'vitest';
import {
  classifyResponse,
  networkFailure,
  parseRetryAfter,
  serverMessage,
} from '../../src/internal/response-outcome.ts';

const now = Date.parse('2026-01-31T12:00:00.000Z');

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates, and ignores what it cannot read', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter('Sat, 31 Jan 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 31 Jan 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('999999', now)).toBe(15 * 60 * 1000);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-3', now)).toBeUndefined();
  });
});

describe('classifyResponse', () => {
  it('maps statuses to success, retryable and rejected', () => {
    expect(classifyResponse(204, undefined, '', now)).toEqual({ kind: 'success' });
    expect(classifyResponse(429, '2', 'slow down', now)).toEqual({
      kind: 'retryable',
      reason: 'HTTP 429: slow down',
      retryAfterMs: 2000,
      throttled: true,
      body: 'slow down',
    });
    expect(classifyResponse(503, undefined, 'down', now)).toMatchObject({
      kind: 'retryable',
      throttled: false,
    });
    expect(classifyResponse(400, undefined, 'bad\nentry', now)).toEqual({
      kind: 'rejected',
      status: 400,
      reason: 'HTTP 400: bad entry',
      body: 'bad\nentry',
    });
    for (const status of [408, 500, 502, 503, 504])
      expect(classifyResponse(status, undefined, '', now).kind).toBe('retryable');
    for (const status of [301, 400, 401, 403, 404, 413])
      expect(classifyResponse(status, undefined, 'x', now).kind).toBe('rejected');
  });

  it('names the error code of a network failure', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(networkFailure(refused)).toEqual({
      kind: 'retryable',
      reason: 'network error ECONNREFUSED',
      retryAfterMs: undefined,
      throttled: false,
      body: '',
    });
  });
});

describe('serverMessage', () => {
  it('strips control characters, collapses whitespace and cuts long messages', () => {
    expect(serverMessage('  line one\n\tline two\u0000\u0007 ')).toBe('line one line two');
    expect(serverMessage('')).toBe('(no message)');
    const long = serverMessage('x'.repeat(1000));
    expect(long).toHaveLength(257);
    expect(long.endsWith('…')).toBe(true);
  });
});
