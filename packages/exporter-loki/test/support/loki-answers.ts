/**
 * Loki's answers to a push it partly refuses, in Loki's own words (pkg/validation/validate.go,
 * pkg/util/errors GroupedErrors, pkg/ingester/stream.go), for the receiver to reply with.
 */

/** Go's `time.Time.String()` of a UTC instant: `2026-01-31 12:00:00.000000005 +0000 UTC`, fraction trimmed. */
export function goTime(seconds: number, nanos: number): string {
  const base = new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
  const fraction = nanos === 0 ? '' : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
  return `${base}${fraction} +0000 UTC`;
}

export const tooOld = (stream: string, seconds: number, nanos: number) =>
  `entry for stream '${stream}' has timestamp too old: ${goTime(seconds, nanos)}, oldest acceptable timestamp is: 2026-01-24 12:00:00 +0000 UTC`;

export const lineTooLong = (stream: string, limit: number, length: number) =>
  `Max entry size '${limit}' bytes exceeded for stream '${stream}' while adding an entry with length '${length}' bytes`;

/** The distributor's grouped validation errors (Loki 3.x). */
export const grouped = (groups: ReadonlyArray<readonly [number, string]>) =>
  groups.map(([n, message]) => `${n} errors like: ${message}`).join('; ');

/** The ingester's report for one stream: listed entries, then the totals. */
export function ingesterReport(
  stream: string,
  listed: ReadonlyArray<readonly [number, number]>,
  reason: string,
  totalIgnored: number,
  outOf: number,
): string {
  let text = '';
  for (const [seconds, nanos] of listed)
    text += `entry with timestamp ${goTime(seconds, nanos)} ignored, reason: '${reason}',\n`;
  return `${text}user 'fake', total ignored: ${totalIgnored} out of ${outOf} for stream: ${stream}`;
}
