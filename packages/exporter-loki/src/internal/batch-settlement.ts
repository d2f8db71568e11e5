import { ExportError, type ExportErrorOptions, type RejectedRecord } from '@predlog/core';

const OPEN = 0;
const ACCEPTED = 1;
const REJECTED = 2;

/**
 * What Loki did with each record of one batch so far, by position: accepted, refused for good, or
 * not yet taken. A failed `send()` reports it in its `ExportError` (core's partial-success contract),
 * so a retry carries only the rest, whatever array it comes back in.
 */
export class BatchSettlement {
  private readonly state: Uint8Array;
  private readonly refusals: RejectedRecord[] = [];

  constructor(size: number) {
    this.state = new Uint8Array(size);
  }

  /** Records refused for good so far. */
  get rejectedCount(): number {
    return this.refusals.length;
  }

  accept(positions: Iterable<number>): void {
    for (const position of positions) if (this.state[position] === OPEN) this.state[position] = ACCEPTED;
  }

  reject(position: number, reason: string): void {
    if (this.state[position] !== OPEN) return;
    this.state[position] = REJECTED;
    this.refusals.push({ index: position, reason });
  }

  /** The batch's error, carrying what was settled; `retryable` says what becomes of the rest. */
  error(
    message: string,
    options: Omit<ExportErrorOptions, 'acceptedCount' | 'accepted' | 'rejected'>,
  ): ExportError {
    const state = this.state;
    let prefix = 0;
    while (prefix < state.length && state[prefix] !== OPEN) prefix++;
    const accepted: number[] = [];
    for (let i = prefix; i < state.length; i++) if (state[i] === ACCEPTED) accepted.push(i);
    return new ExportError(message, { ...options, acceptedCount: prefix, accepted, rejected: this.refusals });
  }
}
