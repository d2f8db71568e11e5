import type { ModelMonitoringConfig } from './config.ts';
import { exactAlternation, promString } from './internal/promql-literals.ts';
import { RECORDED } from './prometheus-rules.ts';
import { TIER_POLICIES } from './tier-policy.ts';

export interface GrafanaTarget {
  readonly refId: string;
  readonly expr: string;
  readonly legendFormat?: string;
  readonly instant?: boolean;
  readonly format?: 'table' | 'time_series' | 'heatmap';
  readonly datasource: { readonly type: 'prometheus'; readonly uid: string };
}

export interface GrafanaPanel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly description?: string;
  readonly gridPos: { readonly h: number; readonly w: number; readonly x: number; readonly y: number };
  readonly datasource?: { readonly type: 'prometheus'; readonly uid: string };
  readonly targets?: readonly GrafanaTarget[];
  readonly fieldConfig?: unknown;
  readonly options?: unknown;
  readonly collapsed?: boolean;
  readonly panels?: readonly GrafanaPanel[];
}

export interface GrafanaDashboard {
  readonly title: string;
  readonly uid: string;
  readonly tags: readonly string[];
  readonly schemaVersion: number;
  readonly time: { readonly from: string; readonly to: string };
  readonly refresh: string;
  readonly templating: { readonly list: readonly unknown[] };
  readonly panels: readonly GrafanaPanel[];
}

export const DASHBOARD_UID = 'predlog-models';
/** Health values recorded by `model:health_status`, as the overview shows them. */
export const HEALTH_STATES = [
  { value: 0, text: '🟢 ok', color: 'green' },
  { value: 1, text: '🟡 ticket alert', color: 'yellow' },
  { value: 2, text: '🔴 paging', color: 'red' },
] as const;

const DATASOURCE = { type: 'prometheus', uid: '${prometheus}' } as const;

/** Builds panels with ids in order and rows laid out one under the other. */
class Layout {
  private nextId = 1;
  private y = 0;

  panel(
    fields: Omit<GrafanaPanel, 'id' | 'gridPos' | 'datasource' | 'targets'> & {
      targets: ReadonlyArray<Omit<GrafanaTarget, 'refId' | 'datasource'>>;
    },
    grid: { h: number; w: number; x: number },
    y: number,
  ): GrafanaPanel {
    return {
      ...fields,
      id: this.nextId++,
      gridPos: { ...grid, y },
      datasource: DATASOURCE,
      targets: fields.targets.map((t, i) => ({
        ...t,
        refId: String.fromCharCode(65 + i),
        datasource: DATASOURCE,
      })),
    };
  }

  /** An open row whose panels follow it on the grid. */
  openRow(title: string, build: (y: number) => GrafanaPanel[], height: number): GrafanaPanel[] {
    const row: GrafanaPanel = {
      id: this.nextId++,
      type: 'row',
      title,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y: this.y },
      panels: [],
    };
    const panels = build(this.y + 1);
    this.y += 1 + height;
    return [row, ...panels];
  }

  /** A collapsed row holding its panels (shown when the row is opened). */
  collapsedRow(title: string, build: (y: number) => GrafanaPanel[]): GrafanaPanel {
    const id = this.nextId++;
    const y = this.y;
    this.y += 1;
    return {
      id,
      type: 'row',
      title,
      collapsed: true,
      gridPos: { h: 1, w: 24, x: 0, y },
      panels: build(y + 1),
    };
  }
}

/**
 * One Grafana dashboard over every model: the overview (health per model from its alerts, what
 * is firing), cross-model drift (a shared upstream data issue shows as several models drifting
 * together, often on the same feature), and one collapsed drill-down row per model with its own
 * thresholds drawn.
 */
export function renderGrafanaDashboard(models: readonly ModelMonitoringConfig[]): GrafanaDashboard {
  const layout = new Layout();
  const all = `model_name=~${promString(exactAlternation(models.map((m) => m.model)))}`;
  const overview = layout.openRow(
    'Overview',
    (y) => [
      layout.panel(
        {
          type: 'table',
          title: 'Models',
          description:
            'Health from the alerts that are firing: red while one pages, yellow while a ticket alert fires.',
          targets: [{ expr: `${RECORDED.healthStatus}{${all}}`, instant: true, format: 'table' }],
          fieldConfig: {
            defaults: {},
            overrides: [
              {
                matcher: { id: 'byName', options: 'Value' },
                properties: [
                  { id: 'displayName', value: 'Health' },
                  { id: 'custom.cellOptions', value: { type: 'color-background' } },
                  {
                    id: 'mappings',
                    value: [
                      {
                        type: 'value',
                        options: Object.fromEntries(
                          HEALTH_STATES.map((s, index) => [
                            String(s.value),
                            { text: s.text, color: s.color, index },
                          ]),
                        ),
                      },
                    ],
                  },
                ],
              },
            ],
          },
          options: { showHeader: true, sortBy: [{ displayName: 'Health', desc: true }] },
        },
        { h: 8, w: 10, x: 0 },
        y,
      ),
      layout.panel(
        {
          type: 'table',
          title: 'Alerts fired in the time range',
          description:
            'Hourly to weekly groups write their alerts once an interval: the range keeps them visible between evaluations.',
          targets: [
            {
              expr: `max_over_time(ALERTS{alertstate="firing", ${all}}[$__range])`,
              instant: true,
              format: 'table',
            },
          ],
        },
        { h: 8, w: 10, x: 10 },
        y,
      ),
      layout.panel(
        {
          type: 'stat',
          title: 'Models paging',
          targets: [{ expr: `count(${RECORDED.healthStatus}{${all}} == 2) or vector(0)` }],
        },
        { h: 4, w: 4, x: 20 },
        y,
      ),
      layout.panel(
        {
          type: 'stat',
          title: 'Models with a ticket alert',
          targets: [{ expr: `count(${RECORDED.healthStatus}{${all}} == 1) or vector(0)` }],
        },
        { h: 4, w: 4, x: 20 },
        y + 4,
      ),
    ],
    8,
  );
  const crossModel = layout.openRow(
    'Cross-model drift',
    (y) => [
      layout.panel(
        {
          type: 'timeseries',
          title: 'Drift distance by model (largest over its features)',
          description: 'Lines rising together across models point to a shared upstream data issue.',
          targets: [
            {
              expr: `max by (model_name) (${RECORDED.driftDistanceLatest}{${all}})`,
              legendFormat: '{{model_name}}',
            },
          ],
        },
        { h: 8, w: 12, x: 0 },
        y,
      ),
      layout.panel(
        {
          type: 'timeseries',
          title: 'Drift distance by model and feature',
          targets: [
            {
              expr: `${RECORDED.driftDistanceLatest}{${all}}`,
              legendFormat: '{{model_name}} {{feature}} ({{window}})',
            },
          ],
        },
        { h: 8, w: 12, x: 12 },
        y,
      ),
      layout.panel(
        {
          type: 'timeseries',
          title: 'Models drifting at once',
          description: 'Models with a drift alert firing; more than one at a time suggests a shared cause.',
          targets: [
            {
              expr: `count(count by (model_name) (${RECORDED.driftAlertFiring}{${all}})) or vector(0)`,
              legendFormat: 'models',
            },
          ],
        },
        { h: 7, w: 12, x: 0 },
        y + 8,
      ),
      layout.panel(
        {
          type: 'timeseries',
          title: 'Models drifting on the same feature',
          description: 'A feature drifting in several models at once: look upstream of the feature.',
          targets: [
            {
              expr: `count by (feature) (${RECORDED.driftAlertFiring}{${all}})`,
              legendFormat: '{{feature}}',
            },
          ],
        },
        { h: 7, w: 12, x: 12 },
        y + 8,
      ),
    ],
    15,
  );
  const drillDowns = models.map((model) =>
    layout.collapsedRow(
      `Model ${model.model} (${model.tier} ${TIER_POLICIES[model.tier].meaning}, team ${model.owner.team})`,
      (y) => modelPanels(layout, model, y),
    ),
  );
  return {
    title: 'predlog: models overview',
    uid: DASHBOARD_UID,
    tags: ['predlog', 'ml-monitoring'],
    schemaVersion: 39,
    time: { from: 'now-7d', to: 'now' },
    refresh: '1m',
    templating: {
      list: [
        { name: 'prometheus', label: 'Prometheus', type: 'datasource', query: 'prometheus', current: {} },
      ],
    },
    panels: [...overview, ...crossModel, ...drillDowns],
  };
}

function thresholds(steps: ReadonlyArray<{ value: number; color: string }>, base = 'green'): unknown {
  return {
    defaults: {
      thresholds: { mode: 'absolute', steps: [{ value: null, color: base }, ...steps] },
      custom: { thresholdsStyle: { mode: 'line' } },
    },
    overrides: [],
  };
}

function modelPanels(layout: Layout, model: ModelMonitoringConfig, y: number): GrafanaPanel[] {
  const m = `model_name=${promString(model.model)}`;
  const panels = [
    layout.panel(
      {
        type: 'timeseries',
        title: `${model.model}: requests/s by status`,
        targets: [
          {
            expr: `sum by (status_code) (rate(model_requests_total{${m}}[$__rate_interval]))`,
            legendFormat: '{{status_code}}',
          },
        ],
      },
      { h: 7, w: 8, x: 0 },
      y,
    ),
    layout.panel(
      {
        type: 'timeseries',
        title: `${model.model}: error rate`,
        targets: [
          {
            expr: `(sum(rate(model_requests_total{${m}, status_code=~"5.."}[$__rate_interval])) or vector(0)) / sum(rate(model_requests_total{${m}}[$__rate_interval]))`,
            legendFormat: '5xx share',
          },
        ],
        fieldConfig: thresholds([{ value: model.serving.maxErrorRate, color: 'red' }]),
      },
      { h: 7, w: 8, x: 8 },
      y,
    ),
    layout.panel(
      {
        type: 'timeseries',
        title: `${model.model}: p99 latency`,
        targets: [
          {
            expr: `histogram_quantile(0.99, sum by (le) (rate(model_request_duration_seconds_bucket{${m}}[$__rate_interval])))`,
            legendFormat: 'p99',
          },
        ],
        fieldConfig: thresholds([{ value: model.serving.maxP99LatencySeconds, color: 'red' }]),
      },
      { h: 7, w: 8, x: 16 },
      y,
    ),
    layout.panel(
      {
        type: 'timeseries',
        title: `${model.model}: drift distance per feature`,
        targets: [{ expr: `${RECORDED.driftDistanceLatest}{${m}}`, legendFormat: '{{feature}}' }],
        fieldConfig: thresholds([
          { value: model.drift.warnDistance, color: 'yellow' },
          { value: model.drift.alertDistance, color: 'red' },
        ]),
      },
      { h: 7, w: 8, x: 0 },
      y + 7,
    ),
    layout.panel(
      {
        type: 'heatmap',
        title: `${model.model}: prediction score distribution`,
        targets: [
          {
            expr: `sum by (le) (increase(prediction_score_distribution_bucket{${m}}[$__rate_interval]))`,
            legendFormat: '{{le}}',
            format: 'heatmap',
          },
        ],
      },
      { h: 7, w: 8, x: 8 },
      y + 7,
    ),
    layout.panel(
      {
        type: 'table',
        title: `${model.model}: alerts in the time range`,
        targets: [{ expr: `max_over_time(ALERTS{${m}}[$__range])`, instant: true, format: 'table' }],
      },
      { h: 7, w: 8, x: 16 },
      y + 7,
    ),
  ];
  const business = model.businessMetric;
  if (business !== undefined) {
    const steps = [
      ...(business.min === undefined ? [] : [{ value: business.min, color: 'green' }]),
      ...(business.max === undefined ? [] : [{ value: business.max, color: 'red' }]),
    ];
    panels.push(
      layout.panel(
        {
          type: 'timeseries',
          title: `${model.model}: ${business.name}`,
          targets: [{ expr: business.query, legendFormat: business.name }],
          // Red outside [min, max]: below min (when set) and from max up.
          fieldConfig: thresholds(steps, business.min === undefined ? 'green' : 'red'),
        },
        { h: 7, w: 24, x: 0 },
        y + 14,
      ),
    );
  }
  return panels;
}
