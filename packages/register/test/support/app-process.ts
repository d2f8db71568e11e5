import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The `--import` entry, by file URL: the test's working directory cannot resolve the package name. */
export const REGISTER_ENTRY = pathToFileURL(
  fileURLToPath(new URL('../../src/register.ts', import.meta.url)),
).href;

export function fixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

export interface AppExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A serving app in a child process: `node --import <register> <app>`, with what it printed. */
export interface AppProcess {
  readonly child: ChildProcess;
  /** Resolves with the port from the app's `{"port":N}` line, or rejects if the app ended first. */
  readonly port: Promise<number>;
  readonly exited: Promise<AppExit>;
  readonly stdoutLines: string[];
  stderr(): string;
  url(): Promise<string>;
}

/**
 * Starts `app` with the Node that runs the tests. The environment is the test's minus predlog's own
 * variables and the OTel switch, plus `env`, so an outer setting cannot change what is tested.
 */
export function startApp(app: string, options: { cwd: string; env?: Record<string, string> }): AppProcess {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of Object.keys(env))
    if (key.startsWith('PREDLOG_') || key === 'OTEL_SDK_DISABLED' || key === 'NODE_OPTIONS') delete env[key];
  const child = spawn(process.execPath, ['--import', REGISTER_ENTRY, app], {
    cwd: options.cwd,
    env: { ...env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdoutLines: string[] = [];
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const exited = new Promise<AppExit>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const port = new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      stdoutLines.push(line);
      const parsed = JSON.parse(line) as { port?: number };
      if (parsed.port !== undefined) resolve(parsed.port);
    });
    void exited.then((exit) =>
      reject(new Error(`the app ended before listening (${JSON.stringify(exit)}): ${stderr}`)),
    );
  });
  port.catch(() => {}); // a test that expects the app to end never awaits the port
  return {
    child,
    port,
    exited,
    stdoutLines,
    stderr: () => stderr,
    url: async () => `http://127.0.0.1:${await port}`,
  };
}
