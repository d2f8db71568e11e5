import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS, runCli } from '../src/cli.ts';
import { captureIo } from './cli-io.ts';

async function run(...argv: string[]) {
  const captured = captureIo(os.tmpdir());
  const code = await runCli(argv, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('runCli', () => {
  it('lists every command for --help, -h and help, on stdout with exit 0', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const { code, stdout, stderr } = await run(flag);
      expect(code).toBe(0);
      expect(stderr).toBe('');
      for (const command of ['validate', 'query', 'verify', 'schema check', 'schema export']) {
        expect(stdout).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
      }
    }
  });

  it('loads every listed command under the name it is listed with, and prints its usage for help', async () => {
    expect(COMMANDS.length).toBe(21);
    for (const entry of COMMANDS) {
      const command = await entry.load();
      expect(command.name).toBe(entry.name);
      expect(command.usage).toMatch(new RegExp(`^Usage: predlog ${entry.name}\\b`));
      const { code, stdout } = await run('help', ...entry.name.split(' '));
      expect(code).toBe(0);
      expect(stdout).toBe(`${command.usage}\n`);
    }
  });

  it('prints the usage on stderr and exits 2 with no command', async () => {
    const { code, stdout, stderr } = await run();
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^Usage: predlog <command>/);
  });

  it('prints the package version', async () => {
    const pkg = JSON.parse(await readFile(path.join(import.meta.dirname, '../package.json'), 'utf8')) as {
      version: string;
    };
    expect(await run('--version')).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it.each([['validate'], ['query'], ['verify'], ['schema', 'check'], ['schema', 'export']])(
    'shows the usage and exit codes of %s %s for --help, without running it',
    async (...command) => {
      const words = command.filter((w): w is string => typeof w === 'string');
      const { code, stdout } = await run(...words, 'no-such-file', '--help');
      expect(code).toBe(0);
      expect(stdout).toContain(`Usage: predlog ${words.join(' ')}`);
      expect(stdout).toContain('Exit codes:');
      expect((await run('help', ...words)).stdout).toBe(stdout);
    },
  );

  it.each([
    [['frobnicate'], "predlog: unknown command 'frobnicate'"],
    [['--verbose'], "predlog: unknown option '--verbose'"],
    [['schema'], "predlog: 'schema' needs a subcommand; use one of: schema check, schema export"],
    [
      ['schema', 'diff'],
      "predlog: 'schema' has no subcommand 'diff'; use one of: schema check, schema export",
    ],
    [['help', 'frobnicate'], "predlog: unknown command 'frobnicate'"],
  ])('exits 2 with a clear message for %j', async (argv, message) => {
    const { code, stdout, stderr } = await run(...argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`${message}\nRun 'predlog --help' for usage.\n`);
  });

  it('does not treat --help after -- as a request for help', async () => {
    const { code, stderr } = await run('schema', 'check', '--', '--help', 'b.json');
    expect(code).toBe(2);
    expect(stderr).toContain('cannot read --help');
  });
});

describe('mistakes on the command line', () => {
  it('suggests the command meant by a typo, and exits 2', async () => {
    const { code, stderr } = await run('qurey', 'logs');
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'qurey'; did you mean 'query'?");
  });

  it('suggests a mistyped two-word command and subcommand', async () => {
    expect((await run('sampling', 'simlate')).stderr).toContain("did you mean 'simulate'?");
    expect((await run('smapling', 'simulate')).stderr).toContain("did you mean 'sampling simulate'?");
  });

  it('suggests the flag meant by a typo', async () => {
    const { code, stderr } = await run('query', 'logs', '--limt', '3');
    expect(code).toBe(2);
    expect(stderr).toContain("Unknown option '--limt'; did you mean '--limit'?");
  });

  it('says what a negative number is wrong for, instead of "ambiguous"', async () => {
    const { code, stderr } = await run('query', 'logs', '--model', 'm', '--limit', '-3');
    expect(code).toBe(2);
    expect(stderr).not.toContain('ambiguous');
    expect(stderr).toContain("--limit must be a positive whole number (got '-3')");
  });
});

describe('predlog --help layout', () => {
  it('lines every summary up in one column, whatever the longest command name', async () => {
    const { stdout } = await run('--help');
    const rows = stdout.split('\n').filter((line) => COMMANDS.some((c) => line.startsWith(`  ${c.name} `)));
    expect(rows).toHaveLength(COMMANDS.length);
    const columns = new Set(
      rows.map((line) => {
        const entry = COMMANDS.find((c) => line.startsWith(`  ${c.name} `));
        return line.indexOf(entry?.summary ?? '\u0000');
      }),
    );
    expect(columns.size).toBe(1);
  });
});
