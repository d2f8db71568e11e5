import { ExportError, type RejectedRecord } from '../../contracts.ts';

/**
 * What one failed `send()` did to each record of its batch, read from the `ExportError`'s partial
 * success (see `ExportError`): positions accepted, refused for good, and left to send. Indexes are
 * positions in the batch as sent; every position is in exactly one of the three lists, in order.
 */
export interface SendOutcome {
  readonly accepted: readonly number[];
  readonly rejected: readonly RejectedRecord[];
  /** Not taken: retried when `retryable`, counted as failed or rejected otherwise. */
  readonly remaining: readonly number[];
  readonly retryable: boolean;
  readonly throttled: boolean;
  readonly retryAfterMs: number | undefined;
}

/**
 * Reads a failure defensively: an exporter's counts and indexes are clamped to the batch, duplicates
 * and non-integers are ignored, and a position both accepted and rejected counts as rejected, so a
 * confused exporter can never make the queue count a record twice or lose it.
 */
export function sendOutcome(size: number, failure: unknown): SendOutcome {
  if (!(failure instanceof ExportError)) {
    return {
      accepted: [],
      rejected: [],
      remaining: range(size),
      retryable: true,
      throttled: false,
      retryAfterMs: undefined,
    };
  }
  const state = new Uint8Array(size); // 0 remaining, 1 accepted, 2 rejected
  const reasons = new Map<number, string>();
  for (const entry of failure.rejected) {
    const index = entry?.index;
    if (!isPosition(index, size) || state[index] === 2) continue;
    state[index] = 2;
    reasons.set(index, typeof entry.reason === 'string' ? entry.reason : 'rejected');
  }
  const prefix = Number.isFinite(failure.acceptedCount)
    ? Math.max(0, Math.min(size, Math.trunc(failure.acceptedCount)))
    : 0;
  for (let i = 0; i < prefix; i++) if (state[i] === 0) state[i] = 1;
  for (const index of failure.accepted) if (isPosition(index, size) && state[index] === 0) state[index] = 1;
  const accepted: number[] = [];
  const rejected: RejectedRecord[] = [];
  const remaining: number[] = [];
  for (let i = 0; i < size; i++) {
    if (state[i] === 1) accepted.push(i);
    else if (state[i] === 2) rejected.push({ index: i, reason: reasons.get(i) as string });
    else remaining.push(i);
  }
  const retryAfter = failure.retryAfterMs;
  return {
    accepted,
    rejected,
    remaining,
    retryable: failure.retryable,
    throttled: failure.throttled,
    retryAfterMs:
      typeof retryAfter === 'number' && Number.isFinite(retryAfter) ? Math.max(0, retryAfter) : undefined,
  };
}

function isPosition(index: unknown, size: number): index is number {
  return typeof index === 'number' && Number.isInteger(index) && index >= 0 && index < size;
}

function range(size: number): number[] {
  return Array.from({ length: size }, (_, i) => i);
}
