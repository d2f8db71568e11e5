import {
  type PerformanceConfigInput,
  type PerformanceReport,
  performanceConfigSchema,
  performanceLoop,
} from '@predlog/analytics';
import { type CliIo, type Command, EXIT_FAILED, EXIT_OK, UsageError } from '../command.ts';
import {
  analyticsConfigArgument,
  count,
  DECISION_OPTIONS,
  DECISION_USAGE,
  figure,
  fileArgument,
  holdYoungGeneration,
  JOIN_OPTIONS,
  JOIN_USAGE,
  jsonText,
  labelSourceArgument,
  numberArgument,
  percent,
  positiveIntegerArgument,
  pValue,
  SELECTION_OPTIONS,
  SELECTION_USAGE,
  selectionArgument,
  TIME_USAGE,
  withInputErrors,
} from '../internal/analytics-arguments.ts';
import { expectPositionals, parseCommandLine } from '../internal/command-line.ts';
import { readEvaluationBaseline } from '../internal/evaluation-baseline-file.ts';
import { readWarning } from '../internal/join-summary.ts';
import { schemaArgument } from '../internal/schema-argument.ts';
import { renderTextTable } from '../internal/text-table.ts';
import { postWebhook } from '../internal/webhook-post.ts';

/** The event a fired retraining trigger emits (a JSON line on stderr, and the webhook's body). */
export const RETRAINING_EVENT = 'predlog.retraining_trigger';

export const performanceCommand: Command = {
  name: 'performance',
  usage: `Usage: predlog performance <dir> --labels <file> [--days <n>] [--metric <m> (--below <x> | --above <x>)
                          [--for <n>]] [--baseline <report.json>] [--training-set <file>]
                          [--webhook <url>] [join options] [--json]

The performance loop over labelled predictions, weighted by ml.sampling.weight: per prediction day
and over rolling windows of --days days, AUC, precision, recall, F1, ECE (classification) or MAE,
RMSE, MAPE, bias (regression); the trend of the chosen metric's daily values over the last --days
days (weighted least-squares slope, weights the labelled counts, with its t-statistic: improving or
degrading when p < 0.05, else stable); the latest window against a training baseline; the label
match rate against --min-match-rate; and the retraining trigger: the rolling metric below (or
above) the threshold on --for consecutive days, so that one noisy day does not retrain.

Options:
  --days <n>              days per rolling window, and of the trend (default 30)
  --metric <m>            auc, precision, recall, f1, ece, mae, rmse, mape or bias (|bias|);
                          default auc (mae for regression)
  --below <x> | --above <x>  the trigger's threshold (above: for ECE and the error metrics)
  --for <n>               consecutive days past the threshold that fire the trigger (default 3)
  --baseline <file>       the training/validation baseline: predlog evaluate --json of it
  --training-set <file>   NDJSON or CSV with timestamps: report its share from the last 90 days
  --webhook <url>         POST the trigger event as JSON here when it fires
${JOIN_USAGE}
${DECISION_USAGE}
${SELECTION_USAGE}

${TIME_USAGE}

When the trigger fires, one JSON line {"event":"${RETRAINING_EVENT}",...} goes to stderr and to the
webhook. Exit codes: 0 no trigger and no warning, 1 the trigger fired, the label match rate is below
the minimum, or the latest window is worse than the baseline, 2 usage error.

Examples:
  predlog performance ./prediction-logs --labels chargebacks.csv --days 30 --metric auc --below 0.8 --for 3
  predlog performance ./prediction-logs --labels truth.ndjson --baseline validation.json --webhook http://ci/retrain`,

  async run(rawArgs: string[], io: CliIo): Promise<number> {
    holdYoungGeneration();
    const { values, positionals } = parseCommandLine({
      args: rawArgs,
      options: {
        ...SELECTION_OPTIONS,
        ...JOIN_OPTIONS,
        ...DECISION_OPTIONS,
        days: { type: 'string' },
        metric: { type: 'string' },
        below: { type: 'string' },
        above: { type: 'string' },
        for: { type: 'string' },
        baseline: { type: 'string' },
        'training-set': { type: 'string' },
        webhook: { type: 'string' },
      },
      allowPositionals: true,
    });
    const [dir = ''] = expectPositionals(positionals, ['<dir>']);
    if (values.labels === undefined) throw new UsageError('performance needs --labels <file>');
    const input: Record<string, unknown> = {};
    if (values.days !== undefined) input.windowDays = positiveIntegerArgument('--days', values.days);
    if (values.metric !== undefined) input.metric = values.metric;
    if (values.below !== undefined) input.below = numberArgument('--below', values.below);
    if (values.above !== undefined) input.above = numberArgument('--above', values.above);
    if (values.for !== undefined) input.forDays = positiveIntegerArgument('--for', values.for);
    const performance = schemaArgument(performanceConfigSchema, input as PerformanceConfigInput, '--');
    const webhook = values.webhook === undefined ? undefined : webhookArgument(values.webhook);
    const config = analyticsConfigArgument(values);
    const baseline =
      values.baseline === undefined ? undefined : await readEvaluationBaseline(io.cwd, values.baseline);
    const trainingSet =
      values['training-set'] === undefined
        ? undefined
        : await fileArgument(io.cwd, '--training-set', values['training-set']);
    const selection = await selectionArgument(io.cwd, dir, values);
    const labels = await labelSourceArgument(io.cwd, values);
    const report = await withInputErrors(() =>
      performanceLoop({ selection, labels, config, performance, baseline, trainingSet }),
    );
    const readProblem = readWarning(report.join.logs);
    if (readProblem !== undefined) io.stderr.write(`${readProblem}\n`);
    io.stdout.write(values.json ? jsonText(report) : renderPerformance(report));
    let code = EXIT_OK;
    if (report.days.length === 0) {
      io.stderr.write('no labelled predictions\n');
      code = EXIT_FAILED;
    }
    if (report.labelMatch.belowMinimum) {
      io.stderr.write(
        `label match rate ${percent(report.labelMatch.rate)} is below the minimum ${percent(report.labelMatch.minimum)}\n`,
      );
      code = EXIT_FAILED;
    }
    if (report.degraded) {
      const worse = (report.baseline ?? []).filter((c) => c.worse).map((c) => c.metric);
      io.stderr.write(`worse than the training baseline beyond tolerance: ${worse.join(', ')}\n`);
      code = EXIT_FAILED;
    }
    const trigger = report.trigger;
    if (trigger?.triggered === true) {
      const event = {
        event: RETRAINING_EVENT,
        model: selection.model ?? null,
        metric: trigger.metric,
        value: report.rolling.at(-1)?.value ?? null,
        threshold: trigger.threshold,
        direction: trigger.direction,
        consecutiveDays: trigger.consecutiveDays,
        forDays: trigger.forDays,
        since: trigger.since,
        date: report.rolling.at(-1)?.date ?? null,
        windowDays: report.windowDays,
        trend: report.trend.direction,
      };
      const line = JSON.stringify(event);
      io.stderr.write(`${line}\n`);
      if (webhook !== undefined) {
        const outcome = await postWebhook(webhook, line);
        if (!outcome.ok) io.stderr.write(`webhook: ${outcome.problem}\n`);
      }
      code = EXIT_FAILED;
    }
    return code;
  },
};

function webhookArgument(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError('--webhook must be an http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError('--webhook must be an http(s) URL');
  return url;
}

function renderPerformance(report: PerformanceReport): string {
  const lines: string[] = [];
  const latest = report.rolling.at(-1);
  lines.push(
    `${report.task ?? 'unknown task'}: ${report.metric} over rolling ${report.windowDays}-day windows, ${report.days.length} labelled days`,
    `label match rate ${percent(report.labelMatch.rate)} (minimum ${percent(report.labelMatch.minimum)})${report.labelMatch.belowMinimum ? ' BELOW MINIMUM' : ''}`,
    '',
    renderTextTable(
      ['date', 'labelled', `${report.metric} (day)`, `${report.metric} (${report.windowDays}d)`],
      report.days.map((d, i) => [d.date, count(d.count), figure(d.value), figure(report.rolling[i]?.value)]),
      [1, 2, 3],
    ),
    '',
  );
  const t = report.trend.statistic;
  lines.push(
    t === null
      ? 'trend: fewer than 3 labelled days'
      : `trend: ${report.trend.direction} (slope ${figure(t.slope, 3)}/day, t ${figure(t.t, 3)} on ${t.degreesOfFreedom} df, p ${pValue(t.pValue)})`,
  );
  if (report.baseline !== null) {
    lines.push(
      `against the baseline: ${report.baseline
        .map((c) => `${c.metric} ${figure(c.current)} vs ${figure(c.baseline)}${c.worse ? ' WORSE' : ''}`)
        .join(', ')}`,
    );
  }
  if (report.trigger !== null) {
    const tr = report.trigger;
    lines.push(
      `retraining trigger (${tr.metric} ${tr.direction} ${tr.threshold} for ${tr.forDays} days): ${tr.triggered ? `FIRED, ${tr.consecutiveDays} days since ${tr.since}` : `not fired (${tr.consecutiveDays} consecutive days)`}; latest ${figure(latest?.value)}`,
    );
  }
  if (report.freshness !== null) {
    const f = report.freshness;
    lines.push(
      `training set freshness: ${percent(f.share)} of ${count(f.rows)} rows from the ${f.days} days before ${f.asOf.slice(0, 10)}${f.undated > 0 ? ` (${count(f.undated)} rows without a time left out)` : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
