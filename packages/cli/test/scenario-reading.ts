import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Every stored record under a file-exporter tree, read as plain NDJSON (independently of analytics). */
export async function readTree(root: string): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (/\.ndjson$/.test(entry.name)) {
        for (const line of (await readFile(full, 'utf8')).split('\n')) {
          if (line.trim() === '') continue;
          const value = JSON.parse(line) as Record<string, unknown>;
          if (value.event === 'ml.prediction') out.push(value);
        }
      }
    }
  };
  await walk(root);
  return out;
}

export async function readNdjson(file: string): Promise<Array<Record<string, unknown>>> {
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** AUC by brute force over every positive–negative pair, ties ½. */
export function bruteForceAuc(pairs: ReadonlyArray<{ score: number; positive: boolean }>): number {
  const pos = pairs.filter((p) => p.positive).map((p) => p.score);
  const neg = pairs.filter((p) => !p.positive).map((p) => p.score);
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

/** The exact q-quantile: the smallest value whose cumulative share reaches q. */
export function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
}
