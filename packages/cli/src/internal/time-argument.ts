import { UsageError } from '../command.ts';

const RELATIVE = /^-?(\d+)(s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
// Date, optional time, optional zone; a time without a zone is read as UTC so the same command
// selects the same records on every machine.
const ISO = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * Reads a `--since`/`--until` value: ISO 8601 (`2026-01-31`, `2026-01-31T12:00:00Z`,
 * `2026-01-31T12:00+01:00`), `now`, or a duration before now (`-2h`, `-7d`, also `2h`).
 */
export function parseTimeArgument(flag: string, text: string, nowMs: number): Date {
  if (text === 'now') return new Date(nowMs);
  const relative = RELATIVE.exec(text);
  if (relative !== null) {
    return new Date(nowMs - Number(relative[1]) * (UNIT_MS[relative[2] ?? 's'] ?? 1000));
  }
  const iso = ISO.exec(text);
  if (iso !== null) {
    const withZone = text.includes('T') && iso[1] === undefined ? `${text}Z` : text;
    const ms = Date.parse(withZone);
    if (Number.isFinite(ms)) return new Date(ms);
  }
  throw new UsageError(
    `${flag} must be an ISO 8601 time (2026-01-31T12:00:00Z) or a time ago like -2h, -30m, -7d (got '${text}')`,
  );
}
