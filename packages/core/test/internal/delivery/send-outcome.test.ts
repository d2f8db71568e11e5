import { describe, expect, it } from 'vitest';
import { ExportError } from '../../../src/contracts.ts';
import { sendOutcome } from '../../../src/internal/delivery/send-outcome.ts';

describe('sendOutcome', () => {
  it('any failure that is not an ExportError leaves the whole batch to retry', () => {
    expect(sendOutcome(3, new Error('ECONNRESET'))).toEqual({
      accepted: [],
      rejected: [],
      remaining: [0, 1, 2],
      retryable: true,
      throttled: false,
      retryAfterMs: undefined,
    });
  });

  it('a bare ExportError settles nothing: retryable retries all, non-retryable rejects all by leaving them', () => {
    expect(sendOutcome(2, new ExportError('503', { retryable: true })).remaining).toEqual([0, 1]);
    const refused = sendOutcome(2, new ExportError('400', { retryable: false }));
    expect([refused.accepted, refused.remaining, refused.retryable]).toEqual([[], [0, 1], false]);
  });

  it('splits a batch by position: the accepted prefix, accepted beyond it, rejected anywhere, the rest', () => {
    const outcome = sendOutcome(
      8,
      new ExportError('429', {
        retryable: true,
        throttled: true,
        retryAfterMs: 2_000,
        acceptedCount: 3,
        accepted: [5],
        rejected: [
          { index: 1, reason: 'too old' },
          { index: 6, reason: 'line too long' },
        ],
      }),
    );
    expect(outcome).toEqual({
      accepted: [0, 2, 5],
      rejected: [
        { index: 1, reason: 'too old' },
        { index: 6, reason: 'line too long' },
      ],
      remaining: [3, 4, 7],
      retryable: true,
      throttled: true,
      retryAfterMs: 2_000,
    });
  });

  it('clamps and cleans what a confused exporter says, so no position is counted twice', () => {
    const outcome = sendOutcome(
      4,
      new ExportError('odd', {
        retryable: true,
        acceptedCount: -3,
        accepted: [1, 1, 9, Number.NaN, 2.5],
        rejected: [
          { index: 1, reason: 'both accepted and rejected' },
          { index: 3, reason: 'first' },
          { index: 3, reason: 'again' },
          { index: -1, reason: 'out of range' },
        ],
        retryAfterMs: Number.POSITIVE_INFINITY,
      }),
    );
    expect(outcome.accepted).toEqual([]);
    expect(outcome.rejected).toEqual([
      { index: 1, reason: 'both accepted and rejected' },
      { index: 3, reason: 'first' },
    ]);
    expect(outcome.remaining).toEqual([0, 2]);
    expect(outcome.retryAfterMs).toBeUndefined();
    expect(sendOutcome(2, new ExportError('x', { retryable: true, acceptedCount: 1e9 })).accepted).toEqual([
      0, 1,
    ]);
  });
});
