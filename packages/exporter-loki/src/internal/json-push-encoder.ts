import type { StreamSegment } from './batch-planner.ts';

/** Nanoseconds since the epoch as a decimal string (past 2^53, so never through a number). */
export function nanosecondText(seconds: number, nanos: number): string {
  if (seconds === 0) return String(nanos);
  const fraction = String(nanos);
  return `${seconds}${'000000000'.slice(fraction.length)}${fraction}`;
}

/**
 * Loki's JSON push body:
 * `{"streams":[{"stream":{label:value},"values":[["<ns>","<line>",{metadata}]]}]}`. Structured
 * metadata is the optional third element of a value (Loki ≥ 2.9).
 */
export function encodeJsonPush(streams: readonly StreamSegment[]): string {
  const parts: string[] = [];
  for (const stream of streams) {
    const labels: Record<string, string> = {};
    for (const [name, value] of stream.labelPairs) labels[name] = value;
    const values: string[] = [];
    for (const entry of stream.entries) {
      let value = `["${nanosecondText(entry.seconds, entry.nanos)}",${JSON.stringify(entry.line)}`;
      const metadata = entry.metadata;
      if (metadata !== undefined) {
        const map: Record<string, string> = {};
        for (let m = 0; m < metadata.length; m += 2) map[metadata[m] as string] = metadata[m + 1] as string;
        value += `,${JSON.stringify(map)}`;
      }
      values.push(`${value}]`);
    }
    parts.push(`{"stream":${JSON.stringify(labels)},"values":[${values.join(',')}]}`);
  }
  return `{"streams":[${parts.join(',')}]}`;
}
