import type { LogRecordLike } from '@predlog/core';
import { ATTR, FEEDBACK_EVENT, PREDICTION_EVENT } from '@predlog/schema';

export type Attributes = Readonly<Record<string, unknown>>;

const NONE: readonly never[] = Object.freeze([]);

/**
 * What the policies see of one group: its records sorted into the serving (primary) predictions,
 * shadow predictions (`ml.model.role` in `shadowRoles`), feedback records and everything else.
 *
 * The processor decides one group at a time, so one view serves every decision. Most groups are
 * one prediction: for those the view reuses one-element arrays instead of allocating, and empty
 * categories share one frozen empty array (assigning it is cheaper than truncating an array).
 */
export class GroupView {
  key = '';
  /** Every record of the group, in arrival order. */
  records: readonly LogRecordLike[] = NONE;
  /** Attributes of the `ml.prediction` records that are not shadows. */
  predictions: readonly Attributes[] = NONE;
  shadows: readonly Attributes[] = NONE;
  /** Attributes of the `ml.feedback` records. */
  feedback: readonly Attributes[] = NONE;
  /** The first serving prediction (or, without one, the first shadow). */
  primary: Attributes | undefined;
  /** The request id the probabilistic policy hashes (so it agrees with the sampling processor). */
  hashKey = '';
  private readonly shadowRoles: ReadonlySet<string>;
  /** Grouping by request id: the key is the request id to hash, no need to read it again. */
  private readonly keyIsRequestId: boolean;
  /** Length 1 from the first group on: index 0 is overwritten, never truncated. */
  private readonly oneRecord: LogRecordLike[] = [];
  private readonly oneAttributes: Attributes[] = [];

  constructor(shadowRoles: ReadonlySet<string>, keyIsRequestId: boolean) {
    this.shadowRoles = shadowRoles;
    this.keyIsRequestId = keyIsRequestId;
  }

  load(key: string, first: LogRecordLike, rest: readonly LogRecordLike[] | undefined): void {
    this.key = key;
    const attributes = first.attributes as Attributes;
    if (rest === undefined) {
      this.oneRecord[0] = first;
      this.records = this.oneRecord;
      const kind = this.kindOf(first);
      if (kind !== OTHER) {
        this.oneAttributes[0] = attributes;
        if (kind === PREDICTION) this.predictions = this.oneAttributes;
        else if (kind === SHADOW) this.shadows = this.oneAttributes;
        else this.feedback = this.oneAttributes;
      }
    } else {
      const records = [first];
      const predictions: Attributes[] = [];
      const shadows: Attributes[] = [];
      const feedback: Attributes[] = [];
      const sort = (record: LogRecordLike) => {
        const kind = this.kindOf(record);
        if (kind === PREDICTION) predictions.push(record.attributes as Attributes);
        else if (kind === SHADOW) shadows.push(record.attributes as Attributes);
        else if (kind === FEEDBACK) feedback.push(record.attributes as Attributes);
      };
      sort(first);
      for (const record of rest) {
        records.push(record);
        sort(record);
      }
      this.records = records;
      this.predictions = predictions;
      this.shadows = shadows;
      this.feedback = feedback;
    }
    this.primary = this.predictions[0] ?? this.shadows[0];
    this.hashKey = this.keyIsRequestId ? key : this.requestIdToHash(first, rest);
  }

  /** trace_id grouping: the primary prediction's request id, else the first one found, else the key. */
  private requestIdToHash(first: LogRecordLike, rest: readonly LogRecordLike[] | undefined): string {
    const primaryId = this.primary === undefined ? undefined : requestIdOf(this.primary);
    if (primaryId !== undefined) return primaryId;
    let requestId = requestIdOf(first.attributes as Attributes);
    if (rest !== undefined)
      for (const record of rest) requestId ??= requestIdOf(record.attributes as Attributes);
    return requestId ?? this.key;
  }

  /** Forgets the last group once it is decided (the one-element arrays hold it until the next). */
  clear(): void {
    this.records = NONE;
    this.predictions = NONE;
    this.shadows = NONE;
    this.feedback = NONE;
    this.primary = undefined;
  }

  private kindOf(record: LogRecordLike): number {
    const event = record.eventName;
    if (event === PREDICTION_EVENT) {
      const role = (record.attributes as Attributes)[ATTR.modelRole];
      return typeof role === 'string' && this.shadowRoles.has(role) ? SHADOW : PREDICTION;
    }
    return event === FEEDBACK_EVENT ? FEEDBACK : OTHER;
  }
}

const OTHER = 0;
const PREDICTION = 1;
const SHADOW = 2;
const FEEDBACK = 3;

/** `ml.request.id` as a string (a number is accepted, as core does). */
export function requestIdOf(attributes: Attributes): string | undefined {
  const id = attributes[ATTR.requestId];
  if (typeof id === 'string') return id === '' ? undefined : id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  return undefined;
}
