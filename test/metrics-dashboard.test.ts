import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Dashboard,
  type DashboardPanel,
  interpolate,
  loadDashboard,
  type PanelQuery,
  panelQueries,
  referencedVariables,
} from './metrics-support/dashboard-queries.ts';
import { checkLogql } from './metrics-support/logql-subset.ts';
import { promtool } from './metrics-support/prometheus-tools.ts';

// deploy/grafana: the dashboard's structure, its variables, and every query parsing: PromQL through
// promtool (the queries as recording rules), LogQL through a checker of the subset it uses.

/** The metric names predlog exposes (histograms as their _bucket/_sum/_count series). */
const KNOWN_METRICS = new Set([
  'model_requests_total',
  'model_errors_total',
  'model_in_flight_requests',
  'model_load_time_seconds',
  'predlog_records_received_total',
  'predlog_records_sampled_out_total',
  'predlog_records_dropped_total',
  'predlog_records_exported_total',
  'predlog_export_failures_total',
  'predlog_queue_depth',
  'predlog_spill_bytes',
  'predlog_metrics_series_overflow_total',
  ...[
    'model_request_duration_seconds',
    'prediction_score_distribution',
    'feature_value_distribution',
    'predlog_export_duration_seconds',
  ].flatMap((h) => [`${h}_bucket`, `${h}_sum`, `${h}_count`]),
]);

const WINDOWS = { rateInterval: '5m', interval: '1m', range: '6h' };

let dashboard: Dashboard;
let queries: PanelQuery[];
let scratch: string;

beforeAll(async () => {
  dashboard = await loadDashboard();
  queries = panelQueries(dashboard);
  scratch = await mkdtemp(path.join(os.tmpdir(), 'predlog-dashboard-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const prometheusQueries = () => queries.filter((q) => q.datasource === 'prometheus');
const lokiQueries = () => queries.filter((q) => q.datasource === 'loki');
const inRow = (row: string) => queries.filter((q) => q.row === row);

/** Runs `promtool check rules` over the expressions as recording rules: promtool parses each. */
async function promqlCheck(exprs: readonly string[]): Promise<{ code: number; output: string }> {
  const file = path.join(scratch, `queries-${Math.random().toString(36).slice(2)}.yaml`);
  const lines = ['groups:', '  - name: dashboard', '    rules:'];
  exprs.forEach((expr, i) => {
    lines.push(`      - record: dashboard:query_${i}`, `        expr: ${JSON.stringify(expr)}`);
  });
  await writeFile(file, `${lines.join('\n')}\n`);
  return promtool(['check', 'rules', file], scratch);
}

describe('the Grafana dashboard', () => {
  it('has datasource variables for Prometheus and Loki, and every panel takes its datasource from one', () => {
    const variables = new Map(dashboard.templating.list.map((v) => [v.name, v]));
    expect(variables.get('prometheus')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(variables.get('loki')).toMatchObject({ type: 'datasource', query: 'loki' });
    expect(queries.length).toBeGreaterThan(20);
    for (const q of queries) expect(['prometheus', 'loki'], `${q.panel} ${q.refId}`).toContain(q.datasource);
    const panels = dashboard.panels.filter((p) => p.type !== 'row');
    for (const panel of panels)
      expect(panel.datasource?.uid, panel.title).toMatch(/^\$\{(prometheus|loki)\}$/);
  });

  it('uses every variable it declares, and declares every variable it uses', () => {
    const texts: string[] = [];
    const collect = (panel: DashboardPanel) => {
      texts.push(panel.title, panel.datasource?.uid ?? '');
      for (const t of panel.targets ?? []) texts.push(t.expr ?? '', t.datasource?.uid ?? '');
      for (const inner of panel.panels ?? []) collect(inner);
    };
    dashboard.panels.forEach(collect);
    for (const v of dashboard.templating.list)
      texts.push(JSON.stringify(v.query ?? ''), v.datasource?.uid ?? '');
    const used = new Set(texts.flatMap(referencedVariables));
    const declared = dashboard.templating.list.map((v) => v.name);
    for (const name of declared) expect(used, `variable $${name} is never used`).toContain(name);
    for (const name of used) expect(declared, `$${name} is used but not declared`).toContain(name);
    expect(new Set(prometheusQueries().map((q) => q.panel)).size).toBeGreaterThan(10);
    expect(lokiQueries().length).toBeGreaterThanOrEqual(2);
  });

  it('has the rows of issue 7 with their panels', () => {
    const rows = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title);
    expect(rows).toEqual(['SLA overview', 'Model health', 'Pipeline health', 'Prediction logs']);
    const exprs = (row: string) => inRow(row).map((q) => q.expr);

    const sla = exprs('SLA overview');
    expect(sla).toContainEqual(
      expect.stringMatching(/^sum by \(model_name\) \(rate\(model_requests_total\{/),
    );
    for (const q of ['0.5', '0.95', '0.99'])
      expect(sla).toContainEqual(
        expect.stringContaining(
          `histogram_quantile(${q}, sum by (le) (rate(model_request_duration_seconds_bucket`,
        ),
      );
    // 0 while there are requests and no 5xx: the numerator falls back to vector(0).
    expect(sla).toContainEqual(
      expect.stringMatching(/status_code=~"5\.\."\}\[\$__rate_interval\]\)\) or vector\(0\)\) \/ sum\(rate/),
    );
    expect(inRow('SLA overview').find((q) => q.panel === 'Availability')?.expr).toMatch(
      /status_code!~"5\.\."/,
    );

    const health = inRow('Model health');
    const heatmap = health.find(
      (q) => q.panelType === 'heatmap' && q.expr.includes('prediction_score_distribution_bucket'),
    );
    expect(heatmap?.expr).toMatch(/^sum by \(le\) \(increase\(prediction_score_distribution_bucket/);
    expect(health.map((q) => q.expr)).toContainEqual(
      expect.stringContaining('sum by (model_name, model_version) (rate(model_requests_total'),
    );
    expect(health.map((q) => q.expr)).toContainEqual(
      expect.stringMatching(/^topk\(10, sum by \(model_name, error_type\) \(increase\(model_errors_total/),
    );

    const pipeline = exprs('Pipeline health');
    expect(pipeline).toContainEqual(
      expect.stringContaining('sum by (reason) (rate(predlog_records_dropped_total'),
    );
    expect(pipeline).toContainEqual(expect.stringContaining('predlog_export_duration_seconds_bucket'));
    expect(pipeline).toContainEqual(expect.stringContaining('predlog_queue_depth'));
    expect(pipeline).toContainEqual(expect.stringContaining('predlog_spill_bytes'));

    const logs = inRow('Prediction logs').filter((q) => q.panelType === 'logs');
    expect(logs.map((q) => q.datasource)).toEqual(['loki', 'loki']);
    // One query per ingestion path: the Loki exporter's labels, and Loki's native OTLP mapping.
    expect(logs[0]?.expr).toMatch(
      /^\{model_name=~"\$model", event="ml\.prediction"\} \| json \| request_id=~"\.\*\$request_id\.\*"$/,
    );
    expect(logs[1]?.expr).toMatch(
      /^\{service_name=~"\$service"\} \| event_name="ml\.prediction" \| ml_model_name=~"\$model" \| ml_request_id=~"\.\*\$request_id\.\*"$/,
    );
    expect(pipeline).toContainEqual(
      expect.stringMatching(
        /predlog_records_dropped_total\{job=~"\$job", instance=~"\$instance"\}.* or on\(\) vector\(0\)$/,
      ),
    );
    // Every Prometheus query is scoped by the job and instance variables, pipeline panels included.
    for (const q of prometheusQueries())
      expect(q.expr, q.panel).toContain('job=~"$job", instance=~"$instance"');
    const requestId = dashboard.templating.list.find((v) => v.name === 'request_id');
    expect(requestId?.type).toBe('textbox');
  });

  it('lays panels out on the 24-column grid without overlaps, with unique ids', () => {
    const panels = dashboard.panels;
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const cells = new Set<string>();
    for (const panel of panels) {
      const g = panel.gridPos;
      expect(g, panel.title).toBeDefined();
      if (g === undefined) continue;
      expect(g.x + g.w, panel.title).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++)
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`), `${panel.title} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
    }
  });

  it('has Prometheus queries that all parse as PromQL (promtool), and the check catches a broken one', async () => {
    const exprs = prometheusQueries().map((q) =>
      interpolate(
        q.expr,
        { job: '.+', service: '.+', instance: '.+', model: 'fraud|churn', feature: 'log_amount' },
        WINDOWS,
      ),
    );
    const result = await promqlCheck(exprs);
    expect(result.output).toContain(`SUCCESS: ${exprs.length} rules found`);
    expect(result.code).toBe(0);

    const broken = await promqlCheck(['sum by (le (rate(model_requests_total[5m]))']);
    expect(broken.code).not.toBe(0);
    expect(broken.output).toMatch(/parse error/);
  });

  it('has Prometheus queries that name only metrics predlog exposes', () => {
    for (const q of prometheusQueries()) {
      // Label matchers and grouping clauses hold label names (model_name...), not metric names.
      const selectors = q.expr.replace(/\{[^}]*\}/g, '').replace(/\b(?:by|without)\s*\([^)]*\)/g, '');
      const names = [...selectors.matchAll(/\b(?:model|prediction|feature|predlog)_[a-z_]+\b/g)].map(
        (m) => m[0],
      );
      expect(names.length, q.panel).toBeGreaterThan(0);
      for (const name of names) expect(KNOWN_METRICS, `${q.panel}: ${name}`).toContain(name);
    }
  });

  it('has Loki queries that all parse as LogQL, for any model and request id', () => {
    const cases = [
      { service: '.+', model: '.+', request_id: '' },
      { service: 'fraud-service', model: 'fraud', request_id: 'req-42' },
      { service: 'fraud-service|churn-service', model: 'fraud|churn', request_id: '3f2c' },
    ];
    for (const q of lokiQueries())
      for (const values of cases) {
        const expr = interpolate(q.expr, values, WINDOWS);
        expect(checkLogql(expr), `${q.panel}: ${expr}`).toEqual([]);
      }
  });
});
