import type { StreamSegment } from './batch-planner.ts';

/**
 * Which entries of a one-stream push Loki refused, read from its answer. Loki validates every entry
 * of a push, stores the valid ones and answers with what it refused (400, or 429 for a stream's own
 * rate limit); only the answer says which. Two forms name entries:
 *
 * - the distributor's validation errors, grouped by message (Loki 3.x): `2 errors like: entry for
 *   stream '{…}' has timestamp too old: <time>, oldest acceptable timestamp is: <time>; 1 errors
 *   like: Max entry size '262144' bytes exceeded for stream '{…}' while adding an entry with length
 *   '300000' bytes`. A single ungrouped message is what older Lokis send for the last invalid entry
 *   of many, so it does not say that it is the only one;
 * - the ingester's report for one stream: `entry with timestamp <time> ignored, reason: '<why>',`
 *   lines (at most `max_returned_stream_errors`, 10 by default), then `user '<tenant>', total
 *   ignored: <n> out of <m> for stream: {…}`.
 *
 * The reading is conservative: it is `exact` only when the answer accounts for every refused entry
 * and each one it names matches entries of this push one for one (same stream labels, same
 * timestamp to the nanosecond or the same line length). Anything else leaves the caller to treat the
 * whole push as refused (for a 400) or as not taken (for a 429). Parsing is by `indexOf` and fixed
 * patterns: linear in the answer, which the transport caps.
 */
export type PushAttribution =
  | {
      readonly exact: true;
      /** Positions in `segment.entries` Loki refused, ascending. */
      readonly positions: readonly number[];
      /** Loki's reason for each position (its own words, one line). */
      readonly reasons: readonly string[];
    }
  | {
      readonly exact: false;
      /** The answer named entries but could not be matched to them one for one (vs a push-level answer). */
      readonly namedEntries: boolean;
    };

/** One refusal the answer describes: `count` entries of a stream, by time or by line length. */
interface Finding {
  readonly stream: string;
  readonly count: number;
  readonly reason: string;
  readonly ns?: bigint;
  readonly lineBytes?: number;
}

const GROUP_PREFIX = / errors like: /;
const INGESTER_ENTRY_START = 'entry with timestamp ';
const INGESTER_ENTRY_MIDDLE = ' ignored, reason: ';
const INGESTER_SUMMARY = /^user '.*', total ignored: (\d+) out of (\d+) for stream: (\{.*\})$/;

export function attributeRejection(body: string, segment: StreamSegment): PushAttribution {
  const text = body.replace(/\r/g, '').trim();
  const report = text.startsWith(INGESTER_ENTRY_START) ? ingesterReport(text) : validationErrors(text);
  if (report === undefined) return { exact: false, namedEntries: false };
  if (!report.complete) return { exact: false, namedEntries: true };
  return match(report, segment);
}

interface Report {
  readonly findings: readonly Finding[];
  /** The answer lists every entry it refused (otherwise some are known by count only). */
  readonly complete: boolean;
  /** Entries the answer says the stream had (the ingester's `out of <m>`), when it says. */
  readonly entriesSeen?: number;
}

/** The ingester's per-stream report, or `undefined` when the text is not one. */
function ingesterReport(text: string): Report | undefined {
  const lines = text.split('\n');
  const summary = INGESTER_SUMMARY.exec(lines.at(-1) ?? '');
  if (summary === null) return undefined;
  const stream = summary[3] as string;
  const findings: Finding[] = [];
  for (const line of lines.slice(0, -1)) {
    const middle = line.indexOf(INGESTER_ENTRY_MIDDLE);
    if (!line.startsWith(INGESTER_ENTRY_START) || middle === -1 || !line.endsWith("',")) return undefined;
    const ns = parseGoTime(line.slice(INGESTER_ENTRY_START.length, middle));
    if (ns === undefined) return undefined;
    const reason = line.slice(middle + INGESTER_ENTRY_MIDDLE.length + 1, -2);
    findings.push({ stream, count: 1, reason, ns });
  }
  // Only the first `max_returned_stream_errors` are listed; `out of <m>` is what the ingester got,
  // fewer than were sent when the distributor had refused some (which its answer then hides).
  return {
    findings,
    complete: findings.length === Number(summary[1]),
    entriesSeen: Number(summary[2]),
  };
}

/** The distributor's validation errors (grouped, or a single message), or `undefined` for anything else. */
function validationErrors(text: string): Report | undefined {
  const grouped = /^\d+ errors like: /.test(text);
  const messages: Array<{ count: number; message: string }> = [];
  if (grouped) {
    for (const part of splitGroups(text)) {
      const at = part.search(GROUP_PREFIX);
      if (at === -1) return undefined;
      messages.push({ count: Number(part.slice(0, at)), message: part.slice(at + ' errors like: '.length) });
    }
  } else messages.push({ count: 1, message: text });
  const findings: Finding[] = [];
  let unknown = 0;
  for (const { count, message } of messages) {
    const finding = validationFinding(message, count);
    if (finding === undefined) unknown++;
    else findings.push(finding);
  }
  // Nothing entry-level (a stream's labels, an empty push...): the answer is about the whole push.
  if (findings.length === 0) return undefined;
  // An ungrouped message may be the last of several (older Lokis report only that one).
  return { findings, complete: grouped && unknown === 0 };
}

/** Splits `A; 3 errors like: B; 1 errors like: C` at the separators before a count. */
function splitGroups(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let at = text.indexOf('; ', start); at !== -1; at = text.indexOf('; ', at + 2)) {
    if (/^\d+ errors like: /.test(text.slice(at + 2, at + 40))) {
      parts.push(text.slice(start, at));
      start = at + 2;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

const TOO_OLD_START = "entry for stream '";
const TOO_OLD_MIDDLE = "' has timestamp too old: ";
const TOO_OLD_END = ', oldest acceptable timestamp is: ';
const TOO_NEW_MIDDLE = "' has timestamp too new: ";
const LINE_START = "Max entry size '";
const LINE_STREAM = "' bytes exceeded for stream '";
const LINE_LENGTH = "' while adding an entry with length '";
const LINE_END = "' bytes";

/** One validation message that names an entry, or `undefined` (a stream-level or unknown message). */
function validationFinding(message: string, count: number): Finding | undefined {
  if (!Number.isSafeInteger(count) || count <= 0) return undefined;
  if (message.startsWith(TOO_OLD_START)) {
    const old = message.indexOf(TOO_OLD_MIDDLE);
    if (old !== -1) {
      const end = message.indexOf(TOO_OLD_END, old);
      const ns = parseGoTime(message.slice(old + TOO_OLD_MIDDLE.length, end === -1 ? undefined : end));
      if (ns === undefined) return undefined;
      return { stream: message.slice(TOO_OLD_START.length, old), count, ns, reason: 'timestamp too old' };
    }
    const young = message.indexOf(TOO_NEW_MIDDLE);
    if (young !== -1) {
      const ns = parseGoTime(message.slice(young + TOO_NEW_MIDDLE.length));
      if (ns === undefined) return undefined;
      return { stream: message.slice(TOO_OLD_START.length, young), count, ns, reason: 'timestamp too new' };
    }
    return undefined;
  }
  if (message.startsWith(LINE_START) && message.endsWith(LINE_END)) {
    const stream = message.indexOf(LINE_STREAM);
    const length = message.indexOf(LINE_LENGTH, stream);
    if (stream === -1 || length === -1) return undefined;
    const lineBytes = Number(message.slice(length + LINE_LENGTH.length, -LINE_END.length));
    if (!Number.isSafeInteger(lineBytes)) return undefined;
    return {
      stream: message.slice(stream + LINE_STREAM.length, length),
      count,
      lineBytes,
      reason: 'line over max_line_size',
    };
  }
  return undefined;
}

/** Matches findings to the push's entries one for one; any doubt makes the attribution inexact. */
function match(report: Report, segment: StreamSegment): PushAttribution {
  const inexact: PushAttribution = { exact: false, namedEntries: true };
  const entries = segment.entries;
  if (report.entriesSeen !== undefined && report.entriesSeen !== entries.length) return inexact;
  // How many refused entries each instant (or line length) has, and why.
  const wanted = new Map<string, { count: number; reason: string }>();
  for (const finding of report.findings) {
    if (finding.stream !== segment.labels) return inexact;
    const key = finding.ns !== undefined ? `t${finding.ns}` : `l${finding.lineBytes}`;
    const known = wanted.get(key);
    if (known === undefined) wanted.set(key, { count: finding.count, reason: finding.reason });
    else known.count += finding.count;
  }
  const found = new Map<string, number[]>();
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (entry === undefined) continue;
    for (const key of [
      `t${BigInt(entry.seconds) * 1_000_000_000n + BigInt(entry.nanos)}`,
      `l${entry.lineBytes}`,
    ]) {
      if (!wanted.has(key)) continue;
      const list = found.get(key) ?? [];
      list.push(i);
      found.set(key, list);
    }
  }
  const refused = new Map<number, string>();
  for (const [key, { count, reason }] of wanted) {
    const candidates = found.get(key) ?? [];
    // Two entries at the same instant and one refused: which one is not said.
    if (candidates.length !== count) return inexact;
    for (const position of candidates) {
      if (refused.has(position)) return inexact;
      refused.set(position, reason);
    }
  }
  const positions = [...refused.keys()].sort((a, b) => a - b);
  return { exact: true, positions, reasons: positions.map((p) => refused.get(p) as string) };
}

/**
 * Go's `time.Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST` (the fraction without
 * trailing zeros, a monotonic `m=±…` suffix possible), as nanoseconds since the epoch.
 */
export function parseGoTime(text: string): bigint | undefined {
  const m =
    /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? ([+-])(\d{2})(\d{2})(?: [A-Za-z0-9+-]{1,10})?(?: m=[+-]\d{1,20}\.\d{1,9})?$/.exec(
      text.trim(),
    );
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, fraction = '', sign, oh, om] = m;
  const seconds =
    Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000 -
    (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om) * 60);
  if (!Number.isFinite(seconds)) return undefined;
  return BigInt(seconds) * 1_000_000_000n + BigInt(fraction.padEnd(9, '0'));
}
