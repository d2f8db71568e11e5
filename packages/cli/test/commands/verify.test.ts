import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { captureIo } from '../cli-io.ts';
import { writeWithFileExporter } from '../log-fixtures.ts';

let root: string;

const predictions = ['a', 'b', 'c'].map((id) => ({
  requestId: `req-${id}`,
  timestamp: '2026-01-31T12:00:00.000Z',
  features: { amount: 1 },
  prediction: 'legit',
  latencyMs: 1,
  servingNode: 'pod-a',
}));

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'predlog-cli-verify-'));
  await writeWithFileExporter(path.join(root, 'intact'), predictions, { integrity: true });
  await writeWithFileExporter(path.join(root, 'tampered'), predictions, { integrity: true });
  await writeWithFileExporter(path.join(root, 'plain'), predictions, { integrity: false });
  await mkdir(path.join(root, 'empty'));
  await writeFile(path.join(root, 'a-file'), 'x');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function verify(...args: string[]) {
  const captured = captureIo(root);
  const code = await runCli(['verify', ...args], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

async function onlyDataFile(dir: string): Promise<string> {
  const partition = path.join(dir, 'model_name=fraud-xgb', 'date=2026-01-31');
  const [name] = (await readdir(partition)).filter((n) => n.startsWith('part-'));
  if (name === undefined) throw new Error('no data file written');
  return path.join(partition, name);
}

describe('predlog verify', () => {
  it('exits 0 for an untouched directory', async () => {
    const { code, stdout } = await verify('intact');
    expect(code).toBe(0);
    expect(stdout).toBe('intact: 1 file, 3 lines verified\n');
  });

  it('exits 1 and names file, line and kind when a record was edited', async () => {
    const file = await onlyDataFile(path.join(root, 'tampered'));
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('"req-b"', '"req-x"'));
    const { code, stdout } = await verify('tampered');
    expect(code).toBe(1);
    const relative = path.relative(path.join(root, 'tampered'), file).split(path.sep).join('/');
    expect(stdout).toMatch(new RegExp(`^${relative}:3: altered: `));
    expect(stdout).toContain('tampered: 1 of 1 file failed verification');
    expect(stdout).not.toContain('req-x');
  });

  it('exits 1 for files written without integrity mode', async () => {
    const { code, stdout } = await verify('plain');
    expect(code).toBe(1);
    expect(stdout).toMatch(/: unprotected: /);
  });

  it('exits 1 when there is nothing to verify', async () => {
    const { code, stderr } = await verify('empty');
    expect(code).toBe(1);
    expect(stderr).toBe('no data files found under empty\n');
  });

  it.each([
    [[], /missing <dir>/],
    [['no-such-dir'], /cannot read no-such-dir \(ENOENT\)/],
    [['a-file'], /a-file is not a directory/],
    [['intact', 'plain'], /unexpected argument 'plain'/],
  ])('exits 2 on a bad command line: %j', async (args, message) => {
    const { code, stderr } = await verify(...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});
