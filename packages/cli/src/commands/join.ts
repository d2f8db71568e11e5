import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { createAnalytics } from '@predlog/analytics';
import { type CliIo, type Command, EXIT_FAILED, EXIT_OK } from '../command.ts';
import {
  analyticsConfigArgument,
  holdYoungGeneration,
  JOIN_OPTIONS,
  JOIN_USAGE,
  jsonText,
  labelSourceArgument,
  SELECTION_OPTIONS,
  SELECTION_USAGE,
  selectionArgument,
  TIME_USAGE,
  withInputErrors,
} from '../internal/analytics-arguments.ts';
import { expectPositionals, parseCommandLine } from '../internal/command-line.ts';
import { joinSummaryLines, matchRateWarning, readWarning } from '../internal/join-summary.ts';
import { LineWriter } from '../internal/line-writer.ts';

export const joinCommand: Command = {
  name: 'join',
  usage: `Usage: predlog join <dir> [--labels <file>] [--on request_id|entity_id] [--window <duration>]
                    [--model <name>] [--since <time>] [--until <time>] [--min-match-rate <0-1>]
                    [--out <joined.ndjson>] [--max-keys-in-memory <n>] [--spill-dir <dir>] [--json]

Joins ground truth to the predictions a file exporter logged: by request id, or by entity id to
the closest prediction in time. Prints how many labels found their prediction (the match rate) and
how many predictions got a label (coverage, weighted by ml.sampling.weight). With --out, writes each
joined prediction (its stored record plus "ground_truth") as NDJSON.

Streams in bounded memory: up to --max-keys-in-memory labels are held in a map; past that, labels
and predictions are hash-partitioned to temporary files and joined partition by partition.

Options:
${JOIN_USAGE}
${SELECTION_USAGE}
  --out <file>            write the joined predictions as NDJSON

${TIME_USAGE}

Exit codes: 0 joined, 1 match rate below the minimum or no predictions, 2 usage error.

Examples:
  predlog join ./prediction-logs --labels chargebacks.csv --since 2026-01-01
  predlog join ./prediction-logs --on entity_id --window 2h --labels outcomes.ndjson --out joined.ndjson`,

  async run(rawArgs: string[], io: CliIo): Promise<number> {
    holdYoungGeneration();
    const { values, positionals } = parseCommandLine({
      args: rawArgs,
      options: { ...SELECTION_OPTIONS, ...JOIN_OPTIONS, out: { type: 'string' } },
      allowPositionals: true,
    });
    const [dir = ''] = expectPositionals(positionals, ['<dir>']);
    const config = analyticsConfigArgument(values);
    const selection = await selectionArgument(io.cwd, dir, values);
    const labels = await labelSourceArgument(io.cwd, values);
    const analytics = createAnalytics(config);
    const report = await withInputErrors(async () => {
      if (values.out === undefined) return analytics.joinCounts(selection, labels);
      const out = createWriteStream(path.resolve(io.cwd, values.out));
      const opened = once(out, 'open');
      out.on('error', () => undefined);
      await opened;
      const writer = new LineWriter(out);
      try {
        return await analytics.join(selection, labels, async (record, truth) => {
          const groundTruth: Record<string, unknown> = {};
          if (truth.label !== undefined) groundTruth.label = truth.label;
          if (truth.value !== undefined) groundTruth.value = truth.value;
          if (Number.isFinite(truth.timeMs)) groundTruth.timestamp = new Date(truth.timeMs).toISOString();
          await writer.write(`${JSON.stringify({ ...record, ground_truth: groundTruth })}\n`);
        });
      } finally {
        out.end();
        await once(out, 'close');
      }
    });
    const readProblem = readWarning(report.logs);
    if (readProblem !== undefined) io.stderr.write(`${readProblem}\n`);
    if (values.json) io.stdout.write(jsonText(report));
    else io.stdout.write(`${joinSummaryLines(report).join('\n')}\n`);
    if (values.out !== undefined && !values.json)
      io.stdout.write(`wrote ${report.joined.count} joined predictions to ${values.out}\n`);
    if (report.predictions.count === 0) {
      io.stderr.write('no predictions in the selection\n');
      return EXIT_FAILED;
    }
    const warning = matchRateWarning(report, selection.since !== undefined || selection.until !== undefined);
    if (warning !== undefined) {
      io.stderr.write(`${warning}\n`);
      return EXIT_FAILED;
    }
    return EXIT_OK;
  },
};
