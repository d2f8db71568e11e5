import type { LogRecordLike } from '@predlog/core';

/** What one record adds to a request when its capture did not measure it (a foreign OTel record). */
const FALLBACK_RECORD_BYTES = 1024;
/** Per-record framing on top of the payload: timestamps, ids, severity, field tags. */
const RECORD_OVERHEAD_BYTES = 64;

function recordBytes(record: LogRecordLike): number {
  const measured = (record as { approxBytes?: unknown }).approxBytes;
  const payload = typeof measured === 'number' && measured > 0 ? measured : FALLBACK_RECORD_BYTES;
  return payload + RECORD_OVERHEAD_BYTES;
}

/**
 * Splits a batch into consecutive requests of at most `maxBytes` each, by the size capture
 * measured (body and attributes as JSON bytes, the size Loki counts against its ingestion burst).
 * A record larger than `maxBytes` goes alone. Returns the end index of each request, in order.
 */
export function splitByBytes(records: readonly LogRecordLike[], maxBytes: number): number[] {
  const ends: number[] = [];
  let bytes = 0;
  for (let i = 0; i < records.length; i++) {
    const size = recordBytes(records[i] as LogRecordLike);
    if (bytes > 0 && bytes + size > maxBytes) {
      ends.push(i);
      bytes = 0;
    }
    bytes += size;
  }
  if (records.length > 0) ends.push(records.length);
  return ends;
}
