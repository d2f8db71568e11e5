import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { captureIo } from '../cli-io.ts';

const committedDir = path.join(import.meta.dirname, '../../../schema/schemas');
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'predlog-cli-export-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('predlog schema export', () => {
  it('writes the same files @predlog/schema commits, creating --out', async () => {
    const captured = captureIo(dir);
    expect(await runCli(['schema', 'export', '--out', 'out/schemas'], captured.io)).toBe(0);
    const written = (await readdir(path.join(dir, 'out/schemas'))).sort();
    expect(written).toEqual(['feedback-record.v1.json', 'prediction-record.v1.json']);
    for (const name of written) {
      const ours = await readFile(path.join(dir, 'out/schemas', name), 'utf8');
      expect(ours).toBe(await readFile(path.join(committedDir, name), 'utf8'));
    }
    expect(captured.stdout()).toBe(
      `wrote ${path.join('out/schemas', 'prediction-record.v1.json')}\nwrote ${path.join('out/schemas', 'feedback-record.v1.json')}\n`,
    );
  });

  it('writes to the working directory by default', async () => {
    const captured = captureIo(dir);
    expect(await runCli(['schema', 'export'], captured.io)).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['feedback-record.v1.json', 'prediction-record.v1.json']);
  });

  it.each([
    [['extra'], /unexpected argument 'extra'/],
    [['--out'], /argument missing/],
  ])('exits 2 on a bad command line: %j', async (args, message) => {
    const captured = captureIo(dir);
    expect(await runCli(['schema', 'export', ...args], captured.io)).toBe(2);
    expect(captured.stderr()).toMatch(message);
  });
});
