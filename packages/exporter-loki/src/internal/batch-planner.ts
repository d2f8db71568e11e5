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
}

/** One HTTP push: at most `maxRequestBytes` of uncompressed protobuf. */
export interface PushRequestPlan {
  readonly streams: StreamSegment[];
  records: number;
  /** Uncompressed protobuf size of the request. */
  bytes: number;
}

export interface BatchPlan {
  readonly requests: PushRequestPlan[];
  readonly truncated: number;
  readonly fallbacks: number;
  /** Records whose label set was over `maxStreams`, planned into the overflow stream. */
  readonly overflowed: number;
}

interface Stream {
  readonly labels: string;
  readonly labelBytes: number;
  readonly labelPairs: ReadonlyArray<readonly [string, string]>;
  readonly entries: LokiEntry[];
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
 * in timestamp order, and cuts the result into push requests under `maxRequestBytes`. A stream too large for one request
 * continues in the next; entries keep their order across the cut.
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

  constructor(options: {
    labels: readonly LabelField[];
    staticLabels: Readonly<Record<string, string>>;
    encoder: LineEncoder;
    maxRequestBytes: number;
    /** Distinct label sets kept as their own streams (see `StreamLimiter`). */
    maxStreams: number;
    now: () => number;
  }) {
    this.fields = options.labels;
    this.readers = options.labels.map(labelReader);
    this.staticPairs = Object.entries(options.staticLabels);
    this.encoder = options.encoder;
    this.maxRequestBytes = options.maxRequestBytes;
    this.streamLimiter = new StreamLimiter(options.maxStreams, options.now);
    this.keptInOverflow = options.labels.map(keptInOverflow);
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
      if (stream.overflow) overflowed++;
      const encoded = this.encoder.encode(record);
      if (encoded.truncated) truncated++;
      if (encoded.fallback) fallbacks++;
      const entries = stream.entries;
      const last = entries[entries.length - 1];
      if (last !== undefined && byTime(last, encoded.entry) > 0) stream.ordered = false;
      entries.push(encoded.entry);
    }
    const requests: PushRequestPlan[] = [];
    let current: PushRequestPlan = { streams: [], records: 0, bytes: 0 };
    for (const stream of streams.values()) {
      // Array#sort is stable: entries with equal timestamps keep their arrival order.
      if (!stream.ordered) stream.entries.sort(byTime);
      let segment: StreamSegment | undefined;
      for (const entry of stream.entries) {
        const entryBytes = 1 + varintSize(entry.size) + entry.size;
        const segmentBytes =
          segment === undefined
            ? STREAM_OVERHEAD_BYTES + 1 + varintSize(stream.labelBytes) + stream.labelBytes
            : 0;
        if (current.records > 0 && current.bytes + segmentBytes + entryBytes > this.maxRequestBytes) {
          requests.push(current);
          current = { streams: [], records: 0, bytes: 0 };
          segment = undefined;
        }
        if (segment === undefined) {
          segment = {
            labels: stream.labels,
            labelBytes: stream.labelBytes,
            labelPairs: stream.labelPairs,
            entries: [],
          };
          current.streams.push(segment);
          current.bytes += STREAM_OVERHEAD_BYTES + 1 + varintSize(stream.labelBytes) + stream.labelBytes;
        }
        segment.entries.push(entry);
        current.records++;
        current.bytes += entryBytes;
      }
    }
    if (current.records > 0) requests.push(current);
    return { requests, truncated, fallbacks, overflowed };
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
      ordered: true,
      overflow,
    };
  }
}
