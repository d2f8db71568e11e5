export { BUILTIN_COMPONENTS, createBuiltinRegistry } from './builtin-components.ts';
export { runCli } from './cli.ts';
export {
  type CliIo,
  type Command,
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  type OutputStream,
  UsageError,
} from './command.ts';
