import { resourceFromAttributes } from '@opentelemetry/resources';
import { type LogRecordLike, PredlogLogRecord } from '../../../src/log-record.ts';

const resource = resourceFromAttributes({ 'service.name': 't' });

/** `n` records numbered from `from` in attribute `i`, of `approxBytes` each. */
export function numbered(n: number, from = 0, approxBytes = 100): PredlogLogRecord[] {
  return Array.from(
    { length: n },
    (_, k) =>
      new PredlogLogRecord({
        hrTime: [1_700_000_000 + from + k, 0],
        resource,
        instrumentationScope: { name: 'test' },
        attributes: { i: from + k },
        approxBytes,
        jsonSafe: true,
      }),
  );
}

export const numbers = (list: readonly LogRecordLike[]): number[] =>
  list.map((r) => r.attributes.i as number);
