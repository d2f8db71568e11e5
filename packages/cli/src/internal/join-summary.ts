import type { LabelJoinReport, ReadStats } from '@predlog/analytics';
import { bytes, count, percent } from './analytics-arguments.ts';

/** The join's figures as the lines `predlog join` and `predlog evaluate` print. */
export function joinSummaryLines(report: LabelJoinReport): string[] {
  const l = report.labels;
  const extras = [
    l.duplicates > 0 ? `${count(l.duplicates)} duplicates (latest kept)` : '',
    l.invalid > 0 ? `${count(l.invalid)} invalid` : '',
    l.withoutKey > 0
      ? `${count(l.withoutKey)} without ${report.on === 'entity_id' ? 'entity id or time' : 'request id'}`
      : '',
    l.skipped > 0 ? `${count(l.skipped)} of another event` : '',
  ].filter((s) => s !== '');
  const on =
    report.on === 'entity_id'
      ? `entity_id, closest prediction within ±${durationText(report.windowMs ?? 0)}`
      : 'request_id';
  const spill =
    report.spill === null
      ? 'in memory'
      : `spilled to disk: ${report.spill.partitions} partitions, ${report.spill.levels} level(s), ${bytes(report.spill.bytes)}`;
  return [
    `labels       ${count(l.read)} read, ${count(l.used)} used, ${count(l.matched)} matched: match rate ${percent(report.matchRate)}${extras.length > 0 ? ` (${extras.join(', ')})` : ''}`,
    `predictions  ${count(report.predictions.count)} read (${count(report.predictions.weight)} weighted), ${count(report.joined.count)} joined: coverage ${percent(report.coverage)} weighted`,
    `join         on ${on}, ${spill}`,
  ];
}

/**
 * A warning line when the match rate is under the minimum, or undefined. With a window, labels of
 * predictions outside it count as unmatched too, which the line says.
 */
export function matchRateWarning(report: LabelJoinReport, windowed: boolean): string | undefined {
  if (!report.belowMinimum) return undefined;
  if (report.matchRate === null) return 'warning: no labels to join';
  const outside = windowed
    ? ', or made before --since / after --until: labels of those count as unmatched'
    : '';
  return `warning: label match rate ${percent(report.matchRate)} is below the minimum ${percent(report.minMatchRate)}: labels whose prediction is missing (not logged, sampled out, keyed differently${outside})`;
}

/** Skipped lines and unreadable files, which may hide records. */
export function readWarning(stats: ReadStats): string | undefined {
  const parts: string[] = [];
  if (stats.unreadableFiles > 0) parts.push(`${stats.unreadableFiles} unreadable file(s)`);
  if (stats.invalidLines > 0) parts.push(`${stats.invalidLines} line(s) that are not records`);
  return parts.length === 0 ? undefined : `warning: skipped ${parts.join(' and ')}`;
}

function durationText(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
