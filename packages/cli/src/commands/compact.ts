import { compactDirectory } from '@predlog/exporter-file';
import { type CliIo, type Command, EXIT_FAILED, EXIT_OK, UsageError } from '../command.ts';
import { expectPositionals, parseCommandLine } from '../internal/command-line.ts';
import { directoryArgument } from '../internal/directory-argument.ts';
import { parseTimeArgument } from '../internal/time-argument.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

const REASONS: Readonly<Record<string, string>> = {
  not_lossless: 'a record would not read back exactly as logged',
  rows_mismatch: 'a line is not a record DuckDB can read',
  source_moved: 'a file changed while compacting; the next run takes it',
  readback_mismatch: 'the written file did not read back',
};

function size(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export const compactCommand: Command = {
  name: 'compact',
  usage: `Usage: predlog compact <dir> [--before <date>] [--json]

Turns the closed NDJSON files of each date= partition whose UTC day is over into one Parquet
file (zstd, typed columns) in the same directory, then removes them. predlog query, verify and
sql read the result as they read NDJSON. A partition that Parquet cannot reproduce exactly (a
field outside the stored form, an explicit null) is kept as NDJSON and listed. Crash-safe: a
run that stops half way leaves each record in exactly one readable file.

Options:
  --before <date>  only days before this one: 2026-01-31, or a time such as -7d (the day it
                   falls on); default today (UTC), so every day that is over
  --json           print the report as JSON

Exit codes: 0 the run finished (partitions kept as NDJSON included), 1 it failed (the files
stay as they were), 2 usage error.

Example:
  predlog compact ./prediction-logs --before -2d`,

  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandLine({
      args,
      options: { before: { type: 'string' }, json: { type: 'boolean', default: false } },
      allowPositionals: true,
    });
    const [dir = ''] = expectPositionals(positionals, ['<dir>']);
    let before: string | undefined;
    if (values.before !== undefined) {
      before = DAY.test(values.before)
        ? values.before
        : parseTimeArgument('--before', values.before, Date.now()).toISOString().slice(0, 10);
      if (Number.isNaN(Date.parse(before)))
        throw new UsageError(`--before is not a date (got '${values.before}')`);
    }
    const directory = await directoryArgument(io.cwd, dir);
    let report: Awaited<ReturnType<typeof compactDirectory>>;
    try {
      report = await compactDirectory({ directory, ...(before === undefined ? {} : { before }) });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      io.stderr.write(
        `compact: failed (${typeof code === 'string' ? code : error instanceof Error ? error.message : 'error'}); the NDJSON files stay in place\n`,
      );
      return EXIT_FAILED;
    }
    if (values.json) {
      io.stdout.write(`${JSON.stringify(report)}\n`);
      return EXIT_OK;
    }
    for (const file of report.compacted) {
      const records = file.records.toLocaleString('en-US');
      io.stdout.write(
        `compacted ${file.partition}: ${file.sources.length} file(s), ${records} records, ${size(file.sourceBytes)} -> ${size(file.parquetBytes)}\n`,
      );
    }
    for (const skipped of report.skipped) {
      io.stderr.write(`kept as NDJSON ${skipped.partition}: ${REASONS[skipped.reason] ?? skipped.reason}\n`);
    }
    const leftovers =
      report.leftoversRemoved > 0 ? `, ${report.leftoversRemoved} file(s) of an interrupted run removed` : '';
    io.stdout.write(
      `${report.compacted.length} partition(s) compacted, ${report.skipped.length} kept as NDJSON${leftovers}\n`,
    );
    return EXIT_OK;
  },
};
