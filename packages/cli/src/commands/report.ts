import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type AnalyticsConfigInput,
  type BaselineSource,
  computeProxySignals,
  createAnalytics,
  type LabelSource,
  proxySignalConfigSchema,
  proxySignalSection,
  readBaselineFile,
  renderHtmlReport,
} from '@predlog/analytics';
import { type CliIo, type Command, EXIT_FAILED, EXIT_OK, UsageError } from '../command.ts';
import {
  analyticsConfigArgument,
  bytes,
  count,
  DECISION_OPTIONS,
  DECISION_USAGE,
  fileArgument,
  holdYoungGeneration,
  JOIN_OPTIONS,
  jsonText,
  labelSourceArgument,
  noPositiveLabelWarning,
  positiveIntegerArgument,
  SELECTION_OPTIONS,
  selectionArgument,
  TIME_USAGE,
  terminalText,
  withInputErrors,
} from '../internal/analytics-arguments.ts';
import { expectPositionals, parseCommandLine } from '../internal/command-line.ts';
import { readWarning } from '../internal/join-summary.ts';

export const reportCommand: Command = {
  name: 'report',
  usage: `Usage: predlog report <dir> --out <report.html> [--baseline <file> | --baseline-days <n>]
                      [--labels <file> | --feedback] [--model <name>] [--since <time>] [--until <time>]
                      [--title <text>] [--cohort-fields <a,b,…>] [--period auto|day|hour]
                      [--positive-label <v> ...] [--threshold <x>] [--json]

Writes one HTML file for people who would rather look than read: the baseline against the current
window; the proxy signals that move before labels arrive (confidence, uniformity, entropy, the
feature anomaly rate with a --baseline profile, and the composite degradation score with its
verdict, as predlog signals computes them); the trend per day (per hour for a history of at most 2 days) of every metric, each on an
axis scaled to its values: AUC, precision, recall, F1, ECE and the actual positive rate when labels
are joined (MAE, RMSE, bias for regression), the positive decision rate and the mean score; the
calibration curve (reliability diagram) of both windows; the same trends by model version and by
each cohort field the records have (segment, channel, region by default: a field of the record,
an attribute or an input feature), with a table per breakdown; the score histogram of the baseline
against the current window; PSI per feature with the 0.1 and 0.2 limits; the drift and daily
tables. Inline CSS and SVG only: no script, no external reference, it opens offline.

Options:
  --out <file>            the HTML file to write (required)
  --baseline <file>       baseline profile, stats file or NDJSON records (see predlog drift)
  --baseline-days <n>     baseline: the first n UTC days in the tree (default 7); a shorter history
                          is split automatically, as for predlog drift
  --labels <file>         labels for the metric trend (see predlog join)
  --feedback              take the labels from the tree's ml.feedback records
  --title <text>          the page title (default "predlog model report")
  --cohort-fields <list>  fields to break the trends down by, beside the model version, comma-
                          separated (default segment,channel,region; those no record has are left out)
  --period <p>            trend points per day or hour; auto (default): hours for at most 2 days
${DECISION_USAGE}
  --model <name>          the model to read (default: the only model in the tree)
  --since <time>          current window from this time (default: after the baseline days)
  --until <time>          current window before this time
  --json                  also print the figures behind the page as JSON

${TIME_USAGE}

Exit codes: 0 written, 1 no predictions in the current window (nothing written) or labels of which
none reads as positive (written; the labels seen are listed), 2 usage error.

Example:
  predlog report ./prediction-logs --baseline-days 7 --labels chargebacks.csv --out weekly.html`,

  async run(rawArgs: string[], io: CliIo): Promise<number> {
    holdYoungGeneration();
    const { values, positionals } = parseCommandLine({
      args: rawArgs,
      options: {
        ...SELECTION_OPTIONS,
        ...DECISION_OPTIONS,
        ...JOIN_OPTIONS,
        out: { type: 'string' },
        baseline: { type: 'string' },
        'baseline-days': { type: 'string' },
        feedback: { type: 'boolean', default: false },
        title: { type: 'string' },
        'cohort-fields': { type: 'string' },
        period: { type: 'string' },
      },
      allowPositionals: true,
    });
    const [dir = ''] = expectPositionals(positionals, ['<dir>']);
    if (values.out === undefined || values.out === '') throw new UsageError('missing --out <report.html>');
    if (values.baseline !== undefined && values['baseline-days'] !== undefined) {
      throw new UsageError('give --baseline or --baseline-days, not both');
    }
    if (values.labels !== undefined && values.feedback)
      throw new UsageError('give --labels or --feedback, not both');
    const extra: AnalyticsConfigInput = {};
    if (values['baseline-days'] !== undefined) {
      extra.drift = { baselineDays: positiveIntegerArgument('--baseline-days', values['baseline-days']) };
    }
    const reportConfig: NonNullable<AnalyticsConfigInput['report']> = {};
    if (values.title !== undefined) {
      if (values.title === '') throw new UsageError('--title needs a value');
      reportConfig.title = values.title;
    }
    if (values['cohort-fields'] !== undefined)
      reportConfig.cohortFields = cohortFieldsArgument(values['cohort-fields']);
    if (values.period !== undefined) {
      if (values.period !== 'auto' && values.period !== 'day' && values.period !== 'hour') {
        throw new UsageError(`--period must be auto, day or hour (got '${values.period}')`);
      }
      reportConfig.trendPeriod = values.period;
    }
    extra.report = reportConfig;
    const config = analyticsConfigArgument(values, extra);
    const selection = await selectionArgument(io.cwd, dir, values);
    const baseline: BaselineSource =
      values.baseline === undefined
        ? { kind: 'days', days: config.drift.baselineDays }
        : { kind: 'file', file: await fileArgument(io.cwd, '--baseline', values.baseline) };
    let labels: LabelSource | undefined;
    if (values.labels !== undefined) labels = await labelSourceArgument(io.cwd, values);
    else if (values.feedback) labels = { kind: 'feedback' };
    const { data } = await withInputErrors(() => createAnalytics(config).report(selection, baseline, labels));
    // The label-free early-warning signals, over the same selection (a second read of the logs);
    // a baseline profile file also gives the feature anomaly rate.
    const signals = proxySignalConfigSchema.parse({});
    const profile =
      baseline.kind === 'file'
        ? (await withInputErrors(() => readBaselineFile(baseline.file, config))).profile
        : undefined;
    const proxy = await withInputErrors(() =>
      computeProxySignals({ selection, signals, ...(profile === undefined ? {} : { baseline: profile }) }),
    );
    const html = renderHtmlReport(data, {
      maxSeries: config.report.maxSeries,
      proxySignals: proxySignalSection(proxy, { warn: signals.warnScore, page: signals.pageScore }),
    });
    const readProblem = readWarning(data.logs);
    if (readProblem !== undefined) io.stderr.write(`${readProblem}\n`);
    if (data.drift.current.records === 0) {
      io.stderr.write('no predictions in the current window; nothing written\n');
      return EXIT_FAILED;
    }
    await writeFile(path.resolve(io.cwd, values.out), html);
    if (values.json) io.stdout.write(jsonText(data));
    else {
      io.stdout.write(
        `wrote ${values.out} (${bytes(Buffer.byteLength(html))}): ${count(data.drift.current.records)} predictions over ${data.daily.length} ${data.period}(s) against ${data.baselineDescription}${data.metricName === null ? '' : `, ${data.metricName} per ${data.period}`}${data.breakdowns.length === 0 ? '' : `; by ${data.breakdowns.map((b) => terminalText(b.dimension)).join(', ')}`}\n`,
      );
    }
    // The page is written either way; without a positive label its metrics mean nothing.
    const noPositive =
      data.evaluation === null
        ? undefined
        : noPositiveLabelWarning(data.evaluation, config.classification.positiveLabels);
    if (noPositive !== undefined) {
      io.stderr.write(`${noPositive}\n`);
      return EXIT_FAILED;
    }
    return EXIT_OK;
  },
};

/** `segment,channel`: distinct, non-empty field names. */
function cohortFieldsArgument(text: string): string[] {
  const fields = [...new Set(text.split(',').map((f) => f.trim()))];
  if (fields.some((f) => f === '')) {
    throw new UsageError(`--cohort-fields takes field names, comma-separated (got '${text}')`);
  }
  if (fields.length > 10) throw new UsageError('--cohort-fields takes at most 10 fields');
  return fields;
}
