import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const EXAMPLE_DIR = fileURLToPath(new URL('../../examples/fraud-service/', import.meta.url));
const SERVER = fileURLToPath(new URL('../../examples/fraud-service/src/server.ts', import.meta.url));

export interface RunningFraudService {
  readonly port: number;
  readonly modelVersion: string;
  /** Sends SIGTERM and waits for the exit (SIGKILL after 15 s). */
  stop(): Promise<number | null>;
  stderr(): string;
}

/**
 * Starts examples/fraud-service as a user would (`node src/server.ts`) on a free loopback port,
 * and reads the port from its `listening` line.
 */
export async function startFraudService(logDir: string): Promise<RunningFraudService> {
  const child: ChildProcess = spawn(process.execPath, [...process.execArgv, SERVER], {
    cwd: EXAMPLE_DIR,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      PREDLOG_LOG_DIR: logDir,
      // predlog.yaml hashes e-mails with a key from the environment (a user would use a real secret).
      PREDLOG_REDACTION_KEY: randomBytes(48).toString('base64'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = new Promise<{ port: number; model_version: string }>((resolve) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        const event = JSON.parse(line) as { event?: string; port?: number; model_version?: string };
        if (event.event === 'listening' && typeof event.port === 'number')
          resolve({ port: event.port, model_version: String(event.model_version) });
      } catch {
        // Not one of the server's JSON lines.
      }
    });
  });
  let timer: NodeJS.Timeout | undefined;
  const started = await Promise.race([
    listening,
    exited.then(() => undefined),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), 30_000);
    }),
  ]);
  clearTimeout(timer);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await exited;
    clearTimeout(killer);
    return code;
  };
  if (started === undefined) {
    await stop();
    throw new Error(`the fraud service did not start:\n${stderr}`);
  }
  return { port: started.port, modelVersion: started.model_version, stop, stderr: () => stderr };
}
