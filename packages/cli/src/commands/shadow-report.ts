import { createAnalytics, type ShadowReport } from '@predlog/analytics';
import { type CliIo, type Command, EXIT_FAILED, EXIT_OK, UsageError } from '../command.ts';
import {
  analyticsConfigArgument,
  count,
  DECISION_OPTIONS,
  DECISION_USAGE,
  figure,
  holdYoungGeneration,
  jsonText,
  percent,
  positiveIntegerArgument,
  pValue,
  SELECTION_OPTIONS,
  SELECTION_USAGE,
  selectionArgument,
  TIME_USAGE,
  terminalText,
  withInputErrors,
} from '../internal/analytics-arguments.ts';
import { expectPositionals, parseCommandLine } from '../internal/command-line.ts';
import { readWarning } from '../internal/join-summary.ts';

export const shadowReportCommand: Command = {
  name: 'shadow-report',
  usage: `Usage: predlog shadow-report <dir> [--model <name>] [--challenger-model <name>] [--since <time>]
                             [--until <time>] [--champion-role <role>] [--challenger-role <role>]
                             [--positive-label <v> ...] [--threshold <x>] [--json]

Pairs each request's champion prediction with its shadow (challenger) prediction by request id and
compares them, weighted by the champion's ml.sampling.weight: agreement rate (same prediction, and
same decision), score correlation (Pearson) and mean absolute score difference, a two-sample KS
test of the two score distributions, and latency p50/p99 of each side.

A record's side is its model_role: the challenger role, or the champion role or none. When the
challenger logs under another model name, give it with --challenger-model.

Options:
  --challenger-model <name> the challenger's model_name (default: the same as --model)
  --champion-role <role>  model_role of the serving model (default champion)
  --challenger-role <role> model_role of the shadow model (default challenger)
  --max-keys-in-memory <n> records of one pairing epoch held in memory before the unpaired ones
                          spill to disk (default 200000)
${DECISION_USAGE}
${SELECTION_USAGE}

${TIME_USAGE}

Exit codes: 0 compared, 1 no champion/challenger pairs found, 2 usage error.

Example:
  predlog shadow-report ./prediction-logs --model fraud-xgb --since -1d`,

  async run(rawArgs: string[], io: CliIo): Promise<number> {
    holdYoungGeneration();
    const { values, positionals } = parseCommandLine({
      args: rawArgs,
      options: {
        ...SELECTION_OPTIONS,
        ...DECISION_OPTIONS,
        'challenger-model': { type: 'string' },
        'champion-role': { type: 'string' },
        'challenger-role': { type: 'string' },
        'max-keys-in-memory': { type: 'string' },
      },
      allowPositionals: true,
    });
    const [dir = ''] = expectPositionals(positionals, ['<dir>']);
    const shadow: Record<string, string | number> = {};
    for (const [flag, key] of [
      ['champion-role', 'championRole'],
      ['challenger-role', 'challengerRole'],
    ] as const) {
      const value = values[flag];
      if (value === '') throw new UsageError(`--${flag} needs a value`);
      if (value !== undefined) shadow[key] = value;
    }
    if (shadow.championRole !== undefined && shadow.championRole === shadow.challengerRole) {
      throw new UsageError('--champion-role and --challenger-role must differ');
    }
    if (values['max-keys-in-memory'] !== undefined) {
      shadow.maxWaitingInMemory = positiveIntegerArgument(
        '--max-keys-in-memory',
        values['max-keys-in-memory'],
      );
    }
    const config = analyticsConfigArgument({ ...values, 'max-keys-in-memory': undefined }, { shadow });
    const selection = await selectionArgument(io.cwd, dir, values);
    const challengerModel = values['challenger-model'];
    if (challengerModel === '') throw new UsageError('--challenger-model needs a value');
    const report = await withInputErrors(() => createAnalytics(config).shadow(selection, challengerModel));
    const readProblem = readWarning(report.logs);
    if (readProblem !== undefined) io.stderr.write(`${readProblem}\n`);
    io.stdout.write(values.json ? jsonText(report) : renderShadow(report));
    if (report.pairs.count === 0) {
      io.stderr.write(
        'no champion/challenger pairs: are the challenger predictions logged with model_role?\n',
      );
      return EXIT_FAILED;
    }
    return EXIT_OK;
  },
};

function ms(value: number | null): string {
  return value === null ? '–' : `${figure(value, 3)} ms`;
}

function renderShadow(report: ShadowReport): string {
  const { latencyMs: latency } = report;
  const ks = report.scoreKs;
  const lines = [
    `pairs         ${count(report.pairs.count)} requests (${count(report.pairs.weight)} weighted); unpaired: ${count(report.unpaired.champion)} champion, ${count(report.unpaired.challenger)} challenger`,
    `agreement     ${percent(report.agreementRate)} same prediction, ${percent(report.decisionAgreementRate)} same decision`,
    `score         correlation ${figure(report.scoreCorrelation)}, mean |difference| ${figure(report.meanAbsScoreDifference)}, KS D ${ks === null ? '–' : `${figure(ks.statistic, 3)} (p ${pValue(ks.pValue)})`}`,
    `latency p50   champion ${ms(latency.champion.p50)}, challenger ${ms(latency.challenger.p50)}`,
    `latency p99   champion ${ms(latency.champion.p99)}, challenger ${ms(latency.challenger.p99)}${latency.p99Ratio === null ? '' : ` (${figure(latency.p99Ratio, 3)}x)`}`,
    `versions      champion ${report.versions.champion.map(terminalText).join(', ') || '–'}; challenger ${report.versions.challenger.map(terminalText).join(', ') || '–'}`,
  ];
  if (report.spill !== null)
    lines.push(`pairing       spilled to disk (${report.spill.partitions} partitions)`);
  return `${lines.join('\n')}\n`;
}
