import { verifyIntegrity } from '@predlog/exporter-file';
import { type CliIo, type Command, EXIT_FAILED, EXIT_OK } from '../command.ts';
import { expectPositionals, parseCommandLine } from '../internal/command-line.ts';
import { directoryArgument } from '../internal/directory-argument.ts';

export const verifyCommand: Command = {
  name: 'verify',
  usage: `Usage: predlog verify <dir>

Walks every data file below <dir> (in-progress, closed and gzipped) and checks the hash chain
the file exporter writes with integrity: true, and every Parquet file of predlog compact: its
row count and row digest against those compaction recorded. Prints the first problem of each
file as <file>:<line>: <kind>: <message> (<file>: <kind>: <message> for Parquet), where kind is
altered, inserted, removed, unprotected (no chain header; Parquet: compacted from files without
one) or unreadable. Messages hold line numbers only, never record content.

Exit codes: 0 every file intact, 1 a problem found (or no data files at all), 2 usage error.

Example:
  predlog verify ./prediction-logs`,

  async run(args: string[], io: CliIo): Promise<number> {
    const { positionals } = parseCommandLine({ args, options: {}, allowPositionals: true });
    const [dir = ''] = expectPositionals(positionals, ['<dir>']);
    const report = await verifyIntegrity(await directoryArgument(io.cwd, dir));
    if (report.filesChecked === 0) {
      // An empty tree verifies trivially; saying "intact" would hide a wrong path or deleted files.
      io.stderr.write(`no data files found under ${dir}\n`);
      return EXIT_FAILED;
    }
    const files = `${report.filesChecked} ${report.filesChecked === 1 ? 'file' : 'files'}`;
    if (report.ok && report.issues.length === 0) {
      const rows = report.rowsVerified > 0 ? ` and ${report.rowsVerified} Parquet rows` : '';
      io.stdout.write(`intact: ${files}, ${report.linesVerified} lines${rows} verified\n`);
      return EXIT_OK;
    }
    for (const issue of report.issues)
      io.stdout.write(
        `${issue.file}${issue.line === 0 ? '' : `:${issue.line}`}: ${issue.kind}: ${issue.message}\n`,
      );
    io.stdout.write(`tampered: ${report.issues.length} of ${files} failed verification\n`);
    return EXIT_FAILED;
  },
};
