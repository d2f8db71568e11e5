import type { LogRecordLike } from '@predlog/core';

/** Values visited at most per record; a deeper or wider record counts as at least what was seen. */
const VISIT_BUDGET = 512;
/** What the fields of a record outside attributes and body (times, scope, event name) add. */
const RECORD_OVERHEAD_BYTES = 64;

/**
 * Approximate serialised size of a record. predlog's own records carry `approxBytes`, measured while
 * their values were captured; a record from an OTel SDK logger does not, and gets a bounded walk of
 * its attributes and body (strings by length, numbers and booleans by typical width).
 */
export function recordBytes(record: LogRecordLike): number {
  const approx = (record as { approxBytes?: unknown }).approxBytes;
  if (typeof approx === 'number' && approx > 0) return approx;
  const budget = { left: VISIT_BUDGET };
  return RECORD_OVERHEAD_BYTES + valueBytes(record.attributes, budget) + valueBytes(record.body, budget);
}

function valueBytes(value: unknown, budget: { left: number }): number {
  if (budget.left <= 0) return 0;
  budget.left--;
  switch (typeof value) {
    case 'string':
      return value.length + 2;
    case 'number':
      return 8;
    case 'boolean':
      return 5;
    case 'bigint':
      return 20;
    case 'object': {
      if (value === null) return 4;
      if (ArrayBuffer.isView(value)) return value.byteLength;
      let bytes = 2;
      if (Array.isArray(value)) {
        for (const item of value) bytes += valueBytes(item, budget) + 1;
        return bytes;
      }
      for (const key in value) {
        bytes += key.length + 4 + valueBytes((value as Record<string, unknown>)[key], budget);
        if (budget.left <= 0) break;
      }
      return bytes;
    }
    default:
      return 0;
  }
}
