import type { LogRecordLike } from '@predlog/core';
import type { AttributeMap } from '@predlog/schema';
import {
  formatLabels,
  keptInOverflow,
  type LabelField,
  type LabelReader,
  labelReader,
} from './label-fields.ts';
import { type LineEncoder, type LokiEntry, varintSize } from './line-encoder.ts';
import { OVERFLOW_LABEL_VALUE, StreamLimiter } from './stream-limiter.ts';

/** One stream's entries within one push request. */
export interface StreamSegment {
  /** `{name="value", ...}` as the protobuf push takes it. */
  readonly labels: string;
  readonly labelBytes: number;
  /** The same labels as pairs, for the JSON push. */
  readonly labelPairs: ReadonlyArray<readonly [string, string]>;
  readonly entries: LokiEntry[];
  /** Position in the batch of the record behind each entry (same order as `entries`). */
  readonly indexes: number[];
}

/**
 * One HTTP push: at most `maxRequestBytes` of uncompressed protobuf, and one stream only, so that
 * when Loki refuses part of it, its answer can be matched to entries (Loki's ingester reports the
 * failures of one stream of a push, the last failing one).
 */
export interface PushRequestPlan {
  readonly streams: [StreamSegment];
  records: number;
  /** Uncompressed protobuf size of the request. */
  bytes: number;
}

/** Why a record was kept out of every push: Loki is known to refuse it. */
export type RefusalReason = 'too_old' | 'line_too_long';

/** A record kept out of the push, with its line for the dead-letter directory. */
export interface RefusedEntry {
  readonly index: number;
  readonly reason: RefusalReason;
  readonly line: string;
}

export interface BatchPlan {
  readonly requests: PushRequestPlan[];
  /** Records Loki would refuse (older than its reject age, a line over `maxLineBytes`). */
  readonly refused: RefusedEntry[];
  readonly truncated: number;
  readonly fallbacks: number;
  /** Records whose label set was over `maxStreams`, planned into the overflow stream. */
  readonly overflowed: number;
}

interface Stream {
  readonly labels: string;
  readonly labelBytes: number;
  readonly labelPairs: ReadonlyArray<readonly [string, string]>;
  entries: LokiEntry[];
  indexes: number[];
  ordered: boolean;
  /** The one stream label sets over the cap fold into. */
  readonly overflow: boolean;
}

/** Records between two yields to the event loop while a batch is encoded. */
const ENCODE_SLICE = 256;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
/** The label Loki requires when a record has none of the configured ones. */
const FALLBACK_LABEL: readonly [string, string] = ['service_name', 'unknown_service'];
/** Upper bound of a stream's tag and length prefix inside a request. */
const STREAM_OVERHEAD_BYTES = 6;
/**
 * Start of an overflow stream's key. A label-set key starts with a value or `\u0001` (or is empty),
 * never with `\u0000`, so no label set can take an overflow stream's place.
 */
const OVERFLOW_KEY = '\u0000overflow\u0000';

function byTime(a: LokiEntry, b: LokiEntry): number {
  return a.seconds - b.seconds || a.nanos - b.nanos;
}

/**
 * Groups records (a batch, or a slice of one) by stream (its label set), puts each stream's entries
 * in timestamp order, and cuts each stream into push requests under `maxRequestBytes`, one stream
 * per request. A stream too large for one request continues in the next; entries keep their order
 * across the cut. Records Loki is known to refuse (older than `rejectOlderThanMs`, a line over
 * `maxLineBytes` the encoder did not truncate) are kept out and returned as `refused`.
 */
export class BatchPlanner {
  private readonly fields: readonly LabelField[];
  private readonly readers: readonly LabelReader[];
  private readonly staticPairs: ReadonlyArray<readonly [string, string]>;
  private readonly encoder: LineEncoder;
  private readonly maxRequestBytes: number;
  private readonly streamLimiter: StreamLimiter;
  /** Per field: it keeps its value in an overflow stream (`keptInOverflow`). */
  private readonly keptInOverflow: readonly boolean[];
  private readonly rejectOlderThanMs: number;
  private readonly now: () => number;

  constructor(options: {
    labels: readonly LabelField[];
    staticLabels: Readonly<Record<string, string>>;
    encoder: LineEncoder;
    maxRequestBytes: number;
    /** Distinct label sets kept as their own streams (see `StreamLimiter`). */
    maxStreams: number;
    /** Loki's `reject_old_samples_max_age`: older entries are refused before sending. */
    rejectOlderThanMs: number;
    now: () => number;
  }) {
    this.fields = options.labels;
    this.readers = options.labels.map(labelReader);
    this.staticPairs = Object.entries(options.staticLabels);
    this.encoder = options.encoder;
    this.maxRequestBytes = options.maxRequestBytes;
    this.streamLimiter = new StreamLimiter(options.maxStreams, options.now);
    this.keptInOverflow = options.labels.map(keptInOverflow);
    this.rejectOlderThanMs = options.rejectOlderThanMs;
    this.now = options.now;
  }

  /** Label sets holding one of the `maxStreams` places now. */
  get streamCount(): number {
    return this.streamLimiter.size;
  }

  /** Plans `records[from, to)` (by default all of them). */
  async plan(records: readonly LogRecordLike[], from = 0, to = records.length): Promise<BatchPlan> {
    const streams = new Map<string, Stream>();
    let truncated = 0;
    let fallbacks = 0;
    let overflowed = 0;
    let sinceYield = 0;
    const refused: RefusedEntry[] = [];
    // Whole seconds, compared with the entry's: a record in the second at the limit is sent.
    const oldestSecond = Math.floor((this.now() - this.rejectOlderThanMs) / 1000);
    const readers = this.readers;
    const values: Array<string | undefined> = new Array(readers.length);
    let previous: Stream | undefined;
    for (let index = from; index < to; index++) {
      const record = records[index] as LogRecordLike;
      // Encoding runs on the event loop that also serves requests: hand it back every few hundred
      // records so a large batch never pauses request handling for long.
      if (++sinceYield > ENCODE_SLICE) {
        sinceYield = 1;
        await yieldToEventLoop();
      }
      const attributes = (record.attributes ?? {}) as AttributeMap;
      const resource = (record.resource?.attributes ?? {}) as AttributeMap;
      const eventName = record.eventName ?? 'log';
      // Consecutive records mostly share a stream, with label values that are the very same strings
      // (the logger's model name...), so comparing with the previous record's values is a pointer
      // check; only a change of stream builds a lookup key.
      let same = previous !== undefined;
      for (let i = 0; i < readers.length; i++) {
        const value = (readers[i] as LabelReader)(attributes, resource, eventName);
        if (value !== values[i]) same = false;
        values[i] = value;
      }
      let stream = previous;
      if (!same || stream === undefined) {
        let key = '';
        // \u0000 cannot occur in a label value Loki accepts; `\u0001` marks an absent one.
        for (const value of values) key += value === undefined ? '\u0001\u0000' : `${value}\u0000`;
        stream = streams.get(key);
        if (stream === undefined) {
          if (this.streamLimiter.admit(key)) {
            stream = this.openStream(values);
            streams.set(key, stream);
          } else {
            // Not cached under `key`: a place may free up (idle streams) for its next record.
            let overflowKey = OVERFLOW_KEY;
            for (let i = 0; i < values.length; i++)
              if (this.keptInOverflow[i]) overflowKey += `${values[i] ?? '\u0001'}\u0000`;
            stream = streams.get(overflowKey);
            if (stream === undefined) {
              stream = this.openStream(values, true);
              streams.set(overflowKey, stream);
            }
          }
        }
        previous = stream;
      }
      const encoded = this.encoder.encode(record);
      if (encoded.fallback) fallbacks++;
      const entry = encoded.entry;
      if (entry.seconds < oldestSecond) {
        refused.push({ index, reason: 'too_old', line: entry.line });
        continue;
      }
      if (encoded.oversized) {
        refused.push({ index, reason: 'line_too_long', line: entry.line });
        continue;
      }
      if (encoded.truncated) truncated++;
      if (stream.overflow) overflowed++;
      const entries = stream.entries;
      const last = entries[entries.length - 1];
      if (last !== undefined && byTime(last, entry) > 0) stream.ordered = false;
      entries.push(entry);
      stream.indexes.push(index);
    }
    const requests: PushRequestPlan[] = [];
    for (const stream of streams.values()) {
      if (stream.entries.length === 0) continue;
      if (!stream.ordered) sortByTime(stream);
      const streamBytes = STREAM_OVERHEAD_BYTES + 1 + varintSize(stream.labelBytes) + stream.labelBytes;
      let current: PushRequestPlan | undefined;
      const { entries, indexes } = stream;
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i] as LokiEntry;
        const entryBytes = 1 + varintSize(entry.size) + entry.size;
        if (current !== undefined && current.bytes + entryBytes > this.maxRequestBytes) current = undefined;
        if (current === undefined) {
          current = {
            streams: [
              {
                labels: stream.labels,
                labelBytes: stream.labelBytes,
                labelPairs: stream.labelPairs,
                entries: [],
                indexes: [],
              },
            ],
            records: 0,
            bytes: streamBytes,
          };
          requests.push(current);
        }
        const segment = current.streams[0];
        segment.entries.push(entry);
        segment.indexes.push(indexes[i] as number);
        current.records++;
        current.bytes += entryBytes;
      }
    }
    return { requests, refused, truncated, fallbacks, overflowed };
  }

  /**
   * A stream for label values `values`, or (`overflow`) the one where every label that is not
   * `keptInOverflow` is `OVERFLOW_LABEL_VALUE`.
   */
  private openStream(values: ReadonlyArray<string | undefined>, overflow = false): Stream {
    const pairs: Array<readonly [string, string]> = [...this.staticPairs];
    for (let i = 0; i < this.fields.length; i++) {
      const value = overflow && !this.keptInOverflow[i] ? OVERFLOW_LABEL_VALUE : values[i];
      if (value !== undefined) pairs.push([this.fields[i] as string, value]);
    }
    if (pairs.length === 0) pairs.push(FALLBACK_LABEL);
    pairs.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    const labels = formatLabels(pairs);
    return {
      labels,
      labelBytes: Buffer.byteLength(labels),
      labelPairs: pairs,
      entries: [],
      indexes: [],
      ordered: true,
      overflow,
    };
  }
}

/** Puts a stream's entries (and their batch positions with them) in timestamp order, stably. */
function sortByTime(stream: Stream): void {
  const { entries, indexes } = stream;
  const order = Array.from({ length: entries.length }, (_, i) => i);
  // Array#sort is stable: entries with equal timestamps keep their arrival order.
  order.sort((a, b) => byTime(entries[a] as LokiEntry, entries[b] as LokiEntry));
  stream.entries = order.map((i) => entries[i] as LokiEntry);
  stream.indexes = order.map((i) => indexes[i] as number);
}
