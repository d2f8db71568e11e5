/**
 * `pnpm bench` runs every `bench/<name>.bench.ts`; `pnpm bench <name> [<name>...]` runs those.
 * Flags after the names (`--duration 5`) go to every bench run. Each bench gets its own child
 * process (`node --expose-gc`), so JIT and heap state never leak from one bench into the next.
 * Exits non-zero only when a bench crashed: a missed target is a result, not a failure.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchResult, RESULTS_DIR } from './lib/results-writer.ts';
import { renderTable } from './lib/text-table.ts';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const SUFFIX = '.bench.ts';

async function benchNames(): Promise<string[]> {
  const files = await readdir(BENCH_DIR);
  return files
    .filter((f) => f.endsWith(SUFFIX))
    .map((f) => f.slice(0, -SUFFIX.length))
    .sort();
}

function runChild(
  name: string,
  flags: readonly string[],
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', path.join(BENCH_DIR, `${name}${SUFFIX}`), ...flags],
      {
        stdio: 'inherit',
      },
    );
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
}

async function readResult(name: string, notBefore: number): Promise<BenchResult | undefined> {
  try {
    const result = JSON.parse(await readFile(path.join(RESULTS_DIR, `${name}.json`), 'utf8')) as BenchResult;
    return Date.parse(result.date) >= notBefore ? result : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const firstFlag = args.findIndex((a) => a.startsWith('-'));
  const requested = firstFlag === -1 ? args : args.slice(0, firstFlag);
  const flags = firstFlag === -1 ? [] : args.slice(firstFlag);
  const known = await benchNames();
  const unknown = requested.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    console.error(`unknown bench: ${unknown.join(', ')}; known: ${known.join(', ')}`);
    return 2;
  }
  const names = requested.length > 0 ? requested : known;

  const rows: Array<[string, string, string]> = [];
  let crashed = 0;
  for (const name of names) {
    // Seconds only: the JSON's date is ISO with milliseconds, taken after the child starts.
    const startedAt = Math.floor(Date.now() / 1000) * 1000;
    const { code, signal } = await runChild(name, flags);
    if (code !== 0) {
      crashed++;
      rows.push([name, `crashed (${signal ?? `exit ${code}`})`, '']);
      continue;
    }
    const result = await readResult(name, startedAt);
    if (result === undefined) {
      crashed++;
      rows.push([name, 'no results file written', '']);
      continue;
    }
    const missed = result.targets.filter((t) => !t.pass);
    rows.push([
      name,
      `${result.targets.length - missed.length}/${result.targets.length} targets met`,
      missed
        .map(
          (t) =>
            `${t.id} (${t.kind === 'ratio' ? `${t.ratio.toFixed(3)}x` : `${t.subject.value} ${t.unit}`})`,
        )
        .join(', '),
    ]);
  }
  console.log(`\n== summary\n${renderTable(['bench', 'result', 'missed'], rows)}`);
  return crashed > 0 ? 1 : 0;
}

process.exitCode = await main();
