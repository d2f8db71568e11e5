import type { LogRecordLike } from '@predlog/core';
import { toLogRecordParts } from '@predlog/core';
import { type StoredRecord, safeCut, stringifyRecord, toStoredRecord } from '@predlog/schema';
import { utf8PrefixLength } from './utf8-prefix.ts';

/** One record as a Loki entry: its time, its line (the stored form as JSON) and its metadata. */
export interface LokiEntry {
  readonly seconds: number;
  readonly nanos: number;
  readonly line: string;
  readonly lineBytes: number;
  /** Structured metadata as a flat `[name, value, name, value, ...]` list, or undefined for none. */
  readonly metadata: string[] | undefined;
  /** Size of the entry's protobuf message (EntryAdapter), for request splitting and encoding. */
  readonly size: number;
}

export interface EncodedLine {
  readonly entry: LokiEntry;
  readonly truncated: boolean;
  /** Over `maxLineBytes` and not truncated (`oversized: 'reject'`): the entry holds the whole line. */
  readonly oversized: boolean;
  /** The record needed repair: a value JSON cannot hold, or an unreadable time. */
  readonly fallback: boolean;
}

export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  let size = 5;
  for (let v = Math.floor(value / 0x800000000); v > 0; v = Math.floor(v / 128)) size++;
  return size;
}

/** Size of a `google.protobuf.Timestamp` message; zero fields are left out (proto3). */
export function timestampSize(seconds: number, nanos: number): number {
  return (seconds === 0 ? 0 : 1 + varintSize(seconds)) + (nanos === 0 ? 0 : 1 + varintSize(nanos));
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function metadataValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Cuts UTF-8 text to at most `maxBytes` bytes without splitting a character. */
/**
 * `text` within `maxBytes` of UTF-8, cut by `safeCut` (on a code point boundary, never keeping a
 * piece of a card, e-mail or phone number that straddles the cut), as every cut in predlog is.
 */
export function cutUtf8(text: string, maxBytes: number): string {
  const fitting = utf8PrefixLength(text, Math.max(0, maxBytes));
  return fitting === text.length ? text : safeCut(text, fitting);
}

/**
 * Turns records into Loki entries. The line is the record's stored form (`toStoredRecord`), the same
 * JSON the file exporter writes, so `| json` in LogQL sees the same field names as `predlog query`.
 * Never throws.
 */
export class LineEncoder {
  private readonly maxLineBytes: number;
  private readonly truncateOversized: boolean;
  private readonly metadataFields: readonly string[];
  private readonly metadataNameBytes: readonly number[];
  private readonly now: () => number;

  constructor(options: {
    maxLineBytes: number;
    /** What to do with a line over `maxLineBytes`: cut it to fit, or leave it whole and say so. */
    oversized?: 'truncate' | 'reject';
    metadataFields: readonly string[];
    now: () => number;
  }) {
    this.maxLineBytes = options.maxLineBytes;
    this.truncateOversized = options.oversized !== 'reject';
    this.metadataFields = options.metadataFields;
    this.metadataNameBytes = options.metadataFields.map((name) => byteLength(name));
    this.now = options.now;
  }

  encode(record: LogRecordLike): EncodedLine {
    let fallback = false;
    let stored: StoredRecord;
    let [seconds, nanos] = record.hrTime;
    if (!(Number.isFinite(seconds) && Number.isFinite(nanos) && seconds >= 0 && nanos >= 0)) {
      [seconds, nanos] = this.nowAsHrTime();
      fallback = true;
    }
    try {
      stored = toStoredRecord(toLogRecordParts(record), record.resource.attributes);
    } catch {
      // An hrTime that is not a valid instant cannot be formatted; keep the record, stamped now.
      stored = this.storeWithTimeOfSending(record);
      [seconds, nanos] = this.nowAsHrTime();
      fallback = true;
    }
    const json =
      (record as { jsonSafe?: boolean }).jsonSafe === true
        ? trustedStringify(stored)
        : stringifyRecord(stored);
    let line = json.json;
    if (json.converted) fallback = true;
    let lineBytes = byteLength(line);
    let truncated = false;
    let oversized = false;
    if (lineBytes > this.maxLineBytes) {
      if (this.truncateOversized) {
        line = this.truncate(stored, line, lineBytes);
        lineBytes = byteLength(line);
        truncated = true;
      } else oversized = true;
    }
    return {
      entry: this.entry(Math.trunc(seconds), Math.trunc(nanos), line, lineBytes, stored),
      truncated,
      oversized,
      fallback,
    };
  }

  private entry(
    seconds: number,
    nanos: number,
    line: string,
    lineBytes: number,
    stored: StoredRecord,
  ): LokiEntry {
    const tsSize = timestampSize(seconds, nanos);
    let size = 1 + varintSize(tsSize) + tsSize + 1 + varintSize(lineBytes) + lineBytes;
    let metadata: string[] | undefined;
    const fields = this.metadataFields;
    for (let i = 0; i < fields.length; i++) {
      const name = fields[i] as string;
      const value = metadataValue(stored[name]);
      if (value === undefined) continue;
      if (metadata === undefined) metadata = [];
      metadata.push(name, value);
      const nameBytes = this.metadataNameBytes[i] as number;
      const valueBytes = byteLength(value);
      const pairSize = 1 + varintSize(nameBytes) + nameBytes + 1 + varintSize(valueBytes) + valueBytes;
      size += 1 + varintSize(pairSize) + pairSize;
    }
    return { seconds, nanos, line, lineBytes, metadata, size };
  }

  /**
   * Keeps the line valid JSON where it can: bulky values (objects, arrays, long strings) become a
   * marker and `truncated_bytes` says how long the line was, so ids, model and score still parse
   * with `| json`. Only a line still too long after that is cut as text.
   */
  private truncate(stored: StoredRecord, line: string, lineBytes: number): string {
    const marker = `[truncated: line of ${lineBytes} bytes over maxLineBytes]`;
    const slim: Record<string, unknown> = {};
    for (const key in stored) {
      const value = stored[key];
      if (value === undefined) continue;
      const bulky =
        (value !== null && typeof value === 'object') || (typeof value === 'string' && value.length > 256);
      slim[key] = bulky ? marker : value;
    }
    slim.truncated_bytes = lineBytes;
    const { json } = stringifyRecord(slim);
    if (byteLength(json) <= this.maxLineBytes) return json;
    const suffix = `…[truncated ${lineBytes} bytes]`;
    return cutUtf8(line, this.maxLineBytes - byteLength(suffix)) + suffix;
  }

  private nowAsHrTime(): [number, number] {
    const ms = this.now();
    const seconds = Math.floor(ms / 1000);
    return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
  }

  private storeWithTimeOfSending(record: LogRecordLike): StoredRecord {
    try {
      const parts = toLogRecordParts(record);
      parts.timeUnixMs = this.now();
      return toStoredRecord(parts, record.resource?.attributes);
    } catch {
      return { event: '[Unreadable]', timestamp: new Date(this.now()).toISOString() };
    }
  }
}

/** Records captured by predlog are JSON-safe by construction: skip the scan, keep the safety net. */
function trustedStringify(stored: StoredRecord): { json: string; converted: boolean } {
  try {
    return { json: JSON.stringify(stored), converted: false };
  } catch {
    return stringifyRecord(stored);
  }
}
