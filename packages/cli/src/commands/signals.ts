import { computeProxySignals, type ProxySignalReport, type ScoredDay } from '@predlog/analytics';
import { type CliIo, type Command, EXIT_FAILED, EXIT_OK } from '../command.ts';
import {
  analyticsConfigArgument,
  count,
  figure,
  holdYoungGeneration,
  jsonText,
  SELECTION_OPTIONS,
  SELECTION_USAGE,
  selectionArgument,
  TIME_USAGE,
  terminalText,
  withInputErrors,
} from '../internal/analytics-arguments.ts';
import { expectPositionals, parseCommandLine } from '../internal/command-line.ts';
import { readWarning } from '../internal/join-summary.ts';
import { SIGNAL_OPTIONS, SIGNAL_USAGE, signalArguments } from '../internal/signal-arguments.ts';
import { renderTextTable } from '../internal/text-table.ts';

export const signalsCommand: Command = {
  name: 'signals',
  usage: `Usage: predlog signals <dir> [--baseline <profile>] [--business <file>] [--model <name>]
                       [--since <time>] [--until <time>] [--reference-days <n>] [--warn <s>]
                       [--page <s>] [--json]

Proxy signals of model degradation per UTC day, no labels needed, weighted by ml.sampling.weight:
mean confidence (largest class probability), uniformity of the score distribution, mean prediction
entropy, the feature anomaly rate (share of requests with a feature outside the baseline's
0.5–99.5% range) and business metrics. Each day is scored 0–100 per signal against the reference
days, and the composite degradation score weights them (defaults: anomaly 0.3, confidence 0.2,
entropy 0.2, uniformity 0.15, business 0.15; calibrate them with predlog backtest).

Options:
${SIGNAL_USAGE}
${SELECTION_USAGE}

${TIME_USAGE}

Exit codes: 0 the last day is below the warn score, 1 it warns or pages, 2 usage error.

Examples:
  predlog signals ./prediction-logs --baseline training-profile.ndjson
  predlog signals ./prediction-logs --baseline training.ndjson --business approvals.csv --json`,

  async run(rawArgs: string[], io: CliIo): Promise<number> {
    holdYoungGeneration();
    const { values, positionals } = parseCommandLine({
      args: rawArgs,
      options: { ...SELECTION_OPTIONS, ...SIGNAL_OPTIONS },
      allowPositionals: true,
    });
    const [dir = ''] = expectPositionals(positionals, ['<dir>']);
    const config = analyticsConfigArgument(values);
    const { signals, baseline, business } = await signalArguments(io.cwd, values, config);
    const selection = await selectionArgument(io.cwd, dir, values);
    const report = await withInputErrors(() =>
      computeProxySignals({ selection, signals, baseline, business }),
    );
    const readProblem = readWarning(report.logs);
    if (readProblem !== undefined) io.stderr.write(`${readProblem}\n`);
    io.stdout.write(values.json ? jsonText(report) : renderSignals(report, dir, selection.model));
    if (report.days.length === 0) {
      io.stderr.write('no predictions in the selection\n');
      return EXIT_FAILED;
    }
    return report.latest !== null && report.latest.level !== 'none' ? EXIT_FAILED : EXIT_OK;
  },
};

const SIGNAL_LABELS: Record<string, string> = {
  confidence: 'confidence',
  uniformity: 'uniformity',
  entropy: 'entropy',
  anomaly: 'anomaly rate',
};

/** The one-paragraph verdict on a day: what an alert about it says. */
export function verdictLines(day: ScoredDay, sampleCommand: string): string[] {
  const contributing = day.contributing
    .slice(0, 3)
    .map((name) => {
      const s = day.signals.find((x) => x.signal === name);
      return `${terminalText(name)} ${figure(s?.score ?? null, 3)}`;
    })
    .join(', ');
  return [
    `${day.date}: degradation score ${figure(day.composite, 3)} (${day.level === 'none' ? 'ok' : day.level}), trend ${day.trend ?? 'unknown'}, action: ${day.action}`,
    `  contributing: ${contributing === '' ? 'none' : contributing}`,
    `  recent predictions: ${sampleCommand}`,
  ];
}

function renderSignals(report: ProxySignalReport, dir: string, model: string | undefined): string {
  const names = report.days[0]?.signals.map((s) => s.signal) ?? [];
  const headers = [
    'date',
    'records',
    ...names.map((n) => SIGNAL_LABELS[n] ?? terminalText(n)),
    'score',
    'level',
  ];
  const rows = report.days.map((d) => [
    d.date + (d.reference ? ' (ref)' : ''),
    count(d.weight),
    ...d.signals.map((s) => figure(s.value)),
    figure(d.composite, 3),
    d.level === 'none' ? '' : d.level.toUpperCase(),
  ]);
  const lines = [
    `${model === undefined ? 'all models' : `model ${terminalText(model)}`}: ${report.days.length} days, reference ${report.referenceDays[0] ?? '–'} … ${report.referenceDays.at(-1) ?? '–'}${report.rangedFeatures === null ? ', no baseline (no anomaly rate)' : `, ${report.rangedFeatures} features with a baseline range`}`,
    '',
    renderTextTable(headers, rows, headers.map((_, i) => i).slice(1, -1)),
  ];
  const latest = report.latest;
  if (latest !== null) {
    const sample = `predlog query ${terminalText(dir)}${model === undefined ? '' : ` --model ${terminalText(model)}`} --since ${latest.date}`;
    lines.push('', ...verdictLines(latest, sample));
  }
  return `${lines.join('\n')}\n`;
}
