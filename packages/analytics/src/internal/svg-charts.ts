import { escapeHtml, formatFigure } from './html-text.ts';

/**
 * Small inline SVG charts for the HTML report: no script, no external reference, every label
 * escaped (feature names and categories come from the logs).
 */

const WIDTH = 720;
const HEIGHT = 260;
const MARGIN = { top: 32, right: 30, bottom: 50, left: 60 };
/** Space between the y axis and the first (and after the last) point of a line chart. */
const INSET = 24;
const COLORS = {
  baseline: '#8c9bab',
  current: '#2a6fdb',
  none: '#3a9d5d',
  moderate: '#e0a400',
  significant: '#d64545',
};

function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const exponent = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * exponent >= value) return step * exponent;
  return 10 * exponent;
}

function svgOpen(label: string, height = HEIGHT): string {
  return `<svg class="chart" role="img" aria-label="${escapeHtml(label)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}">`;
}

function yAxis(min: number, max: number, plotHeight: number, toY: (v: number) => number): string {
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const value = min + ((max - min) * i) / 4;
    const y = toY(value).toFixed(1);
    parts.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y}" y2="${y}" class="grid"/>`,
      `<text x="${MARGIN.left - 6}" y="${y}" class="tick" text-anchor="end" dominant-baseline="middle">${escapeHtml(formatFigure(value, 3))}</text>`,
    );
  }
  parts.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight}" class="axis"/>`,
  );
  return parts.join('');
}

export interface LinePoint {
  readonly label: string;
  readonly value: number | null;
}

/**
 * A line over ordered points (days); gaps where a value is null. The first `shaded` points (the
 * baseline days) sit on a grey band.
 */
export function lineChart(
  title: string,
  points: readonly LinePoint[],
  fixedRange?: [number, number],
  shaded = 0,
): string {
  const values = points.map((p) => p.value).filter((v): v is number => v !== null && Number.isFinite(v));
  if (values.length === 0) return `<p class="empty">${escapeHtml(title)}: no values in this window.</p>`;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  let [min, max] = fixedRange ?? [Math.min(...values), Math.max(...values)];
  if (fixedRange === undefined) {
    const pad = (max - min) * 0.1 || Math.abs(max) * 0.1 || 1;
    min -= pad;
    max += pad;
  }
  const span = plotWidth - 2 * INSET;
  const toX = (i: number) =>
    MARGIN.left + INSET + (points.length === 1 ? span / 2 : (span * i) / (points.length - 1));
  const toY = (v: number) => MARGIN.top + plotHeight - ((v - min) / (max - min)) * plotHeight;
  const segments: string[] = [];
  let current: string[] = [];
  const dots: string[] = [];
  points.forEach((point, i) => {
    if (point.value === null || !Number.isFinite(point.value)) {
      if (current.length > 1) segments.push(current.join(' '));
      current = [];
      return;
    }
    const x = toX(i).toFixed(1);
    const y = toY(point.value).toFixed(1);
    current.push(`${x},${y}`);
    dots.push(
      `<circle cx="${x}" cy="${y}" r="3" class="dot"><title>${escapeHtml(`${point.label}: ${formatFigure(point.value)}`)}</title></circle>`,
    );
  });
  if (current.length > 1) segments.push(current.join(' '));
  const every = Math.max(1, Math.ceil(points.length / 10));
  const labels = points
    .map((point, i) =>
      i % every === 0
        ? `<text x="${toX(i).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 16}" class="tick" text-anchor="middle">${escapeHtml(point.label)}</text>`
        : '',
    )
    .join('');
  let band = '';
  if (shaded > 0) {
    const end = shaded >= points.length ? WIDTH - MARGIN.right : (toX(shaded - 1) + toX(shaded)) / 2;
    band = `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${(end - MARGIN.left).toFixed(1)}" height="${plotHeight}" class="baseline-band"/><text x="${MARGIN.left + 4}" y="${MARGIN.top + 12}" class="tick">baseline</text>`;
  }
  return [
    svgOpen(title),
    band,
    `<text x="${MARGIN.left}" y="14" class="title">${escapeHtml(title)}</text>`,
    yAxis(min, max, plotHeight, toY),
    ...segments.map((s) => `<polyline points="${s}" class="line"/>`),
    ...dots,
    labels,
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
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const max = niceMax(Math.max(...baseline, ...current, 0));
  const toY = (v: number) => MARGIN.top + plotHeight - (v / max) * plotHeight;
  const slot = plotWidth / Math.max(1, binLabels.length);
  const bar = Math.max(1, slot * 0.4);
  const bars: string[] = [];
  binLabels.forEach((label, i) => {
    const x0 = MARGIN.left + i * slot + slot * 0.1;
    for (const [k, series, cls] of [
      [0, baseline, 'baseline'],
      [1, current, 'current'],
    ] as const) {
      const value = series[i] ?? 0;
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
        ? `<text x="${(MARGIN.left + i * slot + slot / 2).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 16}" class="tick" text-anchor="middle">${escapeHtml(label)}</text>`
        : '',
    )
    .join('');
  const legend = `<rect x="${WIDTH - 200}" y="6" width="10" height="10" class="bar-baseline"/><text x="${WIDTH - 186}" y="15" class="tick">baseline</text><rect x="${WIDTH - 120}" y="6" width="10" height="10" class="bar-current"/><text x="${WIDTH - 106}" y="15" class="tick">current</text>`;
  return [
    svgOpen(title),
    `<text x="${MARGIN.left}" y="14" class="title">${escapeHtml(title)}</text>`,
    yAxis(0, max, plotHeight, toY),
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
  const plotWidth = WIDTH - plotLeft - MARGIN.right - 70;
  const max = niceMax(Math.max(...items.map((i) => i.value), ...limits) * 1.05);
  const toX = (v: number) => plotLeft + (Math.max(0, v) / max) * plotWidth;
  const rows = items.map((item, i) => {
    const y = MARGIN.top + 20 + i * rowHeight;
    const label = item.label.length > 30 ? `${item.label.slice(0, 29)}…` : item.label;
    return [
      `<text x="${labelWidth}" y="${y + rowHeight / 2}" class="tick" text-anchor="end" dominant-baseline="middle">${escapeHtml(label)}</text>`,
      `<rect x="${plotLeft}" y="${y + 3}" width="${Math.max(1, toX(item.value) - plotLeft).toFixed(1)}" height="${rowHeight - 6}" fill="${COLORS[item.band]}"><title>${escapeHtml(`${item.label}: PSI ${formatFigure(item.value)}`)}</title></rect>`,
      `<text x="${WIDTH - MARGIN.right}" y="${y + rowHeight / 2}" class="tick" text-anchor="end" dominant-baseline="middle">${escapeHtml(formatFigure(item.value, 3))}</text>`,
    ].join('');
  });
  const bottom = MARGIN.top + 20 + items.length * rowHeight;
  const lines = limits.map(
    (limit) =>
      `<line x1="${toX(limit).toFixed(1)}" x2="${toX(limit).toFixed(1)}" y1="${MARGIN.top + 14}" y2="${bottom}" class="limit"/><text x="${toX(limit).toFixed(1)}" y="${bottom + 14}" class="tick" text-anchor="middle">${escapeHtml(formatFigure(limit))}</text>`,
  );
  return [
    svgOpen(title, height),
    `<text x="${MARGIN.left}" y="14" class="title">${escapeHtml(title)}</text>`,
    ...rows,
    ...lines,
    '</svg>',
  ].join('');
}
