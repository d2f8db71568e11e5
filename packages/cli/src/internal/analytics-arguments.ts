import { stat } from 'node:fs/promises';
import path from 'node:path';
import v8 from 'node:v8';
import {
  type AnalyticsConfig,
  type AnalyticsConfigInput,
  analyticsConfigSchema,
  type EvaluationReport,
  InputFileError,
  type LabelSource,
  type LogSelection,
  listPartitions,
} from '@predlog/analytics';
import { UsageError } from '../command.ts';
import { directoryArgument } from './directory-argument.ts';
import { parseTimeArgument } from './time-argument.ts';

/**
 * Flags and output helpers shared by the analytics commands (join, evaluate, drift, stats,
 * shadow-report, report), so each reads `--model`, `--since`, `--labels`, … the same way.
 */

/**
 * Keeps V8's young generation at its starting size for the rest of the process. Node 24 sizes the
 * young generation from physical memory (up to 64 MiB semi-spaces on a 16 GB+ machine) and grows
 * it while objects keep surviving scavenges, which a long streaming join does: alone that is
 * ≈ 130 MB of resident memory. Held small, the same runs are as fast (bench/analytics: join 12.2 s
 * against 12.5 s on 2M records) and stay far below the 300 MB budget. A CLI process runs one
 * command and exits, so changing the flag after start-up touches nothing else.
 */
export function holdYoungGeneration(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}

/** parseArgs options every analytics command takes. */
export const SELECTION_OPTIONS = {
  model: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/** parseArgs options of the commands that join labels. */
export const JOIN_OPTIONS = {
  labels: { type: 'string' },
  on: { type: 'string' },
  window: { type: 'string' },
  'min-match-rate': { type: 'string' },
  'max-keys-in-memory': { type: 'string' },
  'spill-dir': { type: 'string' },
} as const;

/** parseArgs options of the commands that decide positive/negative. */
export const DECISION_OPTIONS = {
  'positive-label': { type: 'string', multiple: true },
  threshold: { type: 'string' },
} as const;

export const SELECTION_USAGE = `  --model <name>          the model to read (default: the only model in the tree)
  --since <time>          predictions at or after this time
  --until <time>          predictions before this time (exclusive)
  --json                  print the full result as JSON`;

export const JOIN_USAGE = `  --labels <file>         labels: NDJSON or CSV (.csv), optionally .gz, with request_id and/or
                          entity_id, label and/or value, timestamp (default: the tree's
                          ml.feedback records)
  --on <key>              request_id (default) or entity_id (closest prediction in time)
  --window <duration>     entity join: largest |prediction time − label time| (default 1d)
  --min-match-rate <0-1>  warn (exit 1) when fewer labels find their prediction (default 0.9)
  --max-keys-in-memory <n> labels held in memory before the join spills to disk (default 1000000)
  --spill-dir <dir>       where spill files go (default: the OS temp directory)`;

export const DECISION_USAGE = `  --positive-label <v>    a label value meaning the positive class; repeat for several
                          (default: 1, true)
  --threshold <x>         decide positive when score >= x, replacing each record's own threshold
                          (records without one use 0.5)`;

export const TIME_USAGE = `Times are ISO 8601 (2026-01-31, 2026-01-31T12:00:00Z) or a time ago (-2h, -7d, -1w).`;

type Values = Record<string, string | boolean | string[] | undefined>;

function text(values: Values, key: string): string | undefined {
  const value = values[key];
  if (value === '') throw new UsageError(`--${key} needs a value`);
  return typeof value === 'string' ? value : undefined;
}

export function fractionArgument(flag: string, value: string): number {
  const n = Number(value);
  if (!/^\d*\.?\d+$/.test(value) || !(n >= 0 && n <= 1)) {
    throw new UsageError(`${flag} must be a number from 0 to 1 (got '${value}')`);
  }
  return n;
}

export function positiveIntegerArgument(flag: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`${flag} must be a positive whole number (got '${value}')`);
  }
  return n;
}

export function numberArgument(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new UsageError(`${flag} must be a number (got '${value}')`);
  return n;
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;
const DURATION_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `90s`, `30m`, `2h`, `1d`, `1w`. */
export function durationArgument(flag: string, value: string): number {
  const match = DURATION.exec(value);
  const ms = match === null ? Number.NaN : Number(match[1]) * (DURATION_MS[match[2] ?? 'ms'] ?? 1);
  if (!(ms >= 1) || !Number.isSafeInteger(Math.round(ms))) {
    throw new UsageError(`${flag} must be a duration like 30m, 2h, 1d (got '${value}')`);
  }
  return Math.round(ms);
}

/** A file named on the command line, resolved; a missing one is a usage error. */
export async function fileArgument(cwd: string, flag: string, file: string): Promise<string> {
  const absolute = path.resolve(cwd, file);
  let isFile: boolean;
  try {
    isFile = (await stat(absolute)).isFile();
  } catch (error) {
    throw new UsageError(
      `${flag}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    );
  }
  if (!isFile) throw new UsageError(`${flag}: ${file} is not a file`);
  return absolute;
}

/**
 * The tree, model and window. Without `--model`, the tree's only model is used; a tree with several
 * is a usage error unless `allModels` (stats reads each model on its own).
 */
export async function selectionArgument(
  cwd: string,
  dir: string,
  values: Values,
  options: { allModels?: boolean } = {},
): Promise<LogSelection> {
  const directory = await directoryArgument(cwd, dir);
  const now = Date.now();
  const sinceText = text(values, 'since');
  const untilText = text(values, 'until');
  const since = sinceText === undefined ? undefined : parseTimeArgument('--since', sinceText, now);
  const until = untilText === undefined ? undefined : parseTimeArgument('--until', untilText, now);
  if (since !== undefined && until !== undefined && since.getTime() >= until.getTime()) {
    throw new UsageError('--since must be earlier than --until');
  }
  let model = text(values, 'model');
  if (model === undefined && options.allModels !== true) {
    const { models } = await listPartitions(directory);
    if (models.length > 1) {
      throw new UsageError(
        `${dir} holds ${models.length} models (${models.slice(0, 5).map(terminalText).join(', ')}${models.length > 5 ? ', …' : ''}); choose one with --model`,
      );
    }
    model = models[0];
  }
  return { directory, model, since, until };
}

export async function labelSourceArgument(cwd: string, values: Values): Promise<LabelSource> {
  const file = text(values, 'labels');
  if (file === undefined) return { kind: 'feedback' };
  return { kind: 'file', file: await fileArgument(cwd, '--labels', file) };
}

/** The analytics configuration from the flags present; a value the schema refuses is a usage error. */
export function analyticsConfigArgument(values: Values, extra: AnalyticsConfigInput = {}): AnalyticsConfig {
  const join: Record<string, unknown> = { ...(extra.join ?? {}) };
  const classification: Record<string, unknown> = { ...(extra.classification ?? {}) };
  const on = text(values, 'on');
  if (on !== undefined) {
    if (on !== 'request_id' && on !== 'entity_id') {
      throw new UsageError(`--on must be request_id or entity_id (got '${on}')`);
    }
    join.on = on;
  }
  const window = text(values, 'window');
  if (window !== undefined) join.windowMs = durationArgument('--window', window);
  const minMatchRate = text(values, 'min-match-rate');
  if (minMatchRate !== undefined) join.minMatchRate = fractionArgument('--min-match-rate', minMatchRate);
  const maxKeys = text(values, 'max-keys-in-memory');
  if (maxKeys !== undefined) join.maxKeysInMemory = positiveIntegerArgument('--max-keys-in-memory', maxKeys);
  const spillDir = text(values, 'spill-dir');
  if (spillDir !== undefined) join.spillDirectory = spillDir;
  const positive = values['positive-label'];
  if (Array.isArray(positive) && positive.length > 0) classification.positiveLabels = positive;
  const threshold = text(values, 'threshold');
  if (threshold !== undefined) classification.thresholdOverride = numberArgument('--threshold', threshold);
  const parsed = analyticsConfigSchema.safeParse({ ...extra, join, classification });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${issue?.path.join('.') ?? 'option'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Runs an analysis; an input file of the wrong shape (labels, baseline) is a usage error. */
export async function withInputErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof InputFileError) throw new UsageError(error.message);
    throw error;
  }
}

// Control characters (C0, DEL, C1) and bidirectional overrides: printed, they could move the
// cursor or reorder the line.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** A value from the logs made safe for a terminal: as JSON when it holds a control character. */
export function terminalText(value: string): string {
  return UNSAFE.test(value) ? JSON.stringify(value) : value;
}

/** 4 significant digits, `–` for none; p-values below 1e-16 as `<1e-16`. */
export function figure(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-4) return value.toExponential(2);
  return Number(value.toPrecision(digits)).toString();
}

export function pValue(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value < 1e-16 ? '<1e-16' : figure(value, 2);
}

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? '–'
    : `${(value * 100).toFixed(2)}%`;
}

export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** JSON with NaN and ±Infinity as null (JSON.stringify would write null anyway, but say so). */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, (_key, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}

/**
 * The warning for a classification evaluation in which no label read as positive (string labels
 * such as "fraud"/"legit" without --positive-label): AUC and recall are then undefined and
 * precision is 0, which would otherwise pass for a result. Undefined when some label is positive.
 */
export function noPositiveLabelWarning(
  report: Pick<EvaluationReport, 'task' | 'labels'>,
  positiveLabels: readonly string[],
): string | undefined {
  const labels = report.labels;
  if (report.task !== 'classification' || labels === null || labels.positiveCount > 0) return undefined;
  const seen = labels.values.map((v) => `${JSON.stringify(v.value)} (${count(v.count)})`);
  if (labels.other.count > 0) seen.push(`other values (${count(labels.other.count)})`);
  if (seen.length === 0) return undefined;
  const positives = positiveLabels.map((label) => JSON.stringify(label)).join(', ');
  return `labels seen: ${seen.join(', ')}; none is positive (positive labels: ${positives}) — pass --positive-label`;
}
