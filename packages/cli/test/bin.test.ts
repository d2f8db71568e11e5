import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = path.join(import.meta.dirname, '../src/bin.ts');
const schemas = path.join(import.meta.dirname, '../../schema/schemas');

function predlog(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 20_000 });
}

describe('bin.ts', () => {
  it('runs as a program and sets the exit code', () => {
    const ok = predlog(
      'schema',
      'check',
      path.join(schemas, 'prediction-record.v1.json'),
      path.join(schemas, 'prediction-record.v1.json'),
    );
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^compatible: /);

    const incompatible = predlog(
      'schema',
      'check',
      path.join(schemas, 'prediction-record.v1.json'),
      path.join(schemas, 'feedback-record.v1.json'),
    );
    expect(incompatible.status).toBe(1);
    expect(incompatible.stdout).toMatch(/^incompatible: \d+ breaking changes/);

    const usage = predlog('frobnicate');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("unknown command 'frobnicate'");
  });

  it('starts with a node shebang', async () => {
    const { readFile } = await import('node:fs/promises');
    expect((await readFile(bin, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
  });
});
