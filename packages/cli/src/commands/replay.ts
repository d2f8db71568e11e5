import path from 'node:path';
import { ConfigError } from '@predlog/core';
import { createBuiltinRegistry } from '../builtin-components.ts';
import { type CliIo, type Command, EXIT_FAILED, EXIT_OK, UsageError } from '../command.ts';
import { expectPositionals, parseCommandLine } from '../internal/command-line.ts';
import { directoryArgument } from '../internal/directory-argument.ts';
import { CheckpointMismatchError } from '../internal/replay-checkpoint.ts';
import { ReplayInputError } from '../internal/replay-input.ts';
import { type ReplaySummary, runReplay } from '../internal/replay-run.ts';
import { parseTimeArgument } from '../internal/time-argument.ts';

export const replayCommand: Command = {
  name: 'replay',
  usage: `Usage: predlog replay <dir> --config <file> --exporter <id> [--since <time>] [--until <time>]
                      [--model <name>] [--checkpoint <file>] [--consume]

Sends the records in <dir> through the exporter <id> of the config (its own settings and its
export queue's batching, retries and timeouts; the queue's spill is off). <dir> is either an
export queue's disk spill (the spill directory, or one exporter's folder in it) or a file
exporter's directory (model_name=<m>/date=<YYYY-MM-DD>/part-*.ndjson[.gz]). A spill is replayed
oldest segment first; a file-exporter directory partition by partition.

Resumable: a checkpoint records, per file or partition, how many records the sink has finished
with; a second run continues where the first stopped (Ctrl-C stops cleanly). Progress goes to
stderr (a bar on a terminal), the summary to stdout.

Options:
  --config <file>       the predlog config defining the exporter (required)
  --exporter <id>       which exporter to send through, e.g. loki, file/archive (required)
  --since <time>        only records at or after this time
  --until <time>        only records before this time (exclusive)
  --model <name>        only records of this model
  --checkpoint <file>   where progress is kept (default <dir>/.predlog-replay.<exporter>.json)
  --consume             spill only: delete each segment once the sink has finished with it, so
                        the service does not send it again when it starts on that spill

Times are ISO 8601 (2026-01-31, 2026-01-31T12:00:00Z) or a duration ago: -30m, -2h, -7d.

Exit codes: 0 every record read was sent, 1 records failed (rejected or given up on), the run was
interrupted, nothing replayable was found or the config is invalid, 2 usage error.

Examples:
  predlog replay /var/spool/predlog/loki --config predlog.yaml --exporter loki
  predlog replay ./prediction-logs --config predlog.yaml --exporter otlp --model fraud --since -2d`,

  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandLine({
      args,
      options: {
        config: { type: 'string' },
        exporter: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        model: { type: 'string' },
        checkpoint: { type: 'string' },
        consume: { type: 'boolean', default: false },
      },
      allowPositionals: true,
    });
    const [dir = ''] = expectPositionals(positionals, ['<dir>']);
    if (values.config === undefined || values.config === '')
      throw new UsageError('--config <file> is required');
    if (values.exporter === undefined || values.exporter === '')
      throw new UsageError('--exporter <id> is required');
    if (values.model === '') throw new UsageError('--model needs a value');
    const now = Date.now();
    const since = values.since === undefined ? undefined : parseTimeArgument('--since', values.since, now);
    const until = values.until === undefined ? undefined : parseTimeArgument('--until', values.until, now);
    if (since !== undefined && until !== undefined && since.getTime() > until.getTime())
      throw new UsageError('--since is later than --until');
    const directory = await directoryArgument(io.cwd, dir);

    const controller = new AbortController();
    const interrupt = () => controller.abort();
    process.once('SIGINT', interrupt);
    let summary: ReplaySummary;
    try {
      summary = await runReplay({
        directory,
        configFile: path.resolve(io.cwd, values.config),
        exporterId: values.exporter,
        filter: { since, until, model: values.model },
        checkpointFile: values.checkpoint === undefined ? undefined : path.resolve(io.cwd, values.checkpoint),
        consume: values.consume,
        registry: createBuiltinRegistry(),
        env: io.env,
        stderr: io.stderr,
        tty: (io.stderr as { isTTY?: boolean }).isTTY === true,
        signal: controller.signal,
      });
    } catch (error) {
      if (error instanceof ConfigError) {
        io.stderr.write(`${error.message}\n`);
        return EXIT_FAILED;
      }
      if (error instanceof ReplayInputError || error instanceof CheckpointMismatchError) {
        io.stderr.write(`predlog replay: ${dir}: ${error.message}\n`);
        return EXIT_FAILED;
      }
      throw error;
    } finally {
      process.removeListener('SIGINT', interrupt);
    }
    io.stdout.write(summaryText(summary, dir));
    const failed = Object.values(summary.failed).reduce((a, b) => a + b, 0);
    return failed > 0 || summary.interrupted ? EXIT_FAILED : EXIT_OK;
  },
};

const count = (n: number) => n.toLocaleString('en-US');

function summaryText(s: ReplaySummary, dir: string): string {
  const failed = Object.values(s.failed).reduce((a, b) => a + b, 0);
  const what = s.kind === 'spill' ? 'spill segment' : 'partition';
  const lines = [
    `${s.interrupted ? 'interrupted' : 'replayed'} ${dir} (${s.kind}): ${count(s.sources)} ${what}${s.sources === 1 ? '' : 's'}`,
    `  records read        ${count(s.read)}`,
    `  sent                ${count(s.sent)}`,
    `  skipped by filter   ${count(s.skippedByFilter)}`,
    `  failed              ${count(failed)}${
      failed > 0
        ? ` (${Object.entries(s.failed)
            .map(([r, n]) => `${r} ${count(n)}`)
            .join(', ')})`
        : ''
    }`,
  ];
  if (s.alreadyDone > 0) lines.push(`  done in earlier run ${count(s.alreadyDone)} (not sent again)`);
  if (s.unsent > 0) lines.push(`  not sent yet        ${count(s.unsent)} (the next run sends them)`);
  if (s.input.partitionsPruned > 0)
    lines.push(`  partitions skipped  ${count(s.input.partitionsPruned)} (outside the filter)`);
  const unreadable = s.input.invalidLines + s.input.tornLines;
  if (unreadable > 0) lines.push(`  unreadable lines    ${count(unreadable)} (skipped)`);
  if (s.input.unreadableFiles > 0)
    lines.push(`  unreadable files    ${count(s.input.unreadableFiles)} (skipped)`);
  if (s.segmentsDeleted > 0) lines.push(`  segments deleted    ${count(s.segmentsDeleted)}`);
  lines.push(`  checkpoint          ${s.checkpointFile}`);
  return `${lines.join('\n')}\n`;
}
