import type { StoredRecord } from '@predlog/schema';
import { baselineWindows } from './baseline-window.ts';
import type { AnalyticsConfig } from './config.ts';
import { compareProfiles, type DriftReport } from './drift.ts';
import type { BaselineSource, DriftAnalysis } from './drift-analysis.ts';
import { type EvaluationReport, evaluatePredictions } from './evaluation.ts';
import { DecisionRules } from './internal/decision-rules.ts';
import { escapeHtml, formatFigure } from './internal/html-text.ts';
import { numberField, samplingWeightOf, utcDayOf } from './internal/stored-fields.ts';
import { bandBars, lineChart, pairedHistogram } from './internal/svg-charts.ts';
import type { LabelSource } from './label-join.ts';
import { emptyReadStats, type LogSelection, type ReadStats, scanPredictions } from './log-selection.ts';
import { profileCollector, readBaselineFile } from './profile-reader.ts';
import type { QuantileSketch } from './quantile-sketch.ts';

export interface DailyPoint {
  date: string;
  /** Every record of the day is a baseline record (first days of the logs): shown shaded. */
  baseline: boolean;
  records: number;
  weight: number;
  positiveRate: number | null;
  meanScore: number | null;
  /** The evaluation metric of the day (AUC or MAE); null without labels. */
  metric: number | null;
}

export interface ScoreHistogram {
  labels: string[];
  /** Share of the weight per equal-width bin. */
  baseline: number[];
  current: number[];
}

export interface ReportData {
  title: string;
  generatedAt: string;
  model: string | null;
  baselineDescription: string;
  /** The baseline's window when it came from the logs (as `DriftAnalysis.baselineWindow`). */
  baselineWindow: DriftAnalysis['baselineWindow'];
  currentDescription: string;
  drift: DriftReport;
  scoreHistogram: ScoreHistogram | null;
  daily: DailyPoint[];
  /** `AUC` (classification) or `MAE` (regression) when labels were joined. */
  metricName: string | null;
  evaluation: EvaluationReport | null;
  logs: ReadStats;
}

/**
 * Equal-width histogram of two score sketches on a shared range ([0, 1] for probabilities). Each
 * sketch bucket goes to the bin of its midpoint, so a bin edge is placed to within ±α relative.
 */
export function scoreHistogram(
  baseline: QuantileSketch,
  current: QuantileSketch,
  bins: number,
): ScoreHistogram | null {
  if (baseline.totalWeight === 0 && current.totalWeight === 0) return null;
  const sides = [baseline, current].filter((s) => s.totalWeight > 0);
  let lo = Math.min(...sides.map((s) => s.min));
  let hi = Math.max(...sides.map((s) => s.max));
  if (lo >= 0 && hi <= 1) {
    lo = 0;
    hi = 1;
  }
  if (!(hi > lo)) hi = lo + 1;
  const width = (hi - lo) / bins;
  const shares = (sketch: QuantileSketch): number[] => {
    const out = new Array<number>(bins).fill(0);
    if (sketch.totalWeight === 0) return out;
    for (const bucket of sketch.buckets()) {
      const value = sketch.bucketValue(bucket.key);
      const bin = Math.min(bins - 1, Math.max(0, Math.floor((value - lo) / width)));
      out[bin] = (out[bin] as number) + bucket.weight / sketch.totalWeight;
    }
    return out;
  };
  const labels = Array.from({ length: bins }, (_, i) => formatFigure(lo + i * width, 3));
  return { labels, baseline: shares(baseline), current: shares(current) };
}

export interface ReportOptions {
  readonly selection: LogSelection;
  readonly baseline: BaselineSource;
  /** Labels for the metric trend; without them the trend shows the positive rate and mean score. */
  readonly labels?: LabelSource | undefined;
  readonly config: AnalyticsConfig;
}

interface DayAccumulator {
  records: number;
  baselineRecords: number;
  weight: number;
  decided: number;
  positive: number;
  scoreWeight: number;
  scoreSum: number;
}

/**
 * Gathers everything the report shows. With a baseline of the first days of the logs, one streaming
 * pass reads baseline and current days together (each record goes to its window's profile, every
 * day gets a point on the trend); with a baseline file, one pass reads the current window.
 */
export async function buildReport(options: ReportOptions): Promise<ReportData> {
  const { config } = options;
  const logs = emptyReadStats();
  const baselineCollector = profileCollector(config);
  let baselineProfile = baselineCollector.profile;
  let baselineDescription: string;
  let baselineWindow: DriftAnalysis['baselineWindow'] = null;
  let selection = options.selection;
  /** Records before this ISO time are baseline records; '' when the baseline is a file. */
  let baselineEnd = '';
  /** Records at or after this ISO time are current ('' for all): days between the two are left out. */
  let currentStart = '';
  if (options.baseline.kind === 'file') {
    baselineProfile = (await readBaselineFile(options.baseline.file, config)).profile;
    baselineDescription = 'baseline file';
  } else {
    const windows = await baselineWindows(options.selection, options.baseline.days);
    if (windows === undefined) baselineDescription = 'no logs';
    else {
      const since = windows.baseline.since as Date;
      const until = windows.baseline.until as Date;
      baselineEnd = until.toISOString();
      baselineDescription = `${windows.text} (${windows.how})`;
      baselineWindow = {
        since: since.toISOString(),
        until: baselineEnd,
        text: windows.text,
        how: windows.how,
        auto: windows.auto,
      };
      currentStart = (windows.current.since ?? until).toISOString();
      selection = { ...windows.current, since };
    }
  }
  const collector = profileCollector(config);
  const rules = new DecisionRules(config.classification);
  const days = new Map<string, DayAccumulator>();
  const onPrediction = (record: StoredRecord, weight: number) => {
    const date = utcDayOf(record);
    const inBaseline = baselineEnd !== '' && record.timestamp < baselineEnd;
    const decision = rules.predictedPositive(record);
    if (inBaseline) baselineCollector.profile.addRecord(record, weight, decision);
    else if (record.timestamp >= currentStart) collector.profile.addRecord(record, weight, decision);
    else return;
    let day = days.get(date);
    if (day === undefined) {
      day = {
        records: 0,
        baselineRecords: 0,
        weight: 0,
        decided: 0,
        positive: 0,
        scoreWeight: 0,
        scoreSum: 0,
      };
      days.set(date, day);
    }
    day.records += 1;
    if (inBaseline) day.baselineRecords += 1;
    day.weight += weight;
    if (decision !== undefined) {
      day.decided += weight;
      if (decision) day.positive += weight;
    }
    const score = numberField(record, 'score');
    if (score !== undefined) {
      day.scoreWeight += weight;
      day.scoreSum += weight * score;
    }
  };
  let evaluation: EvaluationReport | null = null;
  if (options.labels === undefined) {
    await scanPredictions(selection, (record) => onPrediction(record, samplingWeightOf(record)), logs);
  } else {
    evaluation = await evaluatePredictions({
      selection,
      labels: options.labels,
      config: { ...config, evaluate: { ...config.evaluate, cohorts: ['date'] } },
      onPrediction,
    });
    addReadStats(logs, evaluation.join.logs);
  }
  const metricName =
    evaluation?.task === 'regression' ? 'MAE' : evaluation?.task === 'classification' ? 'AUC' : null;
  const metricByDay = new Map<string, number | null>();
  for (const cohort of evaluation?.cohorts ?? []) {
    metricByDay.set(cohort.value, cohort.classification?.auc ?? cohort.regression?.mae ?? null);
  }
  const daily: DailyPoint[] = [...days]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([date, d]) => ({
      date,
      baseline: d.baselineRecords === d.records,
      records: d.records,
      weight: d.weight,
      positiveRate: d.decided > 0 ? d.positive / d.decided : null,
      meanScore: d.scoreWeight > 0 ? d.scoreSum / d.scoreWeight : null,
      metric: metricByDay.get(date) ?? null,
    }));
  const currentProfile = collector.profile;
  return {
    title: config.report.title,
    generatedAt: new Date().toISOString(),
    model: options.selection.model ?? null,
    baselineDescription,
    baselineWindow,
    currentDescription: describeWindow(daily.filter((d) => !d.baseline)),
    drift: compareProfiles(baselineProfile, currentProfile, config.drift),
    scoreHistogram: scoreHistogram(
      baselineProfile.score.sketch,
      currentProfile.score.sketch,
      config.report.histogramBins,
    ),
    daily,
    metricName,
    evaluation,
    logs,
  };
}

function addReadStats(into: ReadStats, from: ReadStats): void {
  into.filesRead += from.filesRead;
  into.linesRead += from.linesRead;
  into.records += from.records;
  into.invalidLines += from.invalidLines;
  into.tornLines += from.tornLines;
  into.unreadableFiles += from.unreadableFiles;
}

function describeWindow(daily: readonly DailyPoint[]): string {
  const first = daily[0]?.date;
  const last = daily[daily.length - 1]?.date;
  if (first === undefined || last === undefined) return 'no predictions';
  return first === last ? first : `${first} to ${last}`;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2733;max-width:780px;margin:24px auto;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde3ea;padding-bottom:4px}
.meta{color:#5b6b7c;margin:0 0 16px}.empty{color:#5b6b7c;font-style:italic}
table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}th,td{padding:3px 10px;text-align:right;border-bottom:1px solid #eef1f4}
th:first-child,td:first-child{text-align:left}th{color:#5b6b7c;font-weight:600}
.band-none{color:#3a9d5d}.band-moderate{color:#b07f00;font-weight:600}.band-significant{color:#d64545;font-weight:700}
svg.chart{display:block;margin:8px 0;max-width:100%;height:auto}
svg .grid{stroke:#eef1f4}svg .axis{stroke:#9aa8b6}svg .tick{font-size:11px;fill:#5b6b7c}svg .title{font-size:13px;font-weight:600;fill:#1d2733}
svg .line{fill:none;stroke:#2a6fdb;stroke-width:2}svg .dot{fill:#2a6fdb}svg .limit{stroke:#5b6b7c;stroke-dasharray:4 3}
svg .bar-baseline{fill:#8c9bab}svg .bar-current{fill:#2a6fdb}svg .baseline-band{fill:#f1f3f6}
`;

function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.join('')}</tr>`).join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

const cell = (text: string, cls?: string) =>
  `<td${cls === undefined ? '' : ` class="${cls}"`}>${escapeHtml(text)}</td>`;

/**
 * One self-contained HTML page: inline CSS and SVG, no script, no external reference (it opens
 * offline and can be mailed or archived). Every value taken from the logs is escaped.
 */
export function renderHtmlReport(data: ReportData): string {
  const { drift } = data;
  const sections: string[] = [];
  const trendPoints = data.daily.map((d) => ({
    label: d.date.slice(5),
    value: data.metricName === null ? d.positiveRate : d.metric,
  }));
  const trendTitle =
    data.metricName === null
      ? 'Positive decision rate per day (no labels joined)'
      : `${data.metricName} per prediction day`;
  const shaded = data.daily.filter((d) => d.baseline).length;
  sections.push(
    `<h2>Metric trend</h2>${lineChart(trendTitle, trendPoints, data.metricName === 'MAE' ? undefined : [0, 1], shaded)}`,
  );
  if (data.metricName !== null) {
    sections.push(
      lineChart(
        'Positive decision rate per day',
        data.daily.map((d) => ({ label: d.date.slice(5), value: d.positiveRate })),
        [0, 1],
        shaded,
      ),
    );
  }
  const evaluation = data.evaluation;
  if (evaluation !== null) {
    const c = evaluation.overall.classification;
    const r = evaluation.overall.regression;
    const rows: string[][] = [];
    if (c !== null) {
      for (const [name, value] of [
        ['AUC-ROC', c.auc],
        ['precision', c.precision],
        ['recall', c.recall],
        ['F1', c.f1],
        ['ECE', c.ece],
      ] as const)
        rows.push([cell(name), cell(formatFigure(value))]);
    }
    if (r !== null) {
      for (const [name, value] of [
        ['MAE', r.mae],
        ['RMSE', r.rmse],
        ['MAPE', r.mape],
        ['bias', r.bias],
      ] as const)
        rows.push([cell(name), cell(formatFigure(value))]);
    }
    rows.push([cell('label match rate'), cell(formatFigure(evaluation.join.matchRate))]);
    sections.push(`<h2>Performance over all days shown</h2>${table(['metric', 'value'], rows)}`);
  }
  if (data.scoreHistogram !== null) {
    const h = data.scoreHistogram;
    sections.push(
      `<h2>Score distribution</h2>${pairedHistogram('Share of predictions per score bin', h.labels, h.baseline, h.current)}`,
    );
  }
  const psiItems = drift.features
    .filter((f) => f.psi !== null)
    .map((f) => ({ label: f.name, value: f.psi as number, band: f.band }));
  if (drift.score?.psi !== null && drift.score !== null) {
    psiItems.unshift({ label: 'score', value: drift.score.psi as number, band: drift.score.band });
  }
  sections.push(
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
    cell(formatFigure(f.psi)),
    cell(f.band, `band-${f.band}`),
    cell(f.ks === null ? '–' : formatFigure(f.ks.statistic)),
    cell(f.ks === null ? '–' : formatFigure(f.ks.pValue, 2)),
    cell(formatFigure(f.baseline.mean)),
    cell(formatFigure(f.current.mean)),
  ]);
  if (driftRows.length > 0) {
    sections.push(table(['value', 'PSI', 'band', 'KS D', 'KS p', 'mean before', 'mean now'], driftRows));
  }
  if (drift.positiveRate !== null) {
    const p = drift.positiveRate;
    sections.push(
      `<p>Positive decision rate ${escapeHtml(formatFigure(p.baselineRate))} → ${escapeHtml(formatFigure(p.currentRate))}: z = ${escapeHtml(formatFigure(p.z, 3))}, p = ${escapeHtml(formatFigure(p.pValue, 2))}${p.rejects ? ' (the rate changed)' : ''}.</p>`,
    );
  }
  const volumeRows = data.daily.map((d) => [
    cell(d.baseline ? `${d.date} (baseline)` : d.date),
    cell(d.records.toLocaleString('en-US')),
    cell(Math.round(d.weight).toLocaleString('en-US')),
    cell(formatFigure(d.positiveRate)),
    cell(formatFigure(d.meanScore)),
    cell(formatFigure(d.metric)),
  ]);
  sections.push(
    `<h2>Days</h2>${table(['date', 'records', 'predictions (weighted)', 'positive rate', 'mean score', data.metricName ?? 'metric'], volumeRows)}`,
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
${sections.join('\n')}
</body>
</html>
`;
}
