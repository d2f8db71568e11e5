import { execFile } from 'node:child_process';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

// npm/npx/pnpm tell the programs they start how they were started (npm_config_call, _package,
// _prefix, npm_lifecycle_*, ...); a nested `npx` reads those as its own arguments. A user's shell has
// none of them, so they are dropped; the registry and TLS settings are kept.
const KEPT_NPM_VARIABLES =
  /^npm_config_(registry|cafile|ca|strict_ssl|proxy|https_proxy|noproxy|cache|userconfig)$/i;

/** `process.env` as a user's fresh shell would have it, with `binDir` first on PATH. */
export function userEnvironment(binDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm|pnpm)_/i.test(key) && !KEPT_NPM_VARIABLES.test(key)) continue;
    if (key === 'INIT_CWD' || key === 'NODE_OPTIONS' || key === 'NODE_PATH') continue;
    env[key] = value;
  }
  env.PATH = `${binDir}:${process.env.PATH ?? ''}`;
  return env;
}

/** Runs a command to its end; never throws for a non-zero exit (the caller asserts the code). */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env,
        timeout: options.timeoutMs ?? 240_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error);
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

/** Fails with everything the command printed, so a broken install explains itself. */
export function describeFailure(label: string, result: CommandResult): string {
  return `${label} exited with ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}
