import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';

/** Debian's prometheus package; `scripts/ensure-prometheus.sh` (run by `pnpm test`) installs it. */
export const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
export const PROMETHEUS = process.env.PROMETHEUS ?? 'prometheus';

export interface ToolResult {
  readonly code: number;
  readonly output: string;
}

/** Runs promtool; resolves with its exit code and combined output (never rejects on exit code). */
export function promtool(args: readonly string[], cwd: string): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(PROMTOOL, args, { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') {
        reject(
          new Error(
            `cannot run ${PROMTOOL} (${String(error.code ?? error.message)}); run bash scripts/ensure-prometheus.sh`,
          ),
        );
        return;
      }
      resolve({ code: error === null ? 0 : Number(error.code), output: `${stdout}${stderr}` });
    });
  });
}

/** A port that was free a moment ago on 127.0.0.1 (Prometheus cannot be told to pick one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningPrometheus {
  readonly url: string;
  /** An instant query through the HTTP API; rejects with Prometheus' error text when it fails. */
  query(expr: string, timeSeconds?: number): Promise<PromVector>;
  stop(): Promise<void>;
  output(): string;
}

export type PromVector = Array<{ metric: Record<string, string>; value: [number, string] }>;

/**
 * Starts a real Prometheus on loopback with a temporary config and data directory, scraping
 * `targets` every `scrapeIntervalS`, and waits until it is ready.
 */
export async function startPrometheus(options: {
  dir: string;
  targets: readonly string[];
  scrapeIntervalS: number;
  ruleFiles?: readonly string[];
}): Promise<RunningPrometheus> {
  const port = await freePort();
  const configFile = path.join(options.dir, 'prometheus.yml');
  await writeFile(
    configFile,
    [
      'global:',
      `  scrape_interval: ${options.scrapeIntervalS}s`,
      `  evaluation_interval: ${options.scrapeIntervalS}s`,
      ...(options.ruleFiles === undefined || options.ruleFiles.length === 0
        ? []
        : ['rule_files:', ...options.ruleFiles.map((file) => `  - ${JSON.stringify(file)}`)]),
      'scrape_configs:',
      '  - job_name: fraud-service',
      '    metrics_path: /metrics',
      '    static_configs:',
      `      - targets: [${options.targets.map((t) => JSON.stringify(t)).join(', ')}]`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(options.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (error) =>
      reject(
        new Error(`cannot start ${PROMETHEUS}: ${error.message}; run bash scripts/ensure-prometheus.sh`),
      ),
    ),
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
  };
  const deadline = Date.now() + 20_000;
  const ready = (async () => {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited at start:\n${output}`);
      try {
        if ((await fetch(`${url}/-/ready`)).ok) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`prometheus was not ready in 20 s:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  try {
    await Promise.race([ready, spawnError]);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    output: () => output,
    stop,
    async query(expr, timeSeconds) {
      const params = new URLSearchParams({ query: expr });
      if (timeSeconds !== undefined) params.set('time', String(timeSeconds));
      const response = await fetch(`${url}/api/v1/query?${params}`);
      const body = (await response.json()) as {
        status: string;
        error?: string;
        data?: { resultType: string; result: PromVector };
      };
      if (body.status !== 'success')
        throw new Error(`query failed: ${body.error ?? response.status}: ${expr}`);
      if (body.data?.resultType !== 'vector') throw new Error(`not an instant vector: ${expr}`);
      return body.data.result;
    },
  };
}
