import type { CliIo } from '../src/command.ts';

/** A CliIo that collects what a command prints. */
export interface CapturedIo {
  readonly io: CliIo;
  stdout(): string;
  stderr(): string;
}

export function captureIo(cwd: string, env: Record<string, string | undefined> = {}): CapturedIo {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (chunk: string) => (out += chunk) },
      stderr: { write: (chunk: string) => (err += chunk) },
      env,
      cwd,
    },
    stdout: () => out,
    stderr: () => err,
  };
}
