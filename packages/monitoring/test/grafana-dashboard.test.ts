import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promtool } from '../../../test/metrics-support/prometheus-tools.ts';
import {
  type GrafanaDashboard,
  type GrafanaPanel,
  HEALTH_STATES,
  type ModelMonitoringConfig,
  RECORDED,
  renderGrafanaDashboard,
  renderPrometheusRules,
} from '../src/index.ts';
import { exampleModels } from './rendered-models.ts';

// The overview dashboard: structure, health per model from the recorded ALERTS-based status, the
// cross-model drift panels, one drill-down row per model, and every query parsed by promtool.

let models: ModelMonitoringConfig[];
let dashboard: GrafanaDashboard;
let scratch: string;

beforeAll(async () => {
  models = await exampleModels();
  dashboard = renderGrafanaDashboard(models);
  scratch = await mkdtemp(path.join(os.tmpdir(), 'predlog-monitoring-dashboard-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const rows = () => dashboard.panels.filter((p) => p.type === 'row');

/** Every panel with its row title, nested rows included. */
function panelsWithRows(): Array<{ row: string; panel: GrafanaPanel }> {
  const out: Array<{ row: string; panel: GrafanaPanel }> = [];
  let row = '';
  for (const panel of dashboard.panels) {
    if (panel.type === 'row') {
      row = panel.title;
      for (const inner of panel.panels ?? []) out.push({ row, panel: inner });
    } else out.push({ row, panel });
  }
  return out;
}

/** Queries as Grafana sends them: the interval macros replaced. */
const queries = () =>
  panelsWithRows().flatMap(({ row, panel }) =>
    (panel.targets ?? []).map((t) => ({
      row,
      panel: panel.title,
      expr: t.expr.replaceAll('$__rate_interval', '5m').replaceAll('$__range', '6h'),
    })),
  );

async function promqlCheck(exprs: readonly string[]): Promise<{ code: number; output: string }> {
  const file = path.join(scratch, `queries-${exprs.length}.yaml`);
  const lines = ['groups:', '  - name: dashboard', '    rules:'];
  exprs.forEach((expr, i) => {
    lines.push(`      - record: dashboard:query_${i}`, `        expr: ${JSON.stringify(expr)}`);
  });
  await writeFile(file, `${lines.join('\n')}\n`);
  return promtool(['check', 'rules', file], scratch);
}

function overlaps(panels: readonly GrafanaPanel[]): string[] {
  const cells = new Map<string, string>();
  const found: string[] = [];
  for (const p of panels) {
    const g = p.gridPos;
    if (g.x + g.w > 24) found.push(`${p.title} is wider than the grid`);
    for (let x = g.x; x < g.x + g.w; x++)
      for (let y = g.y; y < g.y + g.h; y++) {
        const at = `${x},${y}`;
        if (cells.has(at)) found.push(`${p.title} overlaps ${cells.get(at)} at ${at}`);
        cells.set(at, p.title);
      }
  }
  return found;
}

describe('rendered Grafana dashboard', () => {
  it('has the overview, the cross-model drift row and one collapsed drill-down row per model', () => {
    expect(rows().map((r) => [r.title, r.collapsed])).toEqual([
      ['Overview', false],
      ['Cross-model drift', false],
      ['Model churn-gbm (T2 operational, team growth-ds)', true],
      ['Model fraud-xgb (T1 revenue-critical, team fraud-ml)', true],
      ['Model search-ranker (T3 experimental, team search-lab)', true],
    ]);
    const ids = panelsWithRows()
      .map(({ panel }) => panel.id)
      .concat(rows().map((r) => r.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(overlaps(dashboard.panels)).toEqual([]);
    for (const row of rows()) expect(overlaps(row.panels ?? []), row.title).toEqual([]);
    for (const { panel } of panelsWithRows())
      expect(panel.datasource?.uid, panel.title).toBe('${prometheus}');
    expect(dashboard.templating.list).toEqual([
      expect.objectContaining({ name: 'prometheus', type: 'datasource' }),
    ]);
  });

  it('shows a health status per model from the status recorded from its ALERTS, green / yellow / red', () => {
    const table = panelsWithRows().find(({ panel }) => panel.title === 'Models')?.panel;
    expect(table?.targets?.[0]?.expr).toBe(
      `${RECORDED.healthStatus}{model_name=~"churn-gbm|fraud-xgb|search-ranker"}`,
    );
    expect(JSON.stringify(table?.fieldConfig)).toContain(JSON.stringify(HEALTH_STATES[2].text));
    expect(HEALTH_STATES.map((s) => s.color)).toEqual(['green', 'yellow', 'red']);
    // The status the panel reads is recorded from ALERTS for every model (values: prometheus-rules.test.ts).
    const recorded = renderPrometheusRules(models)
      .groups.at(-1)
      ?.rules.filter((r) => 'record' in r && r.record === RECORDED.healthStatus);
    expect(recorded?.map((r) => r.labels?.model_name)).toEqual(['churn-gbm', 'fraud-xgb', 'search-ranker']);
    for (const r of recorded ?? []) expect(r.expr).toContain('ALERTS{alertstate="firing"');
  });

  it('compares drift across models: by model, by model and feature, models drifting at once, per shared feature', () => {
    const cross = queries().filter((q) => q.row === 'Cross-model drift');
    expect(cross.map((q) => q.expr)).toEqual([
      `max by (model_name) (${RECORDED.driftDistanceLatest}{model_name=~"churn-gbm|fraud-xgb|search-ranker"})`,
      `${RECORDED.driftDistanceLatest}{model_name=~"churn-gbm|fraud-xgb|search-ranker"}`,
      `count(count by (model_name) (${RECORDED.driftAlertFiring}{model_name=~"churn-gbm|fraud-xgb|search-ranker"})) or vector(0)`,
      `count by (feature) (${RECORDED.driftAlertFiring}{model_name=~"churn-gbm|fraud-xgb|search-ranker"})`,
    ]);
  });

  it("draws each model's own thresholds and its business metric in its drill-down", () => {
    const fraud = rows().find((r) => r.title.startsWith('Model fraud-xgb'))?.panels ?? [];
    const errorRate = fraud.find((p) => p.title === 'fraud-xgb: error rate');
    expect(JSON.stringify(errorRate?.fieldConfig)).toContain('"value":0.01');
    const business = fraud.find((p) => p.title === 'fraud-xgb: approval rate');
    expect(business?.targets?.[0]?.expr).toBe(
      'sum(rate(payments_approved_total[1h])) / sum(rate(payments_total[1h]))',
    );
    const ranker = rows().find((r) => r.title.startsWith('Model search-ranker'))?.panels ?? [];
    expect(ranker.map((p) => p.title)).not.toContainEqual(expect.stringMatching(/approval/));
  });

  it('has queries that all parse as PromQL (promtool), and the check catches a broken one', async () => {
    const exprs = queries().map((q) => q.expr);
    expect(exprs.length).toBeGreaterThan(20);
    const result = await promqlCheck(exprs);
    expect(result.output).toContain(`SUCCESS: ${exprs.length} rules found`);
    expect(result.code).toBe(0);
    const broken = await promqlCheck(['max by (model_name (model_feature:drift_distance)']);
    expect(broken.code).not.toBe(0);
    expect(broken.output).toMatch(/parse error/);
  });
});
