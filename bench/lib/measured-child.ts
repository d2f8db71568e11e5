import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A child `node` process measured from outside: wall time and peak RSS (getrusage's maxRSS written
 * at exit by the preloaded reporter, and the kernel's VmHWM polled from /proc while it runs; the
 * higher counts), so native memory (DuckDB's) is in the figure too.
 */
const RSS_REPORTER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'peak-rss-reporter.ts');

export interface ChildRun {
  exitCode: number | null;
  wallMs: number;
  peakRssBytes: number;
  stdout: string;
  stderr: string;
}

async function vmHwm(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match === null ? 0 : Number(match[1]) * 1024;
  } catch {
    return 0;
  }
}

/** Runs `node <args>` with the peak-RSS reporter preloaded; polls VmHWM every 50 ms meanwhile. */
export async function runMeasured(args: readonly string[], cwd: string, label: string): Promise<ChildRun> {
  const rssFile = path.join(cwd, `${label}.rss`);
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', RSS_REPORTER, ...args], {
    cwd,
    env: { ...process.env, PREDLOG_BENCH_PEAK_RSS_FILE: rssFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    if (stdout.length < 100_000) stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 100_000) stderr += chunk.toString();
  });
  let polled = 0;
  const timer = setInterval(() => {
    if (child.pid !== undefined)
      void vmHwm(child.pid).then((v) => {
        polled = Math.max(polled, v);
      });
  }, 50);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
  clearInterval(timer);
  const wallMs = performance.now() - started;
  let reported = 0;
  try {
    reported = Number(await readFile(rssFile, 'utf8'));
    await rm(rssFile, { force: true });
  } catch {
    // A crashed child writes nothing; the polled figure stands.
  }
  return { exitCode, wallMs, peakRssBytes: Math.max(reported, polled), stdout, stderr };
}
