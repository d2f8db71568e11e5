import type { LogRecordLike } from '@predlog/core';
import { toLogRecordParts } from '@predlog/core';
import { type StoredRecord, stringifyRecord, toStoredRecord } from '@predlog/schema';
import { PartitionPathBuilder, utcDate } from './partition-path.ts';

export interface EncodedRecord {
  /** One NDJSON line without its newline: the stored form. */
  readonly json: string;
  /** Relative partition directory, e.g. `model_name=fraud/date=2026-01-31`. */
  readonly partition: string;
  /** The stored form needed repair (unencodable value or unreadable time). */
  readonly fallback: boolean;
}

/** Records captured by predlog are JSON-safe by construction: skip the scan, keep the safety net. */
function trustedStringify(stored: StoredRecord): { json: string; converted: boolean } {
  try {
    return { json: JSON.stringify(stored), converted: false };
  } catch {
    return stringifyRecord(stored);
  }
}

/** Turns records into stored-form lines and their partitions. Never throws. */
export class RecordEncoder {
  private readonly paths = new PartitionPathBuilder();
  private readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  encode(record: LogRecordLike): EncodedRecord {
    let fallback = false;
    let stored: StoredRecord;
    try {
      stored = toStoredRecord(toLogRecordParts(record), record.resource.attributes);
    } catch {
      // An hrTime that is not a valid instant cannot be formatted; the record is still worth
      // keeping, stamped with the time it was written.
      stored = this.storeWithTimeOfWriting(record);
      fallback = true;
    }
    const { json, converted } =
      (record as { jsonSafe?: boolean }).jsonSafe === true
        ? trustedStringify(stored)
        : stringifyRecord(stored);
    const timestamp = stored.timestamp;
    const date =
      timestamp.length === 24 && timestamp.charCodeAt(4) === 45 /* - */
        ? timestamp.slice(0, 10)
        : utcDate(this.now());
    return {
      json,
      partition: this.paths.build((record.attributes ?? {}) as Record<string, unknown>, date),
      fallback: fallback || converted,
    };
  }

  private storeWithTimeOfWriting(record: LogRecordLike): StoredRecord {
    try {
      const parts = toLogRecordParts(record);
      parts.timeUnixMs = this.now();
      return toStoredRecord(parts, record.resource?.attributes);
    } catch {
      return { event: '[Unreadable]', timestamp: new Date(this.now()).toISOString() };
    }
  }
}
