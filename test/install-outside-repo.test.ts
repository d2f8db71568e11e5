import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bareImports } from './install-outside-repo/packed-imports.ts';
import {
  type CommandResult,
  describeFailure,
  runCommand,
  userEnvironment,
} from './install-outside-repo/run-command.ts';

// What a user outside this repository gets: every public package packed (scripts/pack-all.ts), the
// tarballs installed with plain npm into a fresh app in the OS temp directory, and three apps run
// there: Express with the one-line instrumentation writing files (then `npx predlog query` over
// them), a plain OTel LoggerProvider with predlog's redaction processor, and a CommonJS require().
// Once on the Node that runs this test (24) and once on the lowest Node the packages' engines allow.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const APPS = path.join(ROOT, 'test', 'install-outside-repo');
const SLOW = 300_000;

interface PackedPackage {
  readonly name: string;
  readonly version: string;
  readonly tarball: string;
  readonly bytes: number;
}

interface PackedManifest {
  name: string;
  version: string;
  license?: string;
  repository?: { type?: string; url?: string; directory?: string };
  files?: string[];
  engines?: { node?: string };
  main?: string;
  types?: string;
  bin?: Record<string, string>;
  exports?: Record<string, { types?: string; default?: string } | string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

let work: string;
let packed: PackedPackage[];
const manifests = new Map<string, { manifest: PackedManifest; dir: string }>();

function expectSuccess(label: string, result: CommandResult): void {
  expect(result.code, describeFailure(label, result)).toBe(0);
}

function lastJsonLine<T>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] as string) as T;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'predlog-install-'));
  const packDir = path.join(work, 'packs');
  const pack = await runCommand(process.execPath, [path.join(ROOT, 'scripts', 'pack-all.ts'), packDir], {
    cwd: ROOT,
    env: process.env,
  });
  expectSuccess('pnpm pack-all', pack);
  packed = lastPackList(pack.stdout);
  for (const entry of packed) {
    const dir = path.join(work, 'extracted', entry.name);
    await mkdir(dir, { recursive: true });
    expectSuccess(
      'tar',
      await runCommand('tar', ['-xzf', entry.tarball, '-C', dir], { cwd: work, env: process.env }),
    );
    const manifest = JSON.parse(
      await readFile(path.join(dir, 'package', 'package.json'), 'utf8'),
    ) as PackedManifest;
    manifests.set(entry.name, { manifest, dir: path.join(dir, 'package') });
  }
}, SLOW);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

function lastPackList(stdout: string): PackedPackage[] {
  return (JSON.parse(stdout) as { packages: PackedPackage[] }).packages;
}

/** The one `>=X.Y.Z` every packed package declares: the lowest Node this test runs them on. */
function lowestNode(): string {
  const ranges = new Set([...manifests.values()].map(({ manifest }) => manifest.engines?.node));
  expect([...ranges]).toHaveLength(1);
  const match = /^>=(\d+\.\d+\.\d+)$/.exec([...ranges][0] ?? '');
  expect(match, `engines.node is ${[...ranges][0]}`).not.toBeNull();
  return (match as RegExpExecArray)[1] as string;
}

describe('the packed tarballs', () => {
  it('one per public package, each with the fields a registry and a user need', async () => {
    const publicDirs: string[] = [];
    for (const dir of await readdir(path.join(ROOT, 'packages'))) {
      const manifest = JSON.parse(await readFile(path.join(ROOT, 'packages', dir, 'package.json'), 'utf8'));
      if (manifest.private !== true) publicDirs.push(manifest.name);
    }
    expect(packed.map((entry) => entry.name)).toEqual(publicDirs.sort());
    for (const { manifest } of manifests.values()) {
      expect(manifest.license, manifest.name).toBe('Apache-2.0');
      expect(manifest.repository?.url, manifest.name).toMatch(/^git\+https:\/\//);
      expect(manifest.repository?.directory, manifest.name).toBe(`packages/${manifest.name.split('/')[1]}`);
      expect(manifest.files, manifest.name).toContain('dist');
      expect(manifest.engines?.node, manifest.name).toMatch(/^>=\d+\.\d+\.\d+$/);
    }
  });

  it('exports has types and default; those, main, types and bin point at built files in the tarball', async () => {
    for (const { manifest, dir } of manifests.values()) {
      const entry = manifest.exports?.['.'];
      expect(typeof entry, manifest.name).toBe('object');
      const conditions = entry as { types?: string; default?: string };
      expect(conditions.types, manifest.name).toBeDefined();
      expect(conditions.default, manifest.name).toBeDefined();
      const targets = [
        conditions.types,
        conditions.default,
        manifest.main,
        manifest.types,
        ...Object.values(manifest.bin ?? {}),
      ];
      for (const target of targets.filter((t) => t !== undefined)) {
        expect(target, manifest.name).toMatch(/^\.\/dist\/.+\.(js|d\.ts)$/);
        await expect(
          readFile(path.join(dir, target as string)),
          `${manifest.name} ${target}`,
        ).resolves.toBeDefined();
      }
    }
  });

  it('caret ranges only, predlog dependencies among the tarballs, no workspace protocol left', () => {
    const names = new Set(packed.map((entry) => entry.name));
    for (const { manifest } of manifests.values()) {
      for (const [dep, range] of Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies })) {
        expect(range, `${manifest.name} → ${dep}`).toMatch(/^\^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
        if (dep.startsWith('@predlog/')) expect(names.has(dep), `${manifest.name} → ${dep}`).toBe(true);
      }
    }
  });

  it('every package a built file imports is declared; @opentelemetry/api is a peer, onnxruntime-node an optional one', () => {
    for (const { manifest, dir } of manifests.values()) {
      const deps = manifest.dependencies ?? {};
      const peers = manifest.peerDependencies ?? {};
      for (const name of bareImports(path.join(dir, 'dist'))) {
        expect(name in deps || name in peers, `${manifest.name} imports ${name} without declaring it`).toBe(
          true,
        );
      }
      if (bareImports(path.join(dir, 'dist')).includes('@opentelemetry/api')) {
        expect(peers['@opentelemetry/api'], manifest.name).toBe('^1.10.0');
      }
      expect(deps['@opentelemetry/api'], manifest.name).toBeUndefined();
      if ('onnxruntime-node' in peers) {
        expect(manifest.peerDependenciesMeta?.['onnxruntime-node']?.optional, manifest.name).toBe(true);
      }
      expect(deps['onnxruntime-node'], manifest.name).toBeUndefined();
    }
  });
});

for (const which of ['runner', 'lowest'] as const) {
  describe(`installed with npm into a fresh app, on ${which === 'runner' ? 'the Node running this test' : "the engines' lowest Node"}`, () => {
    let app: string;
    let env: NodeJS.ProcessEnv;
    let nodeVersion: string;

    beforeAll(async () => {
      let binDir = path.dirname(process.execPath);
      nodeVersion = process.version;
      if (which === 'lowest') {
        nodeVersion = `v${lowestNode()}`;
        // The node package brings the binary from the npm registry, as the README's Quickstart does.
        const located = await runCommand(
          'npx',
          ['-y', '-p', `node@${lowestNode()}`, '-c', 'node -p process.execPath'],
          {
            cwd: work,
            env: userEnvironment(binDir),
          },
        );
        expectSuccess(`npx -p node@${lowestNode()}`, located);
        binDir = path.dirname(located.stdout.trim().split('\n').pop() as string);
      }
      env = userEnvironment(binDir);
      app = await mkdtemp(path.join(os.tmpdir(), `predlog-app-${which}-`));
      await writeFile(
        path.join(app, 'package.json'),
        `${JSON.stringify({ name: 'predlog-user-app', private: true, type: 'module' })}\n`,
      );
      for (const file of ['express-app.mjs', 'otel-provider-app.mjs', 'require-app.cjs']) {
        await copyFile(path.join(APPS, file), path.join(app, file));
      }
      const install = await runCommand(
        'npm',
        [
          'install',
          '--no-audit',
          '--no-fund',
          ...packed.map((entry) => entry.tarball),
          'express@^5',
          '@opentelemetry/api',
          '@opentelemetry/sdk-logs',
          '@types/node',
        ],
        { cwd: app, env },
      );
      expectSuccess('npm install', install);
    }, SLOW);

    afterAll(async () => {
      if (app) await rm(app, { recursive: true, force: true });
    });

    it('runs on the intended Node', async () => {
      const result = await runCommand('node', ['--version'], { cwd: app, env });
      expect(result.stdout.trim()).toBe(nodeVersion);
    });

    it('one copy of each OpenTelemetry and predlog package, and npm ls finds no missing or invalid dependency', async () => {
      const copies = new Map<string, number>();
      const walk = async (modules: string): Promise<void> => {
        const entries = await readdir(modules, { withFileTypes: true }).catch(() => []);
        for (const entry of entries) {
          if (!entry.isDirectory()) continue;
          const scoped = entry.name.startsWith('@');
          const packageDirs = scoped
            ? (await readdir(path.join(modules, entry.name))).map((name) => `${entry.name}/${name}`)
            : [entry.name];
          for (const name of packageDirs) {
            if (name.startsWith('@opentelemetry/') || name.startsWith('@predlog/')) {
              copies.set(name, (copies.get(name) ?? 0) + 1);
            }
            await walk(path.join(modules, name, 'node_modules'));
          }
        }
      };
      await walk(path.join(app, 'node_modules'));
      for (const name of [
        '@opentelemetry/api',
        '@opentelemetry/core',
        '@opentelemetry/resources',
        '@opentelemetry/sdk-logs',
        '@opentelemetry/sdk-metrics',
      ]) {
        expect(copies.get(name), name).toBe(1);
      }
      for (const [name, count] of copies) expect(count, name).toBe(1);
      expectSuccess('npm ls --all', await runCommand('npm', ['ls', '--all'], { cwd: app, env }));
    });

    it('an optional peer is not installed: onnxruntime-node is absent and its instrumentation still loads', async () => {
      await expect(readdir(path.join(app, 'node_modules', 'onnxruntime-node'))).rejects.toThrow();
      const result = await runCommand(
        'node',
        [
          '-e',
          "import('@predlog/instrumentation-onnxruntime').then((m) => console.log(typeof m.instrumentInferenceSession))",
        ],
        { cwd: app, env },
      );
      expectSuccess('import instrumentation-onnxruntime', result);
      expect(result.stdout.trim()).toBe('function');
    });

    it('Express with the one-line instrumentation writes files that `npx predlog query` reads back', async () => {
      const run = await runCommand('node', ['express-app.mjs', 'prediction-logs'], { cwd: app, env });
      expectSuccess('node express-app.mjs', run);
      const summary = lastJsonLine<{
        node: string;
        stats: { received: number; exported: Record<string, number> };
      }>(run.stdout);
      expect(summary.node).toBe(nodeVersion);
      expect(summary.stats.received).toBe(3);
      expect(summary.stats.exported.file).toBe(3);

      expectSuccess('npx predlog --help', await runCommand('npx', ['predlog', '--help'], { cwd: app, env }));
      const query = await runCommand(
        'npx',
        ['predlog', 'query', 'prediction-logs', '--model', 'fraud', '--json'],
        {
          cwd: app,
          env,
        },
      );
      expectSuccess('npx predlog query', query);
      const records = query.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .sort((a, b) => String(a.request_id).localeCompare(String(b.request_id)));
      expect(records.map((r) => [r.request_id, r.model_version, r.prediction, r.score, r.raw_input])).toEqual(
        [
          ['install-req-0', '1.2.0', 'legit', 0.12, { amount: 120 }],
          ['install-req-1', '1.2.0', 'fraud', 0.87, { amount: 870 }],
          ['install-req-2', '1.2.0', 'legit', 0.04, { amount: 40 }],
        ],
      );
    });

    it('a plain OTel LoggerProvider with the redaction processor exports the record masked', async () => {
      const run = await runCommand('node', ['otel-provider-app.mjs'], { cwd: app, env });
      expectSuccess('node otel-provider-app.mjs', run);
      expect(run.stdout).not.toContain('jane.doe@example.com');
      const { node, exported } = lastJsonLine<{
        node: string;
        exported: Array<{ attributes: Record<string, unknown>; body: { raw_input: { note: string } } }>;
      }>(run.stdout);
      expect(node).toBe(nodeVersion);
      expect(exported).toHaveLength(1);
      expect(exported[0]?.attributes['ml.redaction.count']).toBe(1);
      expect(exported[0]?.body.raw_input.note).toMatch(/^refund to \*+ please$/);
    });

    it('CommonJS require() of every package works (require(esm)), beside the SDK CommonJS build, nothing on stderr', async () => {
      // @predlog/register's '.' is the `node --import` entry that starts logging; its API is './api'.
      const names = packed.map((entry) =>
        entry.name === '@predlog/register' ? `${entry.name}/api` : entry.name,
      );
      const run = await runCommand('node', ['require-app.cjs', ...names], { cwd: app, env });
      expectSuccess('node require-app.cjs', run);
      const result = lastJsonLine<{ exportCounts: Record<string, number> }>(run.stdout);
      expect(result).toMatchObject({
        createPredictionLogger: 'function',
        file: 'file',
        exportedNote: 'mail ********************',
      });
      expect(Object.keys(result.exportCounts)).toEqual(names);
      for (const name of names) expect(result.exportCounts[name], name).toBeGreaterThan(0);
      expect(run.stderr).toBe('');
    });

    if (which === 'runner') {
      it('TypeScript (nodenext, strict, libraries checked) finds real types in the packed .d.ts files', async () => {
        await copyFile(path.join(APPS, 'typed-app.ts'), path.join(app, 'typed-app.ts'));
        await copyFile(path.join(APPS, 'tsconfig.app.json'), path.join(app, 'tsconfig.json'));
        const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
        expectSuccess(
          'tsc -p tsconfig.json',
          await runCommand('node', [tsc, '-p', 'tsconfig.json'], { cwd: app, env }),
        );
      });
    }
  });
}
