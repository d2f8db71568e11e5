import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { AnalyticsConfig } from './config.ts';
import type { DistributionProfile, DistributionProfileJson, FeatureProfile } from './distribution-profile.ts';
import { InputFileError } from './input-file-error.ts';
import { readTextLines } from './internal/text-lines.ts';
import { emptyReadStats, type LogSelection, listPartitions, type ReadStats } from './log-selection.ts';
import { DAILY_STATS_FORMAT, profilePredictions } from './profile-reader.ts';

const DAY_MS = 86_400_000;

export interface ValueSummary {
  /** Numeric values and their sampling weight. */
  count: number;
  weight: number;
  /** Share of the weight that is null or absent. */
  missingShare: number;
  mean: number | null;
  std: number | null;
  p5: number | null;
  p25: number | null;
  p50: number | null;
  p75: number | null;
  p95: number | null;
  /**
   * True when p5…p95 are exact: the value had at most `sketch.exactValues` distinct numbers, each
   * kept with its weight. False: DDSketch estimates within ±α·|value| (whole numbers are snapped to
   * the integer their bucket holds, exact while buckets are narrower than 1).
   */
  exactPercentiles: boolean;
  /** Text and boolean values: the most frequent, with their share of the weight (at most 10). */
  top?: Array<{ value: string; share: number }>;
}

/** One line of a stats file: a model's day. */
export interface DailyStats {
  format: typeof DAILY_STATS_FORMAT;
  version: 1;
  model: string;
  date: string;
  records: number;
  /** Sum of sampling weights: the number of predictions the records stand for. */
  weight: number;
  /** Weighted share of positive decisions; null for a model without decisions. */
  positiveRate: number | null;
  /** α of the sketches behind the percentiles: each is within ±α·|value|. */
  relativeAccuracy: number;
  score: ValueSummary;
  latencyMs: ValueSummary;
  features: Record<string, ValueSummary>;
  /** The mergeable profile (sketches, moments, categories): any set of days merges into one. */
  profile: DistributionProfileJson;
}

const QUANTILES = [
  ['p5', 0.05],
  ['p25', 0.25],
  ['p50', 0.5],
  ['p75', 0.75],
  ['p95', 0.95],
] as const;

const TOP_CATEGORIES = 10;

export function summariseValue(profile: FeatureProfile): ValueSummary {
  const total = profile.totalWeight;
  const numeric = profile.sketch.totalWeight;
  const has = numeric > 0;
  const summary: ValueSummary = {
    count: profile.sketch.count,
    weight: numeric,
    missingShare: total > 0 ? profile.missing / total : 0,
    mean: has ? profile.moments.mean : null,
    std: has ? profile.moments.std : null,
    p5: null,
    p25: null,
    p50: null,
    p75: null,
    p95: null,
    exactPercentiles: has && profile.sketch.isExact,
  };
  if (has) for (const [key, q] of QUANTILES) summary[key] = profile.sketch.quantile(q);
  if (profile.categoricalWeight > 0 && total > 0) {
    summary.top = [...profile.categories]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP_CATEGORIES)
      .map(([value, weight]) => ({ value, share: weight / total }));
  }
  return summary;
}

/** The stats line of one model-day from its profile. */
export function summariseDay(model: string, date: string, profile: DistributionProfile): DailyStats {
  const features: Record<string, ValueSummary> = {};
  for (const name of [...profile.features.keys()].sort()) {
    features[name] = summariseValue(profile.features.get(name) as FeatureProfile);
  }
  return {
    format: DAILY_STATS_FORMAT,
    version: 1,
    model,
    date,
    records: profile.records,
    weight: profile.weight,
    positiveRate: profile.decidedWeight > 0 ? profile.positiveWeight / profile.decidedWeight : null,
    relativeAccuracy: profile.score.sketch.alpha,
    score: summariseValue(profile.score),
    latencyMs: summariseValue(profile.latency),
    features,
    profile: profile.toJSON(),
  };
}

export interface DailyStatsOptions {
  readonly selection: LogSelection;
  readonly config: AnalyticsConfig;
}

/**
 * Daily pre-aggregates per model and UTC day, one day at a time (a day's `date=` partitions are
 * read, summarised, handed to `onDay`, and dropped), in order of model then date. Memory: one day's
 * profile, whatever the number of days.
 */
export async function computeDailyStats(
  options: DailyStatsOptions,
  onDay: (day: DailyStats) => void | Promise<void>,
): Promise<{ days: number; records: number; logs: ReadStats }> {
  const { selection, config } = options;
  const listing = await listPartitions(selection.directory, selection.model);
  const models = selection.model === undefined ? listing.models : [selection.model];
  const logs = emptyReadStats();
  let days = 0;
  let records = 0;
  for (const model of models) {
    const { dates } =
      selection.model === undefined ? await listPartitions(selection.directory, model) : listing;
    for (const date of dates) {
      const dayStart = Date.parse(`${date}T00:00:00.000Z`);
      const since = Math.max(dayStart, selection.since?.getTime() ?? dayStart);
      const until = Math.min(dayStart + DAY_MS, selection.until?.getTime() ?? dayStart + DAY_MS);
      if (!(since < until)) continue;
      const profile = await profilePredictions(
        { directory: selection.directory, model, since: new Date(since), until: new Date(until) },
        config,
        logs,
      );
      if (profile.records === 0) continue;
      days += 1;
      records += profile.records;
      const done = onDay(summariseDay(model, date, profile));
      if (done !== undefined) await done;
    }
  }
  return { days, records, logs };
}

const keyOf = (day: { model: string; date: string }) => `${day.model}\u0000${day.date}`;

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function close(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'close');
}

/**
 * Writes days into a stats file that is kept across runs: the file stays sorted by model and date,
 * a day computed again replaces its old line, every other line is kept (so a daily run keeps the
 * history after retention has deleted the logs). New days must arrive sorted; the merge streams,
 * and the file is replaced atomically (temp file, rename).
 */
export class DailyStatsFile {
  private readonly file: string;
  private readonly fresh: string;
  private readonly stream: WriteStream;
  private last = '';
  written = 0;

  private constructor(file: string) {
    this.file = file;
    this.fresh = `${file}.${process.pid}.new.tmp`;
    this.stream = createWriteStream(this.fresh);
  }

  static open(file: string): DailyStatsFile {
    return new DailyStatsFile(file);
  }

  async add(day: DailyStats): Promise<void> {
    const key = keyOf(day);
    if (key <= this.last) throw new RangeError('days must be added in order of model, then date');
    this.last = key;
    this.written += 1;
    await write(this.stream, `${JSON.stringify(day)}\n`);
  }

  /** Merges with the existing file and replaces it; returns how many old lines were kept. */
  async close(): Promise<{ written: number; kept: number }> {
    await close(this.stream);
    const merged = `${this.file}.${process.pid}.tmp`;
    const out = createWriteStream(merged);
    let kept = 0;
    try {
      const fresh = readTextLines(this.fresh)[Symbol.asyncIterator]();
      let next = await nextDay(fresh);
      let previous = '';
      for await (const line of existingLines(this.file)) {
        if (line.trim() === '') continue;
        const key = keyOf(parseDay(line));
        if (key < previous) throw new InputFileError('the stats file is not sorted by model and date');
        previous = key;
        while (next !== undefined && next.key < key) {
          await write(out, `${next.line}\n`);
          next = await nextDay(fresh);
        }
        if (next !== undefined && next.key === key) continue;
        kept += 1;
        await write(out, `${line}\n`);
      }
      while (next !== undefined) {
        await write(out, `${next.line}\n`);
        next = await nextDay(fresh);
      }
      await close(out);
      await rename(merged, this.file);
    } catch (error) {
      out.destroy();
      await rm(merged, { force: true });
      throw error;
    } finally {
      await rm(this.fresh, { force: true });
    }
    return { written: this.written, kept };
  }
}

function parseDay(line: string): { model: string; date: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new InputFileError('the stats file has a line that is not JSON');
  }
  const day = value as Record<string, unknown> | null;
  if (day === null || typeof day !== 'object' || day.format !== DAILY_STATS_FORMAT) {
    throw new InputFileError('the stats file has a line that is not a predlog daily-stats line');
  }
  if (typeof day.model !== 'string' || typeof day.date !== 'string') {
    throw new InputFileError('the stats file has a line without model or date');
  }
  return { model: day.model, date: day.date };
}

async function nextDay(lines: AsyncIterator<string>): Promise<{ key: string; line: string } | undefined> {
  for (;;) {
    const { value, done } = await lines.next();
    if (done === true) return undefined;
    if (value.trim() !== '') return { key: keyOf(parseDay(value)), line: value };
  }
}

async function* existingLines(file: string): AsyncGenerator<string> {
  try {
    yield* readTextLines(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
