import { type LogSelection, listPartitions, scanPredictions } from './log-selection.ts';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** The baseline and current windows taken from the logs themselves. */
export interface BaselineWindows {
  /** Since and until are always set. */
  baseline: LogSelection;
  current: LogSelection;
  /** The baseline window as text: `2026-03-01 to 2026-03-07`, or `2026-12-01T00:00Z – 2026-12-01T12:00Z`. */
  text: string;
  /** How it was chosen: `first 7 days`, or `auto: history is 1 day` when the history was too short. */
  how: string;
  /** True when the history was too short for the requested days and the split was chosen here. */
  auto: boolean;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const isoMinute = (ms: number) => `${new Date(ms).toISOString().slice(0, 16)}Z`;

/** `2026-03-01 to 2026-03-07` for whole UTC days (`2026-03-01` for one), else to the minute. */
export function windowText(since: Date, until: Date): string {
  const from = since.getTime();
  const to = until.getTime();
  if (from % DAY_MS === 0 && to % DAY_MS === 0) {
    const last = isoDay(to - 1);
    return isoDay(from) === last ? last : `${isoDay(from)} to ${last}`;
  }
  return `${isoMinute(from)} – ${isoMinute(to)}`;
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** First and last prediction time of a selection (one streaming pass), or undefined without any. */
async function timeSpan(selection: LogSelection): Promise<{ first: number; last: number } | undefined> {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  await scanPredictions(selection, (record) => {
    const ms = Date.parse(record.timestamp);
    if (ms < first) first = ms;
    if (ms > last) last = ms;
  });
  return first <= last ? { first, last } : undefined;
}

/**
 * The baseline of the first `days` UTC days in the tree, the current window after it. When that
 * would leave the current window empty (the history is not longer than `days`) and no `since`
 * pins the current window, the split is chosen from what there is: with two days or more, the last
 * day against the days before it; with one day, its predictions' time span cut in half (at the
 * minute), first half against second. Undefined for a tree without predictions of the model.
 */
export async function baselineWindows(
  selection: LogSelection,
  days: number,
): Promise<BaselineWindows | undefined> {
  const until = selection.until?.getTime();
  const dates = (await listPartitions(selection.directory, selection.model)).dates.filter(
    (date) => until === undefined || Date.parse(`${date}T00:00:00.000Z`) < until,
  );
  const first = dates[0];
  const last = dates[dates.length - 1];
  if (first === undefined || last === undefined) return undefined;
  const base = { directory: selection.directory, model: selection.model };
  const start = Date.parse(`${first}T00:00:00.000Z`);
  const end = start + days * DAY_MS;
  const lastStart = Date.parse(`${last}T00:00:00.000Z`);
  const split = (baselineUntil: number, how: string, auto: boolean): BaselineWindows => ({
    baseline: { ...base, since: new Date(start), until: new Date(baselineUntil) },
    current: { ...selection, since: selection.since ?? new Date(baselineUntil) },
    text: windowText(new Date(start), new Date(baselineUntil)),
    how,
    auto,
  });
  if (selection.since !== undefined || lastStart >= end)
    return split(end, `first ${plural(days, 'day')}`, false);
  const span = Math.round((lastStart - start) / DAY_MS) + 1;
  const how = `auto: history is ${plural(span, 'day')}`;
  if (span >= 2) return split(lastStart, how, true);
  // One day: halve the time its predictions span, so both windows hold about as many hours.
  const times = await timeSpan({ ...base, since: new Date(start), until: new Date(until ?? start + DAY_MS) });
  if (times === undefined || times.first === times.last) return split(start + DAY_MS, how, true);
  const middle = times.first + (times.last - times.first) / 2;
  const rounded = Math.floor(middle / MINUTE_MS) * MINUTE_MS;
  return split(rounded > times.first ? rounded : Math.ceil(middle), how, true);
}
