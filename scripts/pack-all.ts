/**
 * `pnpm pack-all [<out-dir>]` builds every public package under packages/ (a clean `dist/` each) and
 * packs it with `pnpm pack`, which applies `publishConfig` (exports and bin pointing at dist/) and
 * turns `workspace:^` into `^<version>`. The tarballs land in <out-dir> (default `.tmp/packs`);
 * stdout is one JSON object listing them, for scripts and the install test. Install them together
 * with plain npm: `npm install <out-dir>/*.tgz`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
}

interface PackedPackage {
  readonly name: string;
  readonly version: string;
  readonly tarball: string;
  readonly bytes: number;
}

function publicPackageDirs(): string[] {
  const base = path.join(ROOT, 'packages');
  return readdirSync(base, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(base, entry.name))
    .filter((dir) => {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
      return manifest.private !== true;
    })
    .sort();
}

function run(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited with ${result.status}\n${result.stdout}${result.stderr}`,
    );
  }
  return result.stdout;
}

function packAll(outDir: string): PackedPackage[] {
  const dirs = publicPackageDirs();
  const filters = dirs.flatMap((dir) => ['--filter', `./${path.relative(ROOT, dir)}`]);
  // A file removed from src/ must not survive in a tarball from an earlier build.
  for (const dir of dirs) rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
  run('pnpm', [...filters, 'run', 'build']);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const output = run('pnpm', [...filters, 'pack', '--pack-destination', outDir, '--json']);
  // One package gives an object, several an array.
  const parsed = JSON.parse(output) as
    | { name: string; version: string; filename: string }
    | Array<{
        name: string;
        version: string;
        filename: string;
      }>;
  const packed = (Array.isArray(parsed) ? parsed : [parsed]).map((entry) => ({
    name: entry.name,
    version: entry.version,
    tarball: entry.filename,
    bytes: statSync(entry.filename).size,
  }));
  if (packed.length !== dirs.length) {
    throw new Error(`packed ${packed.length} tarballs for ${dirs.length} public packages`);
  }
  return packed.sort((a, b) => a.name.localeCompare(b.name));
}

const outDir = path.resolve(process.argv[2] ?? path.join(ROOT, '.tmp', 'packs'));
const packages = packAll(outDir);
process.stdout.write(`${JSON.stringify({ outDir, packages }, null, 2)}\n`);
