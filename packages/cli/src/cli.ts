import { readFile } from 'node:fs/promises';
import { type CliIo, type Command, EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError } from './command.ts';
import { didYouMean } from './internal/name-suggestion.ts';

/**
 * A command as `predlog --help` lists it. Its module (and the exporters, processors and analytics
 * behind it) is imported only when the command runs: `predlog --help` and `--version` start in a
 * tenth of the time, and each command pays only for what it uses.
 */
export interface CommandEntry {
  /** As typed: `validate`, `schema check`. */
  readonly name: string;
  /** One line for `predlog --help`. */
  readonly summary: string;
  readonly load: () => Promise<Command>;
}

/** Every command, in the order `predlog --help` lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'validate',
    summary: 'check a config file and show its pipelines',
    load: async () => (await import('./commands/validate.ts')).validateCommand,
  },
  {
    name: 'query',
    summary: 'find logged predictions: what the model saw and what it decided',
    load: async () => (await import('./commands/query.ts')).queryCommand,
  },
  {
    name: 'replay',
    summary: 'backfill a sink from a disk spill or a file-exporter directory, resumably',
    load: async () => (await import('./commands/replay.ts')).replayCommand,
  },
  {
    name: 'verify',
    summary: 'check the hash chains (integrity mode) and the Parquet digests of a file-exporter directory',
    load: async () => (await import('./commands/verify.ts')).verifyCommand,
  },
  {
    name: 'compact',
    summary: 'turn closed days of NDJSON into Parquet (smaller, typed; read by query, verify, sql)',
    load: async () => (await import('./commands/compact.ts')).compactCommand,
  },
  {
    name: 'schema check',
    summary: 'check that a new record JSON Schema accepts every record the old one did',
    load: async () => (await import('./commands/schema-check.ts')).schemaCheckCommand,
  },
  {
    name: 'schema export',
    summary: 'write the JSON Schemas of the current record versions',
    load: async () => (await import('./commands/schema-export.ts')).schemaExportCommand,
  },
  {
    name: 'sampling simulate',
    summary: 'what a sampling config keeps per day, per rule, at a given volume',
    load: async () => (await import('./commands/sampling-simulate.ts')).samplingSimulateCommand,
  },
  {
    name: 'sql',
    summary: 'SQL over the logs (embedded DuckDB): predictions and feedback views, NDJSON and Parquet',
    load: async () => (await import('./commands/sql.ts')).sqlCommand,
  },
  {
    name: 'join',
    summary: 'join labels to logged predictions and report the label match rate',
    load: async () => (await import('./commands/join.ts')).joinCommand,
  },
  {
    name: 'evaluate',
    summary: 'model performance over a window, overall and by cohort, against a baseline',
    load: async () => (await import('./commands/evaluate.ts')).evaluateCommand,
  },
  {
    name: 'drift',
    summary: 'PSI and KS per feature and for the predictions against a baseline',
    load: async () => (await import('./commands/drift.ts')).driftCommand,
  },
  {
    name: 'stats',
    summary: 'daily pre-aggregates per feature and for the score, kept in a small file forever',
    load: async () => (await import('./commands/stats.ts')).statsCommand,
  },
  {
    name: 'shadow-report',
    summary: 'champion against challenger on the same requests',
    load: async () => (await import('./commands/shadow-report.ts')).shadowReportCommand,
  },
  {
    name: 'report',
    summary: 'one self-contained HTML page: metric trend, score histograms, PSI per feature',
    load: async () => (await import('./commands/report.ts')).reportCommand,
  },
  {
    name: 'signals',
    summary: 'proxy signals of degradation per day, no labels needed, and the composite score 0-100',
    load: async () => (await import('./commands/signals.ts')).signalsCommand,
  },
  {
    name: 'backtest',
    summary: 'lead time and false positive rate of the proxy signals on labelled history',
    load: async () => (await import('./commands/backtest.ts')).backtestCommand,
  },
  {
    name: 'performance',
    summary: 'rolling metrics, their trend, the label match rate and the retraining trigger',
    load: async () => (await import('./commands/performance.ts')).performanceCommand,
  },
  {
    name: 'monitoring validate',
    summary: "check model-monitoring.yaml files (a model's tier, owner, drift, alert routing)",
    load: async () => (await import('./commands/monitoring-validate.ts')).monitoringValidateCommand,
  },
  {
    name: 'monitoring render',
    summary: "Prometheus rules, Alertmanager routing and a Grafana overview from the models' configs",
    load: async () => (await import('./commands/monitoring-render.ts')).monitoringRenderCommand,
  },
  {
    name: 'monitoring cost',
    summary: 'storage and compute of monitoring per model per month, and what sampling and tiers save',
    load: async () => (await import('./commands/monitoring-cost.ts')).monitoringCostCommand,
  },
];

/** The command column of `predlog --help`: as wide as the longest name. */
const NAME_WIDTH = Math.max(...COMMANDS.map((c) => c.name.length));

const MAIN_USAGE = `Usage: predlog <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(NAME_WIDTH)} ${c.summary}`).join('\n')}

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
  if (found.entry === undefined) return usageError(io, found.error, undefined);
  const { entry, args } = found;
  let command: Command;
  try {
    command = await entry.load();
  } catch (error) {
    io.stderr.write(`predlog ${entry.name}: cannot load the command (${(error as Error).message})\n`);
    return EXIT_FAILED;
  }
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

type Found = { entry: CommandEntry; args: string[] } | { entry: undefined; error: string };

function findCommand(argv: readonly string[]): Found {
  const [first = '', second, ...tail] = argv;
  // Two-word commands (`schema check`) are matched before one-word ones.
  const twoWords = COMMANDS.find((c) => c.name === `${first} ${second}`);
  if (twoWords !== undefined) return { entry: twoWords, args: tail };
  const oneWord = COMMANDS.find((c) => c.name === first);
  if (oneWord !== undefined) return { entry: oneWord, args: argv.slice(1) };
  const group = COMMANDS.filter((c) => c.name.startsWith(`${first} `)).map((c) => c.name);
  if (group.length > 0) {
    const subcommands = group.map((name) => name.slice(first.length + 1));
    const what =
      second === undefined
        ? 'needs a subcommand'
        : `has no subcommand '${second}'${didYouMean(second, subcommands)}`;
    return { entry: undefined, error: `'${first}' ${what}; use one of: ${group.join(', ')}` };
  }
  if (first.startsWith('-')) {
    const hint = didYouMean(first, ['--help', '--version']);
    return { entry: undefined, error: `unknown option '${first}'${hint}` };
  }
  // Both words are tried so a mistyped two-word command (`sampling simlate`) is found too.
  const twoWordNames = COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name);
  const hint =
    (second === undefined ? '' : didYouMean(`${first} ${second}`, twoWordNames)) ||
    didYouMean(first, commandWords());
  return { entry: undefined, error: `unknown command '${first}'${hint}` };
}

/** The first words of every command, once each: `validate`, `schema`, `sampling`, ... */
function commandWords(): string[] {
  return [...new Set(COMMANDS.map((c) => c.name.split(' ')[0] ?? c.name))];
}

/** `--help` or `-h` anywhere before a `--` terminator. */
function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

async function help(topic: readonly string[], io: CliIo): Promise<number> {
  if (topic.length === 0) {
    io.stdout.write(`${MAIN_USAGE}\n`);
    return EXIT_OK;
  }
  const found = findCommand(topic);
  if (found.entry === undefined) return usageError(io, found.error, undefined);
  io.stdout.write(`${(await found.entry.load()).usage}\n`);
  return EXIT_OK;
}

function usageError(io: CliIo, message: string, command: { readonly name: string } | undefined): number {
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
