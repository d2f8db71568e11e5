import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from '../command.ts';

/**
 * `parseArgs` in strict mode with its errors turned into `UsageError`s (exit 2), keeping only the
 * first sentence of Node's message: `Unknown option '--limt'`.
 */
export function parseCommandLine<const T extends ParseArgsConfig>(
  config: T,
): ReturnType<typeof parseArgs<T>> {
  try {
    // strict is parseArgs' default: unknown flags and missing values throw.
    return parseArgs(config);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError(firstSentence((error as Error).message));
    }
    throw error;
  }
}

function firstSentence(message: string): string {
  const line = message.split('\n')[0] ?? message;
  const end = line.indexOf('. ');
  return end === -1 ? line.replace(/\.$/, '') : line.slice(0, end);
}

/** Exactly `names.length` positionals, or a usage error naming the first one missing. */
export function expectPositionals(positionals: readonly string[], names: readonly string[]): string[] {
  if (positionals.length < names.length) throw new UsageError(`missing ${names[positionals.length]}`);
  if (positionals.length > names.length) {
    throw new UsageError(`unexpected argument '${positionals[names.length]}'`);
  }
  return [...positionals];
}
