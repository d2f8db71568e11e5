import type { TargetResult } from './targets.ts';

export type Cell = string | number;

/** A plain-text table: numbers right-aligned, text left-aligned, a rule under the header. */
export function renderTable(headers: readonly string[], rows: ReadonlyArray<readonly Cell[]>): string {
  const text = rows.map((row) => row.map((cell) => (typeof cell === 'number' ? formatNumber(cell) : cell)));
  const widths = headers.map((header, col) =>
    Math.max(header.length, ...text.map((row) => (row[col] ?? '').length)),
  );
  const numeric = headers.map(
    (_, col) => rows.length > 0 && rows.every((row) => typeof row[col] === 'number'),
  );
  const line = (cells: readonly string[], forceLeft = false) =>
    cells
      .map((cell, col) => {
        const width = widths[col] ?? 0;
        return numeric[col] && !forceLeft ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [
    line(headers, true),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...text.map((row) => line(row)),
  ].join('\n');
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value.toLocaleString('en-US', { maximumFractionDigits: Math.abs(value) < 10 ? 3 : 1 });
}

/** Nanoseconds as ns or µs, whichever reads better. */
export function formatNs(ns: number): string {
  if (ns < 10_000) return `${Math.round(ns)} ns`;
  if (ns < 10_000_000) return `${(ns / 1000).toFixed(1)} µs`;
  return `${(ns / 1e6).toFixed(1)} ms`;
}

export function formatRate(perSecond: number): string {
  return `${Math.round(perSecond).toLocaleString('en-US')}/s`;
}

export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(3)}x` : String(ratio);
}

export function renderTargets(targets: readonly TargetResult[]): string {
  return renderTable(
    ['target', 'subject', 'peer', 'ratio', 'result'],
    targets.map((t) => [
      t.description,
      `${formatFigure(t.subject.value, t.unit)}`,
      `${formatFigure(t.peer.value, t.unit)}`,
      t.kind === 'ratio' ? formatRatio(t.ratio) : '-',
      t.pass ? 'PASS' : 'MISS',
    ]),
  );
}

function formatFigure(value: number, unit: string): string {
  if (unit === 'ns') return formatNs(value);
  if (unit === 'records/s') return formatRate(value);
  return `${formatNumber(value)} ${unit}`;
}
