import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type AnalyticsConfigInput,
  type BaselineSource,
  createAnalytics,
  type DistributionDrift,
  type DriftAnalysis,
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
import { renderTextTable } from '../internal/text-table.ts';

export const driftCommand: Command = {
  name: 'drift',
  usage: `Usage: predlog drift <dir> [--baseline <file> | --baseline-days <n>] [--model <name>]
                     [--since <time>] [--until <time>] [--bins <n>] [--save-baseline <file>]
                     [--positive-label <v> ...] [--threshold <x>] [--json]

Compares the distribution of every input feature, of the score and of the prediction in the
current window with a baseline, weighted by ml.sampling.weight:
  PSI   population stability index: < 0.1 none, 0.1–0.2 moderate, > 0.2 significant, over
          numeric   the baseline's decile bins, plus one bin below its minimum and one above
                    its maximum (values outside the baseline's range)
          discrete  one bin per value, for numbers with at most 10 distinct values in the
                    baseline (flags, counts, ratings)
          categorical  one bin per category (text, booleans)
        and a bin for missing values
  KS    two-sample Kolmogorov–Smirnov D and p-value (numbers)
  χ²    test of homogeneity over the bins (discrete and categorical values)
and the rate of positive decisions with a two-proportion z-test.

The baseline is a file (a profile from --save-baseline, a stats file from predlog stats --out, or
stored prediction records, e.g. predlog query --json output or a training set), or the first
--baseline-days days of the logs (default 7); the current window then starts after them unless
--since says otherwise. When the logs hold no more than those days (and no --since is given), the
split is chosen from what there is and printed as "(auto: history is N days)": with two days or
more, the last day against the days before it; with one day, the first half of its predictions'
time span against the second half.

Options:
  --baseline <file>       baseline profile, stats file or NDJSON records (.gz allowed)
  --baseline-days <n>     baseline: the first n UTC days in the tree (default 7)
  --bins <n>              PSI bins for numeric values (default 10)
  --save-baseline <file>  also write the baseline's profile, for later runs' --baseline
${DECISION_USAGE}
${SELECTION_USAGE}

${TIME_USAGE}

Exit codes: 0 no significant drift, 1 some PSI above 0.2 (or no predictions in the window),
2 usage error. KS, χ² and z-test p-values are printed but do not fail the run: at log volumes
they flag differences too small to matter.

Examples:
  predlog drift ./prediction-logs --baseline-days 7
  predlog drift ./prediction-logs --baseline training-profile.ndjson --since -1d`,

  async run(rawArgs: string[], io: CliIo): Promise<number> {
    holdYoungGeneration();
    const { values, positionals } = parseCommandLine({
      args: rawArgs,
      options: {
        ...SELECTION_OPTIONS,
        ...DECISION_OPTIONS,
        baseline: { type: 'string' },
        'baseline-days': { type: 'string' },
        bins: { type: 'string' },
        'save-baseline': { type: 'string' },
      },
      allowPositionals: true,
    });
    const [dir = ''] = expectPositionals(positionals, ['<dir>']);
    if (values.baseline !== undefined && values['baseline-days'] !== undefined) {
      throw new UsageError('give --baseline or --baseline-days, not both');
    }
    const drift: NonNullable<AnalyticsConfigInput['drift']> = {};
    if (values.bins !== undefined) {
      const bins = positiveIntegerArgument('--bins', values.bins);
      if (bins < 2 || bins > 100) throw new UsageError('--bins must be from 2 to 100');
      drift.psiBins = bins;
    }
    if (values['baseline-days'] !== undefined) {
      drift.baselineDays = positiveIntegerArgument('--baseline-days', values['baseline-days']);
    }
    const config = analyticsConfigArgument(values, { drift });
    const selection = await selectionArgument(io.cwd, dir, values);
    const baseline: BaselineSource =
      values.baseline === undefined
        ? { kind: 'days', days: config.drift.baselineDays }
        : { kind: 'file', file: await fileArgument(io.cwd, '--baseline', values.baseline) };
    const analysis = await withInputErrors(() => createAnalytics(config).drift(selection, baseline));

    if (values['save-baseline'] !== undefined) {
      await writeFile(
        path.resolve(io.cwd, values['save-baseline']),
        `${JSON.stringify(analysis.baselineProfile.toJSON())}\n`,
      );
    }
    const readProblem = readWarning(analysis.logs);
    if (readProblem !== undefined) io.stderr.write(`${readProblem}\n`);
    const { report } = analysis;
    io.stdout.write(
      values.json
        ? jsonText({
            baselineWindow: analysis.baselineWindow,
            currentWindow: analysis.currentWindow,
            ...report,
          })
        : renderDrift(analysis),
    );
    if (values['save-baseline'] !== undefined && !values.json) {
      io.stdout.write(`wrote the baseline profile to ${values['save-baseline']}\n`);
    }
    if (report.baseline.records === 0) {
      io.stderr.write('the baseline holds no predictions\n');
      return EXIT_FAILED;
    }
    if (report.current.records === 0) {
      io.stderr.write('no predictions in the current window\n');
      return EXIT_FAILED;
    }
    if (report.significant) {
      const names = [...report.features, ...(report.score === null ? [] : [report.score])]
        .filter((d) => d.band === 'significant')
        .map((d) => terminalText(d.name));
      if (report.prediction?.band === 'significant') names.push('prediction');
      io.stderr.write(`significant drift (PSI > ${report.bands.significantPsi}): ${names.join(', ')}\n`);
      return EXIT_FAILED;
    }
    return EXIT_OK;
  },
};

function driftRow(d: DistributionDrift): string[] {
  return [
    terminalText(d.name),
    d.kind,
    figure(d.psi),
    d.band,
    d.ks === null ? '–' : figure(d.ks.statistic, 3),
    d.ks === null ? '–' : pValue(d.ks.pValue),
    d.chiSquare === null ? '–' : pValue(d.chiSquare.pValue),
    figure(d.baseline.mean),
    figure(d.current.mean),
    percent(d.current.missingShare),
  ];
}

function renderDrift(analysis: DriftAnalysis): string {
  const { report } = analysis;
  const window = analysis.baselineWindow;
  // A split chosen for a short history says so: the user asked for more days than there are.
  const baseline =
    window === null ? 'baseline file' : `baseline ${window.text}${window.auto ? ` (${window.how})` : ''}`;
  const current = `current ${analysis.currentWindow.since === null ? 'all' : `from ${analysis.currentWindow.since.slice(0, 19)}Z`}${analysis.currentWindow.until === null ? '' : ` until ${analysis.currentWindow.until.slice(0, 19)}Z`}`;
  const lines = [
    `${baseline} (${count(report.baseline.records)} records, ${count(report.baseline.weight)} weighted); ${current} (${count(report.current.records)} records, ${count(report.current.weight)} weighted)`,
    '',
  ];
  const rows = report.features.map(driftRow);
  if (report.score !== null) rows.push(driftRow(report.score));
  if (report.prediction !== null) rows.push(driftRow(report.prediction));
  lines.push(
    renderTextTable(
      ['value', 'kind', 'PSI', 'band', 'KS D', 'KS p', 'χ² p', 'mean before', 'mean now', 'missing now'],
      rows,
      [2, 4, 5, 6, 7, 8, 9],
    ),
  );
  if (report.newFeatures.length > 0) {
    lines.push(`features not in the baseline: ${report.newFeatures.map(terminalText).join(', ')}`);
  }
  const rate = report.positiveRate;
  if (rate !== null) {
    lines.push(
      `positive decision rate ${percent(rate.baselineRate)} -> ${percent(rate.currentRate)}: z = ${figure(rate.z, 3)}, p = ${pValue(rate.pValue)}${rate.rejects ? ' (changed)' : ''}`,
    );
  }
  lines.push(
    `bands: PSI < ${report.bands.moderatePsi} none, ${report.bands.moderatePsi}–${report.bands.significantPsi} moderate, > ${report.bands.significantPsi} significant; KS, χ² and z-test at α = ${report.bands.alpha}`,
  );
  return `${lines.join('\n')}\n`;
}
