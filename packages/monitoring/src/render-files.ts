import { stringify } from 'yaml';
import { type AlertmanagerOptions, renderAlertmanagerConfig } from './alertmanager-config.ts';
import type { ModelMonitoringConfig } from './config.ts';
import { renderGrafanaDashboard } from './grafana-dashboard.ts';
import { renderPrometheusRules } from './prometheus-rules.ts';

export const RENDERED_FILES = {
  rules: 'predlog-models.rules.yaml',
  alertmanager: 'alertmanager.yml',
  dashboard: 'predlog-models-dashboard.json',
} as const;

export interface RenderedFile {
  readonly name: string;
  readonly text: string;
}

const yamlOptions = { lineWidth: 0, blockQuote: 'literal', aliasDuplicateObjects: false } as const;

/** The three files `predlog monitoring render` writes, as text. */
export function renderMonitoringFiles(
  models: readonly ModelMonitoringConfig[],
  options: AlertmanagerOptions = {},
): RenderedFile[] {
  const names = models.map((m) => `${m.model} (${m.tier})`).join(', ');
  const header = (lines: readonly string[]) =>
    `${[`# Rendered by predlog monitoring render from the monitoring configs of: ${names}.`, '# Do not edit: change a model-monitoring.yaml and render again.', ...lines].join('\n')}\n`;
  return [
    {
      name: RENDERED_FILES.rules,
      text:
        header([
          `# Load with rule_files: [${RENDERED_FILES.rules}] in prometheus.yml; check: promtool check rules ${RENDERED_FILES.rules}`,
        ]) + stringify(renderPrometheusRules(models), yamlOptions),
    },
    {
      name: RENDERED_FILES.alertmanager,
      text:
        header([
          `# Alertmanager --config.file=${RENDERED_FILES.alertmanager}; check: amtool check-config ${RENDERED_FILES.alertmanager}`,
          '# Acknowledge a page by silencing its model (amtool silence add model_name=<model>); unsilenced pages escalate.',
        ]) + stringify(renderAlertmanagerConfig(models, options), yamlOptions),
    },
    { name: RENDERED_FILES.dashboard, text: `${JSON.stringify(renderGrafanaDashboard(models), null, 2)}\n` },
  ];
}
