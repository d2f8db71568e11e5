import { type BenchResult, machineInfo, writeResults } from './results-writer.ts';
import type { TargetResult } from './targets.ts';
import { renderTargets } from './text-table.ts';

/** What a bench's body returns; the process wrapper adds name, date and machine. */
export interface BenchOutcome {
  parameters: Record<string, unknown>;
  figures: Record<string, unknown>;
  targets: TargetResult[];
  notes?: string[];
}

/**
 * Reads `--name value` or `--name=value` from the command line as a number. Unknown flags are
 * ignored: `pnpm bench` hands the same flags to every bench.
 */
export function numberFlag(
  name: string,
  fallback: number,
  argv: readonly string[] = process.argv.slice(2),
): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    let text: string | undefined;
    if (arg === `--${name}`) text = argv[i + 1];
    else if (arg.startsWith(`--${name}=`)) text = arg.slice(name.length + 3);
    else continue;
    const value = Number(text);
    if (text === undefined || text === '' || !Number.isFinite(value) || value <= 0) {
      throw new Error(`--${name} needs a positive number`);
    }
    return value;
  }
  return fallback;
}

/**
 * Runs one bench as the whole life of its child process: prints its tables as it goes, then the
 * targets, writes `bench/results/<bench>.json`, and exits 0 (also when a target is missed) or 1 when
 * the bench itself failed.
 */
export async function runBenchProcess(
  bench: string,
  title: string,
  body: () => Promise<BenchOutcome>,
): Promise<void> {
  const started = new Date();
  const t0 = performance.now();
  try {
    if (typeof globalThis.gc !== 'function') {
      throw new Error('run benches with --expose-gc (pnpm bench does)');
    }
    console.log(`\n== ${bench}: ${title}`);
    const outcome = await body();
    const result: BenchResult = {
      bench,
      title,
      date: started.toISOString(),
      durationMs: Math.round(performance.now() - t0),
      machine: machineInfo(),
      parameters: outcome.parameters,
      figures: outcome.figures,
      targets: outcome.targets,
      notes: outcome.notes ?? [],
    };
    if (outcome.targets.length > 0) console.log(`\nTargets\n${renderTargets(outcome.targets)}`);
    for (const note of result.notes) console.log(`note: ${note}`);
    const file = await writeResults(result);
    console.log(`\nwrote ${file}`);
    process.exit(0);
  } catch (error) {
    console.error(`${bench} failed:`, error);
    process.exit(1);
  }
}

/** Collects garbage twice (the second pass frees what finalisers of the first released). */
export function collectGarbage(): void {
  globalThis.gc?.();
  globalThis.gc?.();
}
