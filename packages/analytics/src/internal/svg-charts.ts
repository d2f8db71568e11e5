import type { CalibrationBin } from '../classification-metrics.ts';
import { type AxisOptions, type AxisScale, axisScale } from './chart-axis.ts';
import { escapeHtml, formatFigure } from './html-text.ts';

/**
 * Small inline SVG charts for the HTML report: no script, no external reference, every label
 * escaped (feature names and categories come from the logs). Each chart carries `data-chart` (what
 * it shows) so a test can find it in the rendered page.
 */

const WIDE = 720;
const HEIGHT = 260;
const MARGIN = { top: 32, right: 30, bottom: 50, left: 60 };
/** Small multiples: two per row on a wide screen. */
const SMALL = { width: 520, height: 220, top: 30, right: 16, bottom: 40, left: 58 };
/** Space between the y axis and the first (and after the last) point of a line chart. */
const INSET = 16;
const COLORS = {
  baseline: '#8c9bab',
  current: '#2a6fdb',
  none: '#3a9d5d',
  moderate: '#e0a400',
  significant: '#d64545',
};
/** Line colours of a breakdown's values (heaviest first), distinguishable and print-safe. */
export const SERIES_COLORS = [
  '#2a6fdb',
  '#d64545',
  '#3a9d5d',
  '#e0a400',
  '#8a4fd1',
  '#1aa3a3',
  '#c2185b',
  '#6d4c41',
  '#546e7a',
  '#7cb342',
] as const;

function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const exponent = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * exponent >= value) return step * exponent;
  return 10 * exponent;
}

function svgOpen(chart: string, label: string, width: number, height: number): string {
  return `<svg class="chart" data-chart="${escapeHtml(chart)}" role="img" aria-label="${escapeHtml(label)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">`;
}

/** Horizontal grid lines with their tick labels (class `y-tick`), and the axis line. */
function yAxis(
  scale: Pick<AxisScale, 'ticks' | 'labels'>,
  left: number,
  right: number,
  top: number,
  bottom: number,
  toY: (v: number) => number,
): string {
  const parts: string[] = [];
  scale.ticks.forEach((value, i) => {
    const y = toY(value).toFixed(1);
    parts.push(
      `<line x1="${left}" x2="${right}" y1="${y}" y2="${y}" class="grid"/>`,
      `<text x="${left - 6}" y="${y}" class="tick y-tick" text-anchor="end" dominant-baseline="middle">${escapeHtml(scale.labels[i] ?? '')}</text>`,
    );
  });
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${bottom}" class="axis"/>`);
  return parts.join('');
}

export interface TrendSeries {
  readonly name: string;
  readonly color: string;
  /** One value per point label; null where there is none (a gap in the line). */
  readonly values: ReadonlyArray<number | null>;
}

export interface TrendChartOptions {
  /** `data-chart` id, e.g. `trend-precision`. */
  readonly chart: string;
  readonly title: string;
  /** The x labels: one per period. */
  readonly labels: readonly string[];
  readonly series: readonly TrendSeries[];
  readonly axis: AxisOptions;
  /** The first `shaded` periods (the baseline) sit on a grey band. */
  readonly shaded?: number;
}

/**
 * A small line chart over ordered periods with an auto-scaled y axis (see `axisScale`), one line
 * per series, gaps where a value is null.
 */
export function trendChart(options: TrendChartOptions): string {
  const { labels, series, title } = options;
  const all = series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v));
  if (all.length === 0) return `<p class="empty">${escapeHtml(title)}: no values in this window.</p>`;
  const { width, height, top, right, bottom, left } = SMALL;
  const plotHeight = height - top - bottom;
  const scale = axisScale(all, options.axis);
  const span = width - left - right - 2 * INSET;
  const toX = (i: number) =>
    left + INSET + (labels.length === 1 ? span / 2 : (span * i) / (labels.length - 1));
  const toY = (v: number) => top + plotHeight - ((v - scale.min) / (scale.max - scale.min || 1)) * plotHeight;
  const format = (v: number) =>
    options.axis.percent === true ? `${formatFigure(v * 100, 3)}%` : formatFigure(v);
  const lines: string[] = [];
  for (const s of series) {
    const segments: string[] = [];
    let current: string[] = [];
    const dots: string[] = [];
    s.values.forEach((value, i) => {
      if (value === null || !Number.isFinite(value)) {
        if (current.length > 1) segments.push(current.join(' '));
        current = [];
        return;
      }
      const x = toX(i).toFixed(1);
      const y = toY(value).toFixed(1);
      current.push(`${x},${y}`);
      dots.push(
        `<circle cx="${x}" cy="${y}" r="2.5" fill="${s.color}"><title>${escapeHtml(`${s.name} ${labels[i] ?? ''}: ${format(value)}`)}</title></circle>`,
      );
    });
    if (current.length > 1) segments.push(current.join(' '));
    lines.push(
      `<g class="series" data-series="${escapeHtml(s.name)}">${segments.map((p) => `<polyline points="${p}" class="line" style="stroke:${s.color}"/>`).join('')}${dots.join('')}</g>`,
    );
  }
  const every = Math.max(1, Math.ceil(labels.length / 7));
  const xLabels = labels
    .map((label, i) =>
      i % every === 0
        ? `<text x="${toX(i).toFixed(1)}" y="${height - bottom + 16}" class="tick x-tick" text-anchor="middle">${escapeHtml(label)}</text>`
        : '',
    )
    .join('');
  let band = '';
  const shaded = options.shaded ?? 0;
  if (shaded > 0) {
    const end = shaded >= labels.length ? width - right : (toX(shaded - 1) + toX(shaded)) / 2;
    band = `<rect x="${left}" y="${top}" width="${(end - left).toFixed(1)}" height="${plotHeight}" class="baseline-band"/><text x="${left + 4}" y="${top + 12}" class="tick">baseline</text>`;
  }
  return [
    svgOpen(options.chart, title, width, height),
    band,
    `<text x="${left}" y="16" class="title">${escapeHtml(title)}</text>`,
    yAxis(scale, left, width - right, top, top + plotHeight, toY),
    ...lines,
    xLabels,
    '</svg>',
  ].join('');
}

export interface CalibrationSeries {
  readonly name: string;
  readonly color: string;
  readonly bins: readonly CalibrationBin[];
}

/**
 * Reliability diagram: per score bin, the observed positive rate against the mean score, with the
 * diagonal of perfect calibration. Both axes share one auto-scaled range from 0, so the diagonal
 * stays at 45° while scores that never pass 0.2 still fill the chart.
 */
export function reliabilityDiagram(
  chart: string,
  title: string,
  series: readonly CalibrationSeries[],
): string {
  const points = series.flatMap((s) => s.bins.flatMap((b) => [b.meanScore, b.positiveRate]));
  if (points.length === 0)
    return `<p class="empty">${escapeHtml(title)}: no scored, labelled predictions.</p>`;
  const width = SMALL.width;
  const height = 320;
  const { top, left } = SMALL;
  const right = 150;
  const bottom = 44;
  const size = Math.min(width - left - right, height - top - bottom);
  const scale = axisScale(points, { unitInterval: true, include: 0 });
  const toX = (v: number) => left + ((v - scale.min) / (scale.max - scale.min)) * size;
  const toY = (v: number) => top + size - ((v - scale.min) / (scale.max - scale.min)) * size;
  const xTicks = scale.ticks
    .map(
      (value, i) =>
        `<line x1="${toX(value).toFixed(1)}" x2="${toX(value).toFixed(1)}" y1="${top}" y2="${top + size}" class="grid"/><text x="${toX(value).toFixed(1)}" y="${top + size + 16}" class="tick x-tick" text-anchor="middle">${escapeHtml(scale.labels[i] ?? '')}</text>`,
    )
    .join('');
  const diagonal = `<line x1="${toX(scale.min)}" y1="${toY(scale.min)}" x2="${toX(scale.max).toFixed(1)}" y2="${toY(scale.max).toFixed(1)}" class="limit"/>`;
  const lines = series.map((s) => {
    const path = s.bins
      .map((b) => `${toX(b.meanScore).toFixed(1)},${toY(b.positiveRate).toFixed(1)}`)
      .join(' ');
    const total = s.bins.reduce((sum, b) => sum + b.weight, 0);
    const dots = s.bins
      .map((b) => {
        // Dot area follows the bin's share of the predictions, so sparse bins read as such.
        const r = (2 + 6 * Math.sqrt(total > 0 ? b.weight / total : 0)).toFixed(1);
        return `<circle cx="${toX(b.meanScore).toFixed(1)}" cy="${toY(b.positiveRate).toFixed(1)}" r="${r}" fill="${s.color}" fill-opacity="0.75"><title>${escapeHtml(`${s.name} scores ${formatFigure(b.lower, 2)}–${formatFigure(b.upper, 2)}: mean score ${formatFigure(b.meanScore, 3)}, positive rate ${formatFigure(b.positiveRate, 3)}, ${Math.round(b.weight).toLocaleString('en-US')} predictions`)}</title></circle>`;
      })
      .join('');
    return `<g class="series" data-series="${escapeHtml(s.name)}"><polyline points="${path}" class="line" style="stroke:${s.color}"/>${dots}</g>`;
  });
  const legend = series
    .map(
      (s, i) =>
        `<rect x="${left + size + 20}" y="${top + 6 + i * 18}" width="10" height="10" fill="${s.color}"/><text x="${left + size + 36}" y="${top + 15 + i * 18}" class="tick">${escapeHtml(s.name)}</text>`,
    )
    .join('');
  return [
    svgOpen(chart, title, width, height),
    `<text x="${left}" y="16" class="title">${escapeHtml(title)}</text>`,
    xTicks,
    yAxis(scale, left, left + size, top, top + size, toY),
    `<line x1="${left}" x2="${left + size}" y1="${top + size}" y2="${top + size}" class="axis"/>`,
    diagonal,
    ...lines,
    legend,
    `<text x="${left + size / 2}" y="${height - 6}" class="tick" text-anchor="middle">mean predicted score</text>`,
    `<text x="${left + size + 20}" y="${top + size}" class="tick">perfect: dashed</text>`,
    '</svg>',
  ].join('');
}

/** Baseline and current shares per bin, side by side, with a legend. */
export function pairedHistogram(
  title: string,
  binLabels: readonly string[],
  baseline: readonly number[],
  current: readonly number[],
): string {
  const plotWidth = WIDE - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const scale = axisScale([...baseline, ...current], { include: 0, percent: true, unitInterval: true });
  const max = scale.max > 0 ? scale.max : niceMax(Math.max(...baseline, ...current, 0));
  const toY = (v: number) => MARGIN.top + plotHeight - (v / max) * plotHeight;
  const slot = plotWidth / Math.max(1, binLabels.length);
  const bar = Math.max(1, slot * 0.4);
  const bars: string[] = [];
  binLabels.forEach((label, i) => {
    const x0 = MARGIN.left + i * slot + slot * 0.1;
    for (const [k, values, cls] of [
      [0, baseline, 'baseline'],
      [1, current, 'current'],
    ] as const) {
      const value = values[i] ?? 0;
      const y = toY(value);
      bars.push(
        `<rect x="${(x0 + k * bar).toFixed(1)}" y="${y.toFixed(1)}" width="${bar.toFixed(1)}" height="${(MARGIN.top + plotHeight - y).toFixed(1)}" class="bar-${cls}"><title>${escapeHtml(`${label} ${cls}: ${formatFigure(value * 100, 3)}%`)}</title></rect>`,
      );
    }
  });
  const every = Math.max(1, Math.ceil(binLabels.length / 10));
  const labels = binLabels
    .map((label, i) =>
      i % every === 0
        ? `<text x="${(MARGIN.left + i * slot + slot / 2).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 16}" class="tick x-tick" text-anchor="middle">${escapeHtml(label)}</text>`
        : '',
    )
    .join('');
  const legend = `<rect x="${WIDE - 200}" y="6" width="10" height="10" class="bar-baseline"/><text x="${WIDE - 186}" y="15" class="tick">baseline</text><rect x="${WIDE - 120}" y="6" width="10" height="10" class="bar-current"/><text x="${WIDE - 106}" y="15" class="tick">current</text>`;
  return [
    svgOpen('score-histogram', title, WIDE, HEIGHT),
    `<text x="${MARGIN.left}" y="14" class="title">${escapeHtml(title)}</text>`,
    yAxis(scale, MARGIN.left, WIDE - MARGIN.right, MARGIN.top, MARGIN.top + plotHeight, toY),
    ...bars,
    labels,
    legend,
    '</svg>',
  ].join('');
}

export interface BarItem {
  readonly label: string;
  readonly value: number;
  readonly band: 'none' | 'moderate' | 'significant';
}

/** Horizontal bars (PSI per feature) with dashed lines at the band limits. */
export function bandBars(title: string, items: readonly BarItem[], limits: readonly number[]): string {
  const rowHeight = 18;
  const height = MARGIN.top + 20 + items.length * rowHeight + 30;
  const labelWidth = 200;
  const plotLeft = labelWidth + 10;
  const plotWidth = WIDE - plotLeft - MARGIN.right - 70;
  const max = niceMax(Math.max(...items.map((i) => i.value), ...limits) * 1.05);
  const toX = (v: number) => plotLeft + (Math.min(max, Math.max(0, v)) / max) * plotWidth;
  const rows = items.map((item, i) => {
    const y = MARGIN.top + 20 + i * rowHeight;
    const label = item.label.length > 30 ? `${item.label.slice(0, 29)}…` : item.label;
    return [
      `<text x="${labelWidth}" y="${y + rowHeight / 2}" class="tick" text-anchor="end" dominant-baseline="middle">${escapeHtml(label)}</text>`,
      `<rect x="${plotLeft}" y="${y + 3}" width="${Math.max(1, toX(item.value) - plotLeft).toFixed(1)}" height="${rowHeight - 6}" fill="${COLORS[item.band]}"><title>${escapeHtml(`${item.label}: PSI ${formatFigure(item.value)}`)}</title></rect>`,
      `<text x="${WIDE - MARGIN.right}" y="${y + rowHeight / 2}" class="tick" text-anchor="end" dominant-baseline="middle">${escapeHtml(formatFigure(item.value, 3))}</text>`,
    ].join('');
  });
  const bottom = MARGIN.top + 20 + items.length * rowHeight;
  const lines = limits.map(
    (limit) =>
      `<line x1="${toX(limit).toFixed(1)}" x2="${toX(limit).toFixed(1)}" y1="${MARGIN.top + 14}" y2="${bottom}" class="limit"/><text x="${toX(limit).toFixed(1)}" y="${bottom + 14}" class="tick" text-anchor="middle">${escapeHtml(formatFigure(limit))}</text>`,
  );
  return [
    svgOpen('psi', title, WIDE, height),
    `<text x="${MARGIN.left}" y="14" class="title">${escapeHtml(title)}</text>`,
    ...rows,
    ...lines,
    '</svg>',
  ].join('');
}
