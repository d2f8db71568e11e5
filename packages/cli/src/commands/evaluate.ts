import {
  type AnalyticsConfigInput,
  type CohortMetrics,
  createAnalytics,
  type EvaluationReport,
  type MetricSet,
} from '@predlog/analytics';
import { type CliIo, type Command, EXIT_FAILED, EXIT_OK, UsageError } from '../command.ts';
import {
  analyticsConfigArgument,
  count,
  DECISION_OPTIONS,
  DECISION_USAGE,
  figure,
  fractionArgument,
  holdYoungGeneration,
  JOIN_OPTIONS,
  JOIN_USAGE,
  jsonText,
  labelSourceArgument,
  noPositiveLabelWarning,
  numberArgument,
  positiveIntegerArgument,
  SELECTION_OPTIONS,
  SELECTION_USAGE,
  selectionArgument,
  TIME_USAGE,
  terminalText,
  withInputErrors,
} from '../internal/analytics-arguments.ts';
import { expectPositionals, parseCommandLine } from '../internal/command-line.ts';
import { readEvaluationBaseline } from '../internal/evaluation-baseline-file.ts';
import { joinSummaryLines, matchRateWarning, readWarning } from '../internal/join-summary.ts';
import { renderTextTable } from '../internal/text-table.ts';

const DIMENSIONS = ['version', 'segment', 'date'] as const;

export const evaluateCommand: Command = {
  name: 'evaluate',
  usage: `Usage: predlog evaluate <dir> [--labels <file>] [--model <name>] [--since <time>] [--until <time>]
                        [--task auto|classification|regression] [--positive-label <v> ...]
                        [--threshold <x>] [--ece-bins <n>] [--by version,segment,date|none]
                        [--baseline <report.json>] [--tolerance <x>] [--relative-tolerance <x>]
                        [join options] [--json]

Joins labels to the window's predictions (see predlog join) and computes, weighted by
ml.sampling.weight, overall and per cohort (model version, segment, UTC prediction date):
  classification  AUC-ROC, precision, recall, F1, expected calibration error (ECE)
  regression      MAE, RMSE, MAPE, bias
With --baseline (an earlier --json output) each overall metric is compared with the baseline's.

Options:
  --task <task>           auto (default: regression for numeric predictions without a score),
                          classification or regression
${DECISION_USAGE}
  --ece-bins <n>          equal-width score bins of the ECE (default 10)
  --by <dimensions>       cohort dimensions, comma-separated, or none (default version,segment,date)
  --baseline <file>       a report written by predlog evaluate --json
  --tolerance <x>         a [0,1] metric (AUC, precision, recall, F1, ECE) worse than the baseline by
                          more than x fails (default 0.02)
  --relative-tolerance <x> MAE, RMSE or MAPE worse by more than this share fails (default 0.1)
${JOIN_USAGE}
${SELECTION_USAGE}

${TIME_USAGE}

Exit codes: 0 evaluated, 1 a metric worse than the baseline beyond tolerance, no labelled
predictions, or (classification) no label read as positive: the labels seen are listed, pass
--positive-label; 2 usage error. A label match rate below the minimum is warned about (predlog join
fails on it).

Examples:
  predlog evaluate ./prediction-logs --labels chargebacks.csv --positive-label fraud --since -7d
  predlog evaluate ./prediction-logs --labels truth.ndjson --json > week-12.json
  predlog evaluate ./prediction-logs --labels truth.ndjson --baseline week-12.json --by none`,

  async run(rawArgs: string[], io: CliIo): Promise<number> {
    holdYoungGeneration();
    const { values, positionals } = parseCommandLine({
      args: rawArgs,
      options: {
        ...SELECTION_OPTIONS,
        ...JOIN_OPTIONS,
        ...DECISION_OPTIONS,
        task: { type: 'string' },
        'ece-bins': { type: 'string' },
        by: { type: 'string' },
        baseline: { type: 'string' },
        tolerance: { type: 'string' },
        'relative-tolerance': { type: 'string' },
      },
      allowPositionals: true,
    });
    const [dir = ''] = expectPositionals(positionals, ['<dir>']);
    const evaluate: NonNullable<AnalyticsConfigInput['evaluate']> = {};
    const classification: NonNullable<AnalyticsConfigInput['classification']> = {};
    if (values.task !== undefined) {
      if (values.task !== 'auto' && values.task !== 'classification' && values.task !== 'regression') {
        throw new UsageError(`--task must be auto, classification or regression (got '${values.task}')`);
      }
      evaluate.task = values.task;
    }
    if (values.by !== undefined) evaluate.cohorts = parseDimensions(values.by);
    if (values.tolerance !== undefined)
      evaluate.absoluteTolerance = fractionArgument('--tolerance', values.tolerance);
    if (values['relative-tolerance'] !== undefined) {
      const relative = numberArgument('--relative-tolerance', values['relative-tolerance']);
      if (relative < 0) throw new UsageError('--relative-tolerance must not be negative');
      evaluate.relativeTolerance = relative;
    }
    if (values['ece-bins'] !== undefined)
      classification.eceBins = positiveIntegerArgument('--ece-bins', values['ece-bins']);
    const config = analyticsConfigArgument(values, { evaluate, classification });
    const baseline =
      values.baseline === undefined ? undefined : await readEvaluationBaseline(io.cwd, values.baseline);
    const selection = await selectionArgument(io.cwd, dir, values);
    const labels = await labelSourceArgument(io.cwd, values);
    const report = await withInputErrors(() => createAnalytics(config).evaluate(selection, labels, baseline));

    const readProblem = readWarning(report.join.logs);
    if (readProblem !== undefined) io.stderr.write(`${readProblem}\n`);
    io.stdout.write(values.json ? jsonText(report) : renderEvaluation(report, selection.model));
    const labelled = (report.overall.classification?.count ?? 0) + (report.overall.regression?.count ?? 0);
    let code = EXIT_OK;
    if (labelled === 0) {
      io.stderr.write('no labelled predictions to evaluate\n');
      code = EXIT_FAILED;
    }
    const noPositive = noPositiveLabelWarning(report, config.classification.positiveLabels);
    if (noPositive !== undefined) {
      io.stderr.write(`${noPositive}\n`);
      code = EXIT_FAILED;
    }
    // The match rate is join's check; here it is context (a window leaves out the labels of older predictions).
    const warning = matchRateWarning(
      report.join,
      selection.since !== undefined || selection.until !== undefined,
    );
    if (warning !== undefined) io.stderr.write(`${warning}\n`);
    if (report.degraded) {
      const worse = (report.comparison ?? []).filter((c) => c.worse).map((c) => c.metric);
      io.stderr.write(`worse than the baseline beyond tolerance: ${worse.join(', ')}\n`);
      code = EXIT_FAILED;
    }
    return code;
  },
};

function parseDimensions(text: string): Array<(typeof DIMENSIONS)[number]> {
  if (text === 'none') return [];
  const out: Array<(typeof DIMENSIONS)[number]> = [];
  for (const part of text.split(',')) {
    const name = part.trim();
    const found = DIMENSIONS.find((d) => d === name);
    if (found === undefined) {
      throw new UsageError(`--by takes ${DIMENSIONS.join(', ')} or none, comma-separated (got '${text}')`);
    }
    if (!out.includes(found)) out.push(found);
  }
  return out;
}

const CLASSIFICATION_COLUMNS = [
  ['AUC-ROC', 'auc'],
  ['precision', 'precision'],
  ['recall', 'recall'],
  ['F1', 'f1'],
  ['ECE', 'ece'],
] as const;

const REGRESSION_COLUMNS = [
  ['MAE', 'mae'],
  ['RMSE', 'rmse'],
  ['MAPE', 'mape'],
  ['bias', 'bias'],
] as const;

function metricValues(set: MetricSet): Array<[string, number | null]> {
  if (set.classification !== null) {
    return CLASSIFICATION_COLUMNS.map(([label, key]) => [label, set.classification?.[key] ?? null]);
  }
  if (set.regression !== null) {
    return REGRESSION_COLUMNS.map(([label, key]) => [label, set.regression?.[key] ?? null]);
  }
  return [];
}

function cohortRow(cohort: CohortMetrics): string[] {
  const n = cohort.classification?.count ?? cohort.regression?.count ?? 0;
  const w = cohort.classification?.weight ?? cohort.regression?.weight ?? 0;
  return [terminalText(cohort.value), count(n), count(w), ...metricValues(cohort).map(([, v]) => figure(v))];
}

function renderEvaluation(report: EvaluationReport, model: string | undefined): string {
  const lines: string[] = [];
  const overall = report.overall.classification ?? report.overall.regression;
  lines.push(
    `${model === undefined ? 'all models' : `model ${terminalText(model)}`}: ${count(overall?.count ?? 0)} labelled predictions (${count(overall?.weight ?? 0)} weighted), task ${report.task ?? 'unknown'}`,
    ...joinSummaryLines(report.join),
    '',
  );
  const metrics = metricValues(report.overall);
  if (metrics.length > 0) {
    const comparison = new Map((report.comparison ?? []).map((c) => [c.metric, c]));
    const keys = report.overall.classification !== null ? CLASSIFICATION_COLUMNS : REGRESSION_COLUMNS;
    const rows = metrics.map(([label, value], i) => {
      const c = comparison.get(keys[i]?.[1] ?? '');
      const row = [label, figure(value)];
      if (report.comparison !== null) {
        row.push(
          figure(c?.baseline),
          c?.delta === null || c?.delta === undefined ? '–' : signed(c.delta),
          c?.worse ? 'WORSE' : '',
        );
      }
      return row;
    });
    const headers =
      report.comparison === null ? ['metric', 'value'] : ['metric', 'value', 'baseline', 'delta', ''];
    lines.push(renderTextTable(headers, rows, [1, 2, 3]));
    const c = report.overall.classification;
    if (c !== null && c.aucErrorBound > 0)
      lines.push(`AUC within ±${figure(c.aucErrorBound, 2)} (scores binned)`);
    if (report.overall.regression !== null && report.overall.regression.mapeExcluded > 0) {
      lines.push(
        `MAPE leaves out ${count(report.overall.regression.mapeExcluded)} predictions whose actual value is 0`,
      );
    }
  }
  if (report.unusablePairs > 0) {
    lines.push(
      `${count(report.unusablePairs)} joined predictions had no usable label or decision and were left out`,
    );
  }
  for (const dimension of DIMENSIONS) {
    const cohorts = report.cohorts.filter((c) => c.dimension === dimension);
    if (cohorts.length === 0) continue;
    const labels = metricValues(cohorts[0] as CohortMetrics).map(([label]) => label);
    lines.push(
      '',
      `by ${dimension}`,
      renderTextTable([dimension, 'n', 'weighted', ...labels], cohorts.map(cohortRow), [
        1,
        2,
        ...labels.map((_, i) => i + 3),
      ]),
    );
  }
  return `${lines.join('\n')}\n`;
}

function signed(value: number): string {
  return `${value > 0 ? '+' : ''}${figure(value)}`;
}
