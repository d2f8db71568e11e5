import path from 'node:path';
import { createAnalytics, type DailyStats, DailyStatsFile, type ValueSummary } from '@predlog/analytics';
import { type CliIo, type Command, EXIT_FAILED, EXIT_OK } from '../command.ts';
import {
  analyticsConfigArgument,
  count,
  DECISION_OPTIONS,
  DECISION_USAGE,
  figure,
  holdYoungGeneration,
  percent,
  SELECTION_OPTIONS,
  selectionArgument,
  TIME_USAGE,
  terminalText,
  withInputErrors,
} from '../internal/analytics-arguments.ts';
import { expectPositionals, parseCommandLine } from '../internal/command-line.ts';
import { readWarning } from '../internal/join-summary.ts';
import { renderTextTable } from '../internal/text-table.ts';

export const statsCommand: Command = {
  name: 'stats',
  usage: `Usage: predlog stats <dir> [--model <name>] [--since <time>] [--until <time>] [--out <stats.ndjson>]
                     [--positive-label <v> ...] [--threshold <x>] [--json]

Summarises each model's predictions per UTC day, weighted by ml.sampling.weight: record count and
weighted count, positive decision rate, and per feature, for the score and for the latency: count,
share missing, mean, standard deviation and the 5th, 25th, 50th, 75th and 95th percentiles. The
percentiles are exact for values with at most 64 distinct numbers (flags, small counts, ratings);
beyond that they come from a quantile sketch (DDSketch) with a relative error of at most 1%, and a
line under the table names them.

With --out the days go to a stats file (NDJSON, one line per model and day, sorted) that is meant
to be kept after the logs are deleted: a day computed again replaces its line, every other line is
kept, so a daily "predlog stats logs --since -2d --out stats.ndjson" builds the history. Each line
also holds its mergeable sketches, so any set of days merges into one (predlog drift --baseline
stats.ndjson).

Options:
  --out <file>            update this stats file instead of printing the days
${DECISION_USAGE}
  --model <name>          one model (default: every model, each on its own lines)
  --since <time>          days from this time
  --until <time>          up to this time (exclusive)
  --json                  print the days as NDJSON stats lines

${TIME_USAGE}

Exit codes: 0 summarised, 1 no predictions in the selection, 2 usage error.

Example:
  predlog stats ./prediction-logs --since -2d --out ./prediction-stats.ndjson`,

  async run(rawArgs: string[], io: CliIo): Promise<number> {
    holdYoungGeneration();
    const { values, positionals } = parseCommandLine({
      args: rawArgs,
      options: { ...SELECTION_OPTIONS, ...DECISION_OPTIONS, out: { type: 'string' } },
      allowPositionals: true,
    });
    const [dir = ''] = expectPositionals(positionals, ['<dir>']);
    const config = analyticsConfigArgument(values);
    const selection = await selectionArgument(io.cwd, dir, values, { allModels: true });
    const analytics = createAnalytics(config);
    const file = values.out === undefined ? undefined : DailyStatsFile.open(path.resolve(io.cwd, values.out));
    const summary = await withInputErrors(async () => {
      const result = await analytics.dailyStats(selection, async (day) => {
        if (file !== undefined) await file.add(day);
        else io.stdout.write(values.json ? `${JSON.stringify(day)}\n` : renderDay(day));
      });
      const kept = file === undefined ? undefined : (await file.close()).kept;
      return { ...result, kept };
    });
    const readProblem = readWarning(summary.logs);
    if (readProblem !== undefined) io.stderr.write(`${readProblem}\n`);
    if (file !== undefined) {
      io.stdout.write(
        `wrote ${summary.days} day(s) (${count(summary.records)} records) to ${values.out}; kept ${summary.kept ?? 0} earlier line(s)\n`,
      );
    }
    if (summary.records === 0) {
      io.stderr.write('no predictions in the selection\n');
      return EXIT_FAILED;
    }
    return EXIT_OK;
  },
};

function valueRow(name: string, v: ValueSummary): string[] {
  const top = v.top?.map((t) => `${terminalText(t.value)} ${percent(t.share)}`).join(', ');
  return [
    terminalText(name),
    count(v.count),
    percent(v.missingShare),
    figure(v.mean),
    figure(v.std),
    figure(v.p5),
    figure(v.p25),
    figure(v.p50),
    figure(v.p75),
    figure(v.p95),
    top ?? '',
  ];
}

function renderDay(day: DailyStats): string {
  const values: Array<[string, ValueSummary]> = [
    ['(score)', day.score],
    ['(latency ms)', day.latencyMs],
    ...Object.entries(day.features),
  ];
  const rows = values.map(([name, v]) => valueRow(name, v));
  // Percentiles of values with few distinct numbers are exact; the others are sketch estimates.
  const estimated = values
    .filter(([, v]) => v.count > 0 && !v.exactPercentiles)
    .map(([name]) => terminalText(name));
  const note =
    estimated.length === 0
      ? ''
      : `percentiles of ${estimated.join(', ')} are estimates within ±${figure(day.relativeAccuracy * 100)}% (DDSketch); the others are exact\n`;
  return `${terminalText(day.model)} ${day.date}: ${count(day.records)} records (${count(day.weight)} weighted), positive rate ${percent(day.positiveRate)}
${renderTextTable(['value', 'n', 'missing', 'mean', 'std', 'p5', 'p25', 'p50', 'p75', 'p95', 'top values'], rows, [1, 2, 3, 4, 5, 6, 7, 8, 9])}
${note}
`;
}
