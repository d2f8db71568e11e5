import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from '../command.ts';
import { didYouMean } from './name-suggestion.ts';

/** `-3`, `-0.5`, `-1e3`: a value, not a flag, when it follows an option that takes one. */
const NEGATIVE_NUMBER = /^-(?:\d|\.\d)/;

/**
 * `parseArgs` in strict mode with its errors turned into `UsageError`s (exit 2), keeping only the
 * first sentence of Node's message (`Unknown option '--limt'`) and adding the closest known flag.
 * A negative number after an option that takes a value is that option's value (`--limit -3` reaches
 * the option's own check, which says what is allowed) instead of Node's "ambiguous" error.
 */
export function parseCommandLine<const T extends ParseArgsConfig>(
  config: T,
): ReturnType<typeof parseArgs<T>> {
  const args = config.args === undefined ? undefined : joinNegativeValues(config.args, config.options ?? {});
  try {
    // strict is parseArgs' default: unknown flags and missing values throw.
    return parseArgs(args === undefined ? config : { ...config, args });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      const message = firstSentence((error as Error).message);
      const hint = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? flagHint(message, config.options ?? {}) : '';
      throw new UsageError(`${message}${hint}`);
    }
    throw error;
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

function joinNegativeValues(args: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    const next = args[i + 1];
    const option = arg.startsWith('--') ? options[arg.slice(2)] : undefined;
    if (option?.type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** `; did you mean '--limit'?` for `Unknown option '--limt'`. */
function flagHint(message: string, options: Options): string {
  const typed = /'(-{1,2}[^']*)'/.exec(message)?.[1];
  if (typed === undefined) return '';
  const flags = Object.keys(options).map((name) => `--${name}`);
  return didYouMean(typed.split('=')[0] ?? typed, flags);
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
