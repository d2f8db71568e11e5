import { readFile } from 'node:fs/promises';
import { type CliIo, type Command, EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError } from './command.ts';
import { driftCommand } from './commands/drift.ts';
import { evaluateCommand } from './commands/evaluate.ts';
import { joinCommand } from './commands/join.ts';
import { queryCommand } from './commands/query.ts';
import { replayCommand } from './commands/replay.ts';
import { reportCommand } from './commands/report.ts';
import { samplingSimulateCommand } from './commands/sampling-simulate.ts';
import { schemaCheckCommand } from './commands/schema-check.ts';
import { schemaExportCommand } from './commands/schema-export.ts';
import { shadowReportCommand } from './commands/shadow-report.ts';
import { statsCommand } from './commands/stats.ts';
import { validateCommand } from './commands/validate.ts';
import { verifyCommand } from './commands/verify.ts';

/** Every command, in the order `predlog --help` lists them. */
const COMMANDS: readonly Command[] = [
  validateCommand,
  queryCommand,
  replayCommand,
  verifyCommand,
  schemaCheckCommand,
  schemaExportCommand,
  samplingSimulateCommand,
  joinCommand,
  evaluateCommand,
  driftCommand,
  statsCommand,
  shadowReportCommand,
  reportCommand,
];

const MAIN_USAGE = `Usage: predlog <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(17)} ${c.summary}`).join('\n')}

Options:
  -h, --help      show this help; predlog <command> --help shows a command's options
  --version       print the version

Exit codes: 0 success, 1 the check failed or found nothing, 2 usage error.`;

/**
 * Runs `predlog` with `argv` (the arguments after the program name) and returns the exit code.
 * Never throws: unexpected errors are printed to `io.stderr` and exit 1.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr.write(`${MAIN_USAGE}\n`);
    return EXIT_USAGE;
  }
  if (first === '--help' || first === '-h') {
    io.stdout.write(`${MAIN_USAGE}\n`);
    return EXIT_OK;
  }
  if (first === '--version') {
    try {
      io.stdout.write(`${await readVersion()}\n`);
      return EXIT_OK;
    } catch (error) {
      io.stderr.write(`predlog: cannot read the version (${(error as Error).message})\n`);
      return EXIT_FAILED;
    }
  }
  if (first === 'help') return help(rest, io);

  const found = findCommand(argv);
  if (found.command === undefined) return usageError(io, found.error, undefined);
  const { command, args } = found;
  if (wantsHelp(args)) {
    io.stdout.write(`${command.usage}\n`);
    return EXIT_OK;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error.message, command);
    io.stderr.write(`predlog ${command.name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILED;
  }
}

type Found = { command: Command; args: string[] } | { command: undefined; error: string };

function findCommand(argv: readonly string[]): Found {
  const [first = '', second, ...tail] = argv;
  // Two-word commands (`schema check`) are matched before one-word ones.
  const twoWords = COMMANDS.find((c) => c.name === `${first} ${second}`);
  if (twoWords !== undefined) return { command: twoWords, args: tail };
  const oneWord = COMMANDS.find((c) => c.name === first);
  if (oneWord !== undefined) return { command: oneWord, args: argv.slice(1) };
  const group = COMMANDS.filter((c) => c.name.startsWith(`${first} `)).map((c) => c.name);
  if (group.length > 0) {
    const what = second === undefined ? 'needs a subcommand' : `has no subcommand '${second}'`;
    return { command: undefined, error: `'${first}' ${what}; use one of: ${group.join(', ')}` };
  }
  if (first.startsWith('-')) return { command: undefined, error: `unknown option '${first}'` };
  return { command: undefined, error: `unknown command '${first}'` };
}

/** `--help` or `-h` anywhere before a `--` terminator. */
function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

function help(topic: readonly string[], io: CliIo): number {
  if (topic.length === 0) {
    io.stdout.write(`${MAIN_USAGE}\n`);
    return EXIT_OK;
  }
  const found = findCommand(topic);
  if (found.command === undefined) return usageError(io, found.error, undefined);
  io.stdout.write(`${found.command.usage}\n`);
  return EXIT_OK;
}

function usageError(io: CliIo, message: string, command: Command | undefined): number {
  const prefix = command === undefined ? 'predlog' : `predlog ${command.name}`;
  const hint = command === undefined ? 'predlog --help' : `predlog ${command.name} --help`;
  io.stderr.write(`${prefix}: ${message}\nRun '${hint}' for usage.\n`);
  return EXIT_USAGE;
}

async function readVersion(): Promise<string> {
  // package.json sits one level above both src/ (run from source) and dist/ (published).
  const text = await readFile(new URL('../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}
