import type { AxisOptions } from './internal/chart-axis.ts';
import { escapeHtml, formatFigure } from './internal/html-text.ts';
import {
  bandBars,
  type CalibrationSeries,
  pairedHistogram,
  reliabilityDiagram,
  SERIES_COLORS,
  trendChart,
} from './internal/svg-charts.ts';
import type { ProxySignalSection } from './proxy-signal-section.ts';
import type { CohortBreakdown, DailyPoint, PointMetrics, ReportData } from './report-data.ts';

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2733;max-width:1100px;margin:24px auto;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde3ea;padding-bottom:4px}
.meta{color:#5b6b7c;margin:0 0 16px}.empty{color:#5b6b7c;font-style:italic}.note{color:#5b6b7c;margin:4px 0}
table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}th,td{padding:3px 10px;text-align:right;border-bottom:1px solid #eef1f4}
th:first-child,td:first-child{text-align:left}th{color:#5b6b7c;font-weight:600}
.band-none{color:#3a9d5d}.band-moderate{color:#b07f00;font-weight:600}.band-significant{color:#d64545;font-weight:700}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:4px 24px;align-items:start}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin:6px 0;color:#1d2733}.legend i{display:inline-block;width:12px;height:3px;margin-right:6px;vertical-align:middle}
svg.chart{display:block;margin:8px 0;max-width:100%;height:auto}
svg .grid{stroke:#eef1f4}svg .axis{stroke:#9aa8b6}svg .tick{font-size:11px;fill:#5b6b7c}svg .title{font-size:13px;font-weight:600;fill:#1d2733}
svg .line{fill:none;stroke:#2a6fdb;stroke-width:2}svg .limit{stroke:#5b6b7c;stroke-dasharray:4 3}
svg .bar-baseline{fill:#8c9bab}svg .bar-current{fill:#2a6fdb}svg .baseline-band{fill:#f1f3f6}
`;

function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, chart?: string): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.join('')}</tr>`).join('');
  const id = chart === undefined ? '' : ` data-table="${escapeHtml(chart)}"`;
  return `<table${id}><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

const cell = (text: string, cls?: string) =>
  `<td${cls === undefined ? '' : ` class="${cls}"`}>${escapeHtml(text)}</td>`;

const percent = (value: number | null | undefined) =>
  value === null || value === undefined || !Number.isFinite(value) ? '–' : `${formatFigure(value * 100, 3)}%`;

const count = (value: number) => Math.round(value).toLocaleString('en-US');

/** What a trend point offers a metric: its volumes and, with labels, its labelled figures. */
interface TrendSource {
  positiveRate: number | null;
  meanScore?: number | null;
  metrics: PointMetrics | null;
}

interface MetricView {
  readonly key: string;
  readonly title: string;
  /** Column header in the breakdown tables. */
  readonly short?: string;
  readonly read: (point: TrendSource) => number | null | undefined;
  readonly axis: AxisOptions;
}

const rate: AxisOptions = { percent: true, unitInterval: true };
const unit: AxisOptions = { unitInterval: true };

const CLASSIFICATION_VIEWS: readonly MetricView[] = [
  { key: 'auc', title: 'AUC-ROC', short: 'AUC', read: (p) => p.metrics?.auc, axis: unit },
  { key: 'precision', title: 'Precision', read: (p) => p.metrics?.precision, axis: unit },
  { key: 'recall', title: 'Recall', read: (p) => p.metrics?.recall, axis: unit },
  { key: 'f1', title: 'F1', read: (p) => p.metrics?.f1, axis: unit },
  { key: 'ece', title: 'Expected calibration error', short: 'ECE', read: (p) => p.metrics?.ece, axis: unit },
  {
    key: 'actual-rate',
    title: 'Actual positive rate (labels)',
    read: (p) => p.metrics?.actualPositiveRate,
    axis: rate,
  },
];

const REGRESSION_VIEWS: readonly MetricView[] = [
  { key: 'mae', title: 'MAE', read: (p) => p.metrics?.mae, axis: { nonNegative: true } },
  { key: 'rmse', title: 'RMSE', read: (p) => p.metrics?.rmse, axis: { nonNegative: true } },
  { key: 'bias', title: 'Bias (mean error)', read: (p) => p.metrics?.bias, axis: {} },
];

const DECISION_VIEW: MetricView = {
  key: 'positive-rate',
  title: 'Positive decision rate',
  read: (p) => p.positiveRate,
  axis: rate,
};
const SCORE_VIEW: MetricView = {
  key: 'mean-score',
  title: 'Mean score',
  read: (p) => p.meanScore,
  axis: unit,
};

function labelledViews(data: ReportData): readonly MetricView[] {
  const task = data.evaluation?.task ?? null;
  return task === 'classification' ? CLASSIFICATION_VIEWS : task === 'regression' ? REGRESSION_VIEWS : [];
}

const hasValues = (view: MetricView, points: readonly TrendSource[]) =>
  points.some((p) => {
    const v = view.read(p);
    return v !== null && v !== undefined && Number.isFinite(v);
  });

/** `03-04` for a day, `03-04 13h` for an hour. */
function periodLabel(date: string): string {
  return date.length > 10 ? `${date.slice(5, 10)} ${date.slice(11, 13)}h` : date.slice(5);
}

function leadingBaseline(daily: readonly DailyPoint[]): number {
  let n = 0;
  while (n < daily.length && (daily[n] as DailyPoint).baseline) n++;
  return n;
}

function summarySection(data: ReportData): string {
  const { baseline, current } = data.windows;
  const rows: string[][] = [];
  const add = (
    name: string,
    read: (w: NonNullable<typeof baseline>) => number | null | undefined,
    format: (v: number | null | undefined) => string,
  ) => {
    const then = baseline === null ? null : read(baseline);
    const now = read(current);
    const change =
      then === null || then === undefined || now === null || now === undefined ? null : now - then;
    rows.push([
      cell(name),
      cell(baseline === null ? '–' : format(then)),
      cell(format(now)),
      cell(change === null ? '–' : `${change > 0 ? '+' : ''}${format(change)}`),
    ]);
  };
  add(
    'predictions (weighted)',
    (w) => w.weight,
    (v) => (v === null || v === undefined ? '–' : count(v)),
  );
  add('positive decision rate', (w) => w.positiveRate, percent);
  const task = data.evaluation?.task ?? null;
  if (task !== null)
    add(
      'labelled predictions',
      (w) => w.metrics?.labelled ?? 0,
      (v) => count(v ?? 0),
    );
  for (const view of labelledViews(data)) {
    add(view.title, (w) => view.read(w), view.axis.percent === true ? percent : (v) => formatFigure(v));
  }
  const labelsNote =
    data.evaluation === null
      ? '<p class="note">No labels joined: the trends show the decisions and scores only.</p>'
      : `<p class="note">Label match rate ${escapeHtml(percent(data.evaluation.join.matchRate))}, coverage ${escapeHtml(percent(data.evaluation.join.coverage))} of the predictions.</p>`;
  return `<h2>Baseline against current</h2>${table(['', 'baseline', 'current', 'change'], rows, 'summary')}${labelsNote}`;
}

function trendSection(data: ReportData): string {
  const labels = data.daily.map((d) => periodLabel(d.date));
  const shaded = leadingBaseline(data.daily);
  const views = [...labelledViews(data), DECISION_VIEW, SCORE_VIEW].filter((v) => hasValues(v, data.daily));
  const charts = views.map((view) =>
    trendChart({
      chart: `trend-${view.key}`,
      title: `${view.title} per ${data.period}`,
      labels,
      series: [{ name: 'all', color: SERIES_COLORS[0], values: data.daily.map((d) => view.read(d) ?? null) }],
      axis: view.axis,
      shaded,
    }),
  );
  const body =
    charts.length === 0
      ? '<p class="empty">No predictions in this window.</p>'
      : `<div class="grid">${charts.join('')}</div>`;
  return `<h2>Trends per ${data.period}</h2><p class="note">Each axis is scaled to its values; the shaded ${data.period}s are the baseline.</p>${body}`;
}

function calibrationSection(data: ReportData): string {
  if (data.evaluation?.task !== 'classification') return '';
  const series: CalibrationSeries[] = [];
  const { baseline, current } = data.windows;
  if (baseline?.calibration && baseline.calibration.length > 0) {
    series.push({
      name: `baseline (ECE ${formatFigure(baseline.metrics?.ece, 3)})`,
      color: '#8c9bab',
      bins: baseline.calibration,
    });
  }
  if (current.calibration && current.calibration.length > 0) {
    series.push({
      name: `current (ECE ${formatFigure(current.metrics?.ece, 3)})`,
      color: SERIES_COLORS[0],
      bins: current.calibration,
    });
  }
  return `<h2>Calibration</h2><p class="note">Per score bin, the share of actual positives against the mean score; a calibrated model follows the dashed diagonal. Dot size: the bin's share of the predictions.</p>${reliabilityDiagram('calibration', 'Reliability diagram', series)}`;
}

function breakdownSection(data: ReportData, breakdown: CohortBreakdown, maxSeries: number): string {
  const name = breakdown.dimension === 'version' ? 'model version' : breakdown.dimension;
  const task = data.evaluation?.task ?? null;
  const views = labelledViews(data).filter((v) => v.key !== 'actual-rate' && v.key !== 'auc');
  const headers = [name, 'predictions', 'positive rate'];
  const columns = labelledViews(data).filter((v) => v.key !== 'actual-rate');
  if (task !== null) headers.push('labelled', ...columns.map((v) => v.short ?? v.title));
  const rows = breakdown.values.map((v) => {
    const row = [cell(v.value), cell(count(v.weight)), cell(percent(v.positiveRate))];
    if (task !== null) {
      row.push(cell(count(v.metrics?.labelled ?? 0)));
      for (const view of columns) row.push(cell(formatFigure(view.read(v))));
    }
    return row;
  });
  let charts = '';
  if (breakdown.values.length >= 2) {
    const drawn = breakdown.values.slice(0, maxSeries);
    const periods = data.daily.map((d) => d.date);
    const legend = drawn
      .map(
        (v, i) =>
          `<span><i style="background:${SERIES_COLORS[i % SERIES_COLORS.length]}"></i>${escapeHtml(v.value)}</span>`,
      )
      .join('');
    const left = breakdown.values.length - drawn.length;
    const more =
      left > 0 ? `<p class="note">${left} smaller value(s) not drawn; the table lists them.</p>` : '';
    const rendered = [DECISION_VIEW, ...views]
      .map((view) => {
        const series = drawn.map((v, i) => {
          const byDate = new Map(v.points.map((p) => [p.date, p]));
          return {
            name: v.value,
            color: SERIES_COLORS[i % SERIES_COLORS.length] as string,
            values: periods.map((date) => {
              const point = byDate.get(date);
              return point === undefined ? null : (view.read(point) ?? null);
            }),
          };
        });
        if (!series.some((s) => s.values.some((x) => x !== null))) return '';
        return trendChart({
          chart: `${breakdown.dimension}-${view.key}`,
          title: `${view.title} by ${name}`,
          labels: periods.map(periodLabel),
          series,
          axis: view.axis,
          shaded: leadingBaseline(data.daily),
        });
      })
      .join('');
    charts = `<div class="legend" data-legend="${escapeHtml(breakdown.dimension)}">${legend}</div>${more}<div class="grid">${rendered}</div>`;
  }
  return `<h2>By ${escapeHtml(name)}</h2>${table(headers, rows, `by-${breakdown.dimension}`)}${charts}`;
}

function driftSection(data: ReportData): string {
  const { drift } = data;
  const parts: string[] = [];
  const psiItems = drift.features
    .filter((f) => f.psi !== null)
    .map((f) => ({ label: f.name, value: f.psi as number, band: f.band }));
  if (drift.score?.psi !== null && drift.score !== null) {
    psiItems.unshift({ label: 'score', value: drift.score.psi as number, band: drift.score.band });
  }
  parts.push(
    `<h2>Drift (PSI)</h2>${
      psiItems.length === 0
        ? '<p class="empty">No baseline to compare with.</p>'
        : bandBars('PSI per feature (dashed: moderate and significant limits)', psiItems, [
            drift.bands.moderatePsi,
            drift.bands.significantPsi,
          ])
    }`,
  );
  const driftRows = [...(drift.score === null ? [] : [drift.score]), ...drift.features].map((f) => [
    cell(f.name),
    cell(f.kind),
    cell(formatFigure(f.psi)),
    cell(f.band, `band-${f.band}`),
    cell(f.ks === null ? '–' : formatFigure(f.ks.statistic)),
    cell(f.ks === null ? '–' : formatFigure(f.ks.pValue, 2)),
    cell(f.chiSquare === null ? '–' : formatFigure(f.chiSquare.pValue, 2)),
    cell(formatFigure(f.baseline.mean)),
    cell(formatFigure(f.current.mean)),
  ]);
  if (driftRows.length > 0) {
    parts.push(
      table(
        ['value', 'kind', 'PSI', 'band', 'KS D', 'KS p', 'χ² p', 'mean before', 'mean now'],
        driftRows,
        'drift',
      ),
    );
  }
  if (drift.positiveRate !== null) {
    const p = drift.positiveRate;
    parts.push(
      `<p>Positive decision rate ${escapeHtml(percent(p.baselineRate))} → ${escapeHtml(percent(p.currentRate))}: z = ${escapeHtml(formatFigure(p.z, 3))}, p = ${escapeHtml(formatFigure(p.pValue, 2))}${p.rejects ? ' (the rate changed)' : ''}.</p>`,
    );
  }
  return parts.join('');
}

const SIGNAL_TITLES: Record<string, string> = {
  confidence: 'Mean confidence',
  uniformity: 'Score uniformity',
  entropy: 'Mean prediction entropy',
  anomaly: 'Feature anomaly rate',
  business: 'Business metric',
  composite: 'Composite degradation score (0–100)',
};

/**
 * The proxy signals that move before labels arrive: the latest verdict (score, level, trend,
 * contributing signals, recommended action) and a trend per signal, the reference days shaded.
 */
function proxySignalsSection(section: ProxySignalSection | undefined): string {
  if (section === undefined) return '';
  const dates = section.series[0]?.points.map((p) => p.date) ?? [];
  if (dates.length === 0) return '';
  const reference = new Set(section.referenceDays);
  let shaded = 0;
  while (shaded < dates.length && reference.has(dates[shaded] as string)) shaded++;
  const latest = section.latest;
  const verdict =
    latest === null
      ? '<p class="note">No day scored yet.</p>'
      : `<p>On ${escapeHtml(latest.date)} the composite score is <strong>${escapeHtml(formatFigure(latest.composite))}</strong> (${escapeHtml(latest.level === 'none' ? 'below the warn score' : latest.level)}; warn above ${escapeHtml(formatFigure(section.thresholds.warn))}, page above ${escapeHtml(formatFigure(section.thresholds.page))}), trend ${escapeHtml(latest.trend ?? '–')}, recommended action: ${escapeHtml(latest.action)}${latest.contributing.length === 0 ? '' : `; contributing: ${escapeHtml(latest.contributing.join(', '))}`}.</p>`;
  const charts = section.series.map((s) => {
    const composite = s.signal === 'composite';
    return trendChart({
      chart: `signal-${s.signal}`,
      title: `${SIGNAL_TITLES[s.signal] ?? s.signal} per day`,
      labels: dates.map((d) => periodLabel(d)),
      series: [
        {
          name: s.signal,
          color: SERIES_COLORS[composite ? 1 : 0] as string,
          values: s.points.map((p) => (composite ? p.score : p.value)),
        },
      ],
      axis: composite ? { include: 0 } : {},
      shaded,
    });
  });
  return `<h2>${escapeHtml(section.title)}</h2>${verdict}<p class="note">Each axis is scaled to its values; the shaded days are the reference the scores compare against.</p><div class="grid">${charts.join('')}</div>`;
}

/**
 * One self-contained HTML page: inline CSS and SVG, no script, no external reference (it opens
 * offline and can be mailed or archived). Every value taken from the logs is escaped.
 * `proxySignals` (from `proxySignalSection`) adds the label-free early-warning section.
 */
export function renderHtmlReport(
  data: ReportData,
  options: { maxSeries?: number; proxySignals?: ProxySignalSection } = {},
): string {
  const sections: string[] = [
    summarySection(data),
    proxySignalsSection(options.proxySignals),
    trendSection(data),
    calibrationSection(data),
  ];
  for (const breakdown of data.breakdowns)
    sections.push(breakdownSection(data, breakdown, options.maxSeries ?? 6));
  if (data.scoreHistogram !== null) {
    const h = data.scoreHistogram;
    sections.push(
      `<h2>Score distribution</h2>${pairedHistogram('Share of predictions per score bin', h.labels, h.baseline, h.current)}`,
    );
  }
  sections.push(driftSection(data));
  const volumeRows = data.daily.map((d) => [
    cell(d.baseline ? `${d.date} (baseline)` : d.date),
    cell(count(d.records)),
    cell(count(d.weight)),
    cell(percent(d.positiveRate)),
    cell(formatFigure(d.meanScore)),
    cell(formatFigure(d.metric)),
  ]);
  sections.push(
    `<h2>${data.period === 'hour' ? 'Hours' : 'Days'}</h2>${table([data.period, 'records', 'predictions (weighted)', 'positive rate', 'mean score', data.metricName ?? 'metric'], volumeRows, 'periods')}`,
  );
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(data.title)}</h1>
<p class="meta">model ${escapeHtml(data.model ?? 'all')} · current ${escapeHtml(data.currentDescription)} · baseline ${escapeHtml(data.baselineDescription)} · generated ${escapeHtml(data.generatedAt)}</p>
${sections.filter((s) => s !== '').join('\n')}
</body>
</html>
`;
}
