import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { fileExporterConfigSchema } from '../src/index.ts';

const fixtures = new URL('./fixtures/config/', import.meta.url);

async function fixture(name: string): Promise<unknown> {
  return JSON.parse(await readFile(new URL(name, fixtures), 'utf8'));
}

/** What each fixture must parse to, or the key path and rule its error must name. */
const expectations: Record<
  string,
  { ok: true; check: Record<string, unknown> } | { ok: false; path: string; message: RegExp }
> = {
  'minimal.json': { ok: true, check: { directory: './prediction-logs', compress: true } },
  'full.json': {
    ok: true,
    check: {
      maxFileBytes: 1_048_576,
      maxFileAgeMs: 600_000,
      maxOpenFiles: 8,
      compress: false,
      retentionDays: 30,
      retentionDaysByClass: { debug: 7, standard: 90, audit: 2555 },
      sweepIntervalMs: 60_000,
      integrity: true,
      fsync: true,
      fileMode: 0o640,
    },
  },
  'unknown-key.json': { ok: false, path: '', message: /maxFileSize/ },
  'mode-not-writable.json': { ok: false, path: 'fileMode', message: /owner read and write/ },
  'mode-not-octal.json': { ok: false, path: 'fileMode', message: /octal string/ },
  'missing-directory.json': { ok: false, path: 'directory', message: /./ },
  'max-file-bytes-zero.json': { ok: false, path: 'maxFileBytes', message: /./ },
  'retention-days-fractional.json': { ok: false, path: 'retentionDays', message: /int/i },
  'retention-class-days-zero.json': {
    ok: false,
    path: 'retentionDaysByClass.debug',
    message: /positive number of days/,
  },
};

describe('fileExporterConfigSchema', () => {
  it('holds every default', () => {
    expect(fileExporterConfigSchema.parse({ directory: 'logs' })).toEqual({
      directory: 'logs',
      maxFileBytes: 64 * 1024 * 1024,
      maxFileAgeMs: 3_600_000,
      maxOpenFiles: 32,
      compress: true,
      retentionDaysByClass: {},
      sweepIntervalMs: 3_600_000,
      integrity: false,
      fsync: false,
      fileMode: 0o600,
    });
  });

  it('has an expectation for every fixture', async () => {
    expect((await readdir(fixtures)).sort()).toEqual(Object.keys(expectations).sort());
  });

  for (const [name, expected] of Object.entries(expectations)) {
    it(`${name}: ${expected.ok ? 'parses' : `fails at "${expected.path}"`}`, async () => {
      const result = fileExporterConfigSchema.safeParse(await fixture(name));
      if (expected.ok) {
        expect(result.success).toBe(true);
        expect(result.data).toMatchObject(expected.check);
      } else {
        expect(result.success).toBe(false);
        const issue = result.error?.issues[0];
        expect(issue?.path.join('.')).toBe(expected.path);
        expect(`${issue?.message} ${JSON.stringify(issue)}`).toMatch(expected.message);
      }
    });
  }

  it('accepts a file mode as a number or an octal string', () => {
    for (const fileMode of [0o644, '0644', '0o644', '644']) {
      expect(fileExporterConfigSchema.parse({ directory: 'd', fileMode }).fileMode).toBe(0o644);
    }
    expect(fileExporterConfigSchema.safeParse({ directory: 'd', fileMode: 0o1777 }).success).toBe(false);
  });
});
