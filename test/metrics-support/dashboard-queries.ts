import { readFile } from 'node:fs/promises';

export const DASHBOARD_FILE = new URL('../../deploy/grafana/predlog-dashboard.json', import.meta.url);

export interface DatasourceRef {
  readonly type?: string;
  readonly uid?: string;
}

export interface DashboardTarget {
  readonly datasource?: DatasourceRef;
  readonly expr?: string;
  readonly refId?: string;
}

export interface DashboardPanel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly datasource?: DatasourceRef;
  readonly targets?: readonly DashboardTarget[];
  readonly gridPos?: { h: number; w: number; x: number; y: number };
  readonly panels?: readonly DashboardPanel[];
}

export interface DashboardVariable {
  readonly name: string;
  readonly type: string;
  readonly query?: unknown;
  readonly definition?: string;
  readonly datasource?: DatasourceRef;
}

export interface Dashboard {
  readonly title: string;
  readonly uid: string;
  readonly panels: readonly DashboardPanel[];
  readonly templating: { readonly list: readonly DashboardVariable[] };
}

/** One query of one panel, with the row it sits in and the datasource variable it uses. */
export interface PanelQuery {
  readonly row: string;
  readonly panel: string;
  readonly panelType: string;
  readonly refId: string;
  /** `prometheus` or `loki`: the datasource variable's name, from `${...}` in the uid. */
  readonly datasource: string;
  readonly expr: string;
}

export async function loadDashboard(): Promise<Dashboard> {
  return JSON.parse(await readFile(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

/** Every panel query, in dashboard order (rows are flat in `panels`, as Grafana writes expanded rows). */
export function panelQueries(dashboard: Dashboard): PanelQuery[] {
  const queries: PanelQuery[] = [];
  let row = '';
  const visit = (panel: DashboardPanel) => {
    if (panel.type === 'row') {
      row = panel.title;
      for (const inner of panel.panels ?? []) visit(inner);
      return;
    }
    for (const target of panel.targets ?? []) {
      const uid = target.datasource?.uid ?? panel.datasource?.uid ?? '';
      queries.push({
        row,
        panel: panel.title,
        panelType: panel.type,
        refId: target.refId ?? '',
        datasource: /^\$\{(\w+)\}$/.exec(uid)?.[1] ?? uid,
        expr: target.expr ?? '',
      });
    }
  };
  for (const panel of dashboard.panels) visit(panel);
  return queries;
}

/**
 * A query as Grafana sends it: its variables and the interval macros replaced. `values` gives the
 * dashboard variables (`model`, `feature`, `request_id`); the macros get the given windows.
 */
export function interpolate(
  expr: string,
  values: Readonly<Record<string, string>>,
  windows: { rateInterval: string; interval: string; range: string },
): string {
  return expr
    .replaceAll('$__rate_interval', windows.rateInterval)
    .replaceAll('$__interval', windows.interval)
    .replaceAll('$__range', windows.range)
    .replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare ?? '';
      const value = values[name];
      if (value === undefined) throw new Error(`no value for dashboard variable ${whole}`);
      return value;
    });
}

/** Variables referenced by a string, `$name` or `${name}` (Grafana's macros `$__x` excluded). */
export function referencedVariables(text: string): string[] {
  return [...text.matchAll(/\$\{(\w+)\}|\$(?!__)(\w+)/g)].map((m) => m[1] ?? m[2] ?? '');
}
