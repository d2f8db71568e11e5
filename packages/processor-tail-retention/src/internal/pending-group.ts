import type { LogRecordLike } from '@predlog/core';

/**
 * One undecided group. Most requests log one prediction, so the first record is a field of its
 * own and the array for the rest is created only when a second record arrives.
 *
 * Group objects are recycled (see GroupQueue): a group lives for the whole decision wait, long
 * enough that a fresh object per request would be copied by the young-generation GC and promoted,
 * for every request.
 */
export class PendingGroup {
  key: string;
  /** Of the key, for the decision table (computed once, when the group opens). */
  fingerprint: number;
  /** Undefined once decided: a decided group may wait in the queue a while, its records must not. */
  first: LogRecordLike | undefined;
  rest: LogRecordLike[] | undefined = undefined;
  count = 1;
  bytes: number;
  /** Monotonic milliseconds at which the group is decided. */
  dueAtMs: number;
  /** trace_id grouping: the request ids that point at this group. */
  aliases: string[] | undefined = undefined;
  decided = false;

  constructor(key: string, fingerprint: number, first: LogRecordLike, bytes: number, dueAtMs: number) {
    this.key = key;
    this.fingerprint = fingerprint;
    this.first = first;
    this.bytes = bytes;
    this.dueAtMs = dueAtMs;
  }

  /** Makes a recycled group a fresh one. */
  reset(key: string, fingerprint: number, first: LogRecordLike, bytes: number, dueAtMs: number): this {
    this.key = key;
    this.fingerprint = fingerprint;
    this.first = first;
    this.rest = undefined;
    this.count = 1;
    this.bytes = bytes;
    this.dueAtMs = dueAtMs;
    this.aliases = undefined;
    this.decided = false;
    return this;
  }

  add(record: LogRecordLike, bytes: number): void {
    if (this.rest === undefined) this.rest = [record];
    else this.rest.push(record);
    this.count++;
    this.bytes += bytes;
  }
}

const INVALID_TRACE_ID = '00000000000000000000000000000000';

/** The trace id of a record's span context, when it has a valid one. */
export function traceIdOf(record: LogRecordLike): string | undefined {
  const id = record.spanContext?.traceId;
  return typeof id === 'string' && id.length === 32 && id !== INVALID_TRACE_ID ? id : undefined;
}
