import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { captureIo } from '../cli-io.ts';

const committed = path.join(import.meta.dirname, '../../../schema/schemas/prediction-record.v1.json');
let dir: string;

type Schema = { properties: Record<string, unknown>; required: string[] };

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'predlog-cli-schema-'));
  const v1 = JSON.parse(await readFile(committed, 'utf8')) as Schema;
  await writeFile(path.join(dir, 'v1.json'), JSON.stringify(v1));

  const added = structuredClone(v1);
  added.properties.tenant = { type: 'string' };
  await writeFile(path.join(dir, 'added.json'), JSON.stringify(added));

  const broken = structuredClone(v1);
  delete broken.properties.region;
  broken.properties.latency_ms = { type: 'string' };
  broken.required.push('tenant');
  broken.properties.tenant = { type: 'string' };
  await writeFile(path.join(dir, 'broken.json'), JSON.stringify(broken));

  await writeFile(path.join(dir, 'not-json.json'), '{ "type": ');
  await writeFile(path.join(dir, 'array.json'), '[]');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function check(...args: string[]) {
  const captured = captureIo(dir);
  const code = await runCli(['schema', 'check', ...args], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('predlog schema check', () => {
  it('exits 0 for the same schema', async () => {
    const { code, stdout } = await check('v1.json', 'v1.json');
    expect(code).toBe(0);
    expect(stdout).toBe('compatible: v1.json accepts every record v1.json accepts\n');
  });

  it('exits 0 for an added optional field and lists it', async () => {
    const { code, stdout } = await check('v1.json', 'added.json');
    expect(code).toBe(0);
    expect(stdout).toContain('changes:\n  $.tenant  added-optional: optional field added\n');
  });

  it('exits 1 and lists each breaking change with its path', async () => {
    const { code, stdout } = await check('v1.json', 'broken.json');
    expect(code).toBe(1);
    expect(stdout).toBe(
      [
        'incompatible: 3 breaking changes',
        'breaking:',
        '  $.latency_ms  retyped: type changed from number to string',
        '  $.region  removed: field removed; records written before the change carry it',
        '  $.tenant  added-required: new required field; records written before the change lack it',
        '',
      ].join('\n'),
    );
  });

  it('exits 1 in the other direction too: going back drops a field', async () => {
    const { code, stdout } = await check('added.json', 'v1.json');
    expect(code).toBe(1);
    expect(stdout).toContain('$.tenant  removed');
  });

  it.each([
    [['v1.json'], /missing <new\.json>/],
    [['v1.json', 'absent.json'], /cannot read absent\.json \(ENOENT\)/],
    [['v1.json', 'not-json.json'], /not-json\.json is not valid JSON/],
    [['array.json', 'v1.json'], /array\.json is not a JSON Schema/],
  ])('exits 2 on a bad command line: %j', async (args, message) => {
    const { code, stderr } = await check(...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toContain("Run 'predlog schema check --help' for usage.");
  });
});
