/** Where a command reads its environment and writes its output; tests pass their own. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory relative path arguments resolve against. */
  readonly cwd: string;
}

export interface OutputStream {
  write(chunk: string): unknown;
}

/** Exit codes shared by every command. */
export const EXIT_OK = 0;
/** The check failed: invalid config, no matching records, tampered files, incompatible schema. */
export const EXIT_FAILED = 1;
/** The command line was wrong: unknown command or flag, missing or malformed argument. */
export const EXIT_USAGE = 2;

/** A wrong command line; the dispatcher prints the message and the command's usage, exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface Command {
  /** As typed: `validate`, `schema check`. */
  readonly name: string;
  /** Full help text printed by `predlog <command> --help` and after a usage error. */
  readonly usage: string;
  /** Runs with the arguments after the command name; throws `UsageError` for a bad command line. */
  run(args: string[], io: CliIo): Promise<number>;
}
