import { type BacktestReport, backtestConfigSchema, backtestSignals } from '@predlog/analytics';
import { type CliIo, type Command, EXIT_FAILED, EXIT_OK, UsageError } from '../command.ts';
import {
  analyticsConfigArgument,
  DECISION_OPTIONS,
  DECISION_USAGE,
  figure,
  holdYoungGeneration,
  JOIN_OPTIONS,
  JOIN_USAGE,
  jsonText,
  labelSourceArgument,
  numberArgument,
  percent,
  positiveIntegerArgument,
  SELECTION_OPTIONS,
  SELECTION_USAGE,
  selectionArgument,
  TIME_USAGE,
  terminalText,
  withInputErrors,
} from '../internal/analytics-arguments.ts';
import { expectPositionals, parseCommandLine } from '../internal/command-line.ts';
import { schemaArgument } from '../internal/schema-argument.ts';
import { SIGNAL_OPTIONS, SIGNAL_USAGE, signalArguments } from '../internal/signal-arguments.ts';
import { renderTextTable } from '../internal/text-table.ts';

export const backtestCommand: Command = {
  name: 'backtest',
  usage: `Usage: predlog backtest <dir> --labels <file> [--baseline <profile>] [--business <file>]
                        [--metric auc|precision|recall|f1|ece|mae|rmse|mape|bias] [--drop <x>]
                        [--confirm-days <n>] [--max-lead-days <n>] [signal options] [--json]

Backtests the proxy signals (see predlog signals) on labelled history. The degradation event is the
first of --confirm-days consecutive prediction days whose labelled metric is worse than the
reference days' mean by more than --drop; it is visible in the labels on the day half the labels
of its last confirming day had arrived (label timestamps). For each signal and for the composite
(default and calibrated weights) it reports the lead time (first alert within --max-lead-days of
the event, to the day the event became visible) and the false positive rate: alerting days among
the clean days (after the reference, more than --max-lead-days before the event, not degraded).

Options:
  --metric <m>            the labelled metric (default auc; mae for regression)
  --drop <x>              absolute drop that makes a day degraded (default 0.05)
  --confirm-days <n>      consecutive degraded days that make the event (default 2)
  --max-lead-days <n>     alerts this close to the event count as leading it (default 7)
${SIGNAL_USAGE}
${JOIN_USAGE}
${DECISION_USAGE}
${SELECTION_USAGE}

${TIME_USAGE}

Exit codes: 0 backtested, 1 no degradation event in the labels or the composite missed it, 2 usage
error.

Example:
  predlog backtest ./prediction-logs --labels chargebacks.ndjson --baseline training.ndjson`,

  async run(rawArgs: string[], io: CliIo): Promise<number> {
    holdYoungGeneration();
    const { values, positionals } = parseCommandLine({
      args: rawArgs,
      options: {
        ...SELECTION_OPTIONS,
        ...JOIN_OPTIONS,
        ...DECISION_OPTIONS,
        ...SIGNAL_OPTIONS,
        metric: { type: 'string' },
        drop: { type: 'string' },
        'confirm-days': { type: 'string' },
        'max-lead-days': { type: 'string' },
      },
      allowPositionals: true,
    });
    const [dir = ''] = expectPositionals(positionals, ['<dir>']);
    if (values.labels === undefined) throw new UsageError('backtest needs --labels <file>');
    const backtest = schemaArgument(backtestConfigSchema, {
      ...(values.metric === undefined ? {} : { metric: values.metric }),
      ...(values.drop === undefined ? {} : { dropTolerance: numberArgument('--drop', values.drop) }),
      ...(values['confirm-days'] === undefined
        ? {}
        : { confirmDays: positiveIntegerArgument('--confirm-days', values['confirm-days']) }),
      ...(values['max-lead-days'] === undefined
        ? {}
        : { maxLeadDays: positiveIntegerArgument('--max-lead-days', values['max-lead-days']) }),
    });
    const config = analyticsConfigArgument(values);
    const { signals, baseline, business } = await signalArguments(io.cwd, values, config);
    const selection = await selectionArgument(io.cwd, dir, values);
    const labels = await labelSourceArgument(io.cwd, values);
    const report = await withInputErrors(() =>
      backtestSignals({ selection, labels, config, signals, backtest, baseline, business }),
    );
    io.stdout.write(values.json ? jsonText(report) : renderBacktest(report));
    if (report.event === null) {
      io.stderr.write('no degradation event in the labels: lead times are undefined\n');
      return EXIT_FAILED;
    }
    const composite = report.signals.find((s) => s.signal === 'composite');
    if (composite?.leadDays === null || composite?.leadDays === undefined) {
      io.stderr.write('the composite score did not alert near the event\n');
      return EXIT_FAILED;
    }
    return EXIT_OK;
  },
};

function renderBacktest(report: BacktestReport): string {
  const lines = [
    `reference ${report.referenceDays[0] ?? '–'} … ${report.referenceDays.at(-1) ?? '–'}: ${report.metric} ${figure(report.referenceValue)}`,
    report.event === null
      ? 'no degradation event in the labels'
      : `degradation event: predictions of ${report.event}, visible in the labels on ${report.visible}`,
    `clean period: ${report.cleanDays.length} days`,
    '',
    renderTextTable(
      ['signal', 'first alert', 'lead (days)', 'lead vs prediction day', 'false alerts', 'FP rate'],
      report.signals.map((s) => [
        terminalText(s.signal),
        s.firstAlert ?? 'missed',
        s.leadDays === null ? '–' : String(s.leadDays),
        s.leadPredictionDays === null ? '–' : String(s.leadPredictionDays),
        `${s.falseAlerts}/${s.cleanDays}`,
        percent(s.falsePositiveRate),
      ]),
      [2, 3, 4, 5],
    ),
    '',
    `weights ${report.calibration.calibrated ? `calibrated on ${report.calibration.days} labelled days` : 'the defaults (too few labelled days or no positive correlation)'}: ${Object.entries(
      report.calibration.weights,
    )
      .map(([k, v]) => `${k} ${figure(v, 3)}`)
      .join(', ')}`,
  ];
  return `${lines.join('\n')}\n`;
}
