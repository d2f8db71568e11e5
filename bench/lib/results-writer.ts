import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TargetResult } from './targets.ts';

export const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');

export interface MachineInfo {
  node: string;
  v8: string;
  platform: string;
  arch: string;
  cpuModel: string;
  cpuCount: number;
  cpuSpeedMHz: number;
  totalMemoryBytes: number;
  loadAverage1m: number;
  execArgv: string[];
}

/** What each bench writes to `bench/results/<bench>.json`. */
export interface BenchResult {
  bench: string;
  title: string;
  /** ISO time the bench started. */
  date: string;
  durationMs: number;
  machine: MachineInfo;
  /** The knobs this run used (record counts, block sizes, flags). */
  parameters: Record<string, unknown>;
  /** Every measured figure, in the units its key names (`p50Ns`, `recordsPerSecond`, `bytesPerRecord`). */
  figures: Record<string, unknown>;
  targets: TargetResult[];
  notes: string[];
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: os.availableParallelism(),
    cpuSpeedMHz: cpus[0]?.speed ?? 0,
    totalMemoryBytes: os.totalmem(),
    loadAverage1m: os.loadavg()[0] ?? 0,
    execArgv: process.execArgv,
  };
}

/** Writes the result as pretty JSON and returns the file's path. */
export async function writeResults(result: BenchResult): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${result.bench}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}
