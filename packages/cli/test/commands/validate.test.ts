import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { captureIo } from '../cli-io.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'predlog-cli-validate-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function validate(args: string[], files: Record<string, string>, env: Record<string, string> = {}) {
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  const captured = captureIo(dir, env);
  const code = await runCli(['validate', ...args], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('predlog validate', () => {
  it('prints each pipeline as processors -> exporters and warns about unused components', async () => {
    const { code, stdout, stderr } = await validate(['predlog.yaml'], {
      'predlog.yaml': [
        'exporters:',
        '  file: { directory: ./prediction-logs }',
        '  file/archive: { directory: ./archive, compress: true }',
        'pipelines:',
        '  predictions: { events: [ml.prediction], exporters: [file] }',
      ].join('\n'),
    });
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toBe(
      [
        'predlog.yaml: valid',
        '  pipeline predictions: (no processors) -> file  [events: ml.prediction]',
        '  exporter file: type file',
        '  exporter file/archive: type file',
        'warning: defined but used by no pipeline: exporters.file/archive',
        '',
      ].join('\n'),
    );
  });

  it('checks the metrics: section as @predlog/metrics reads it, and summarises it', async () => {
    const pipeline = [
      'exporters:',
      '  file: { directory: ./logs }',
      'pipelines:',
      '  p: { exporters: [file] }',
    ];
    const valid = await validate(['predlog.yaml'], {
      'predlog.yaml': [
        ...pipeline,
        'metrics:',
        '  features:',
        '    amount: { buckets: [10, 100] }',
        '  prometheus: { port: 9464 }',
      ].join('\n'),
    });
    expect(valid.code).toBe(0);
    expect(valid.stdout).toContain(
      '  metrics: 1 key feature (amount), scrape http://127.0.0.1:9464/metrics\n',
    );
    // A problem in the logger's part and one in the metrics section: both in one run.
    const invalid = await validate(['bad.yaml'], {
      'bad.yaml': [
        'exporters:',
        '  file: { directory: ./logs, maxFileBytes: -5 }',
        'pipelines:',
        '  p: { exporters: [file] }',
        'metrics:',
        '  scoreBuckets: [0.5, 0.2]',
      ].join('\n'),
    });
    expect(invalid.code).toBe(1);
    const lines = invalid.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^bad\.yaml:2:\d+: exporters\.file\.maxFileBytes: /);
    expect(lines[1]).toMatch(
      /^bad\.yaml:6:17: metrics\.scoreBuckets: must be finite numbers in strictly ascending order/,
    );
    expect(lines[2]).toBe('bad.yaml: invalid (2 problems)');
  });

  it('checks the instrumentation: section as @predlog/register reads it, and summarises it', async () => {
    const pipeline = [
      'exporters:',
      '  file: { directory: ./logs }',
      'pipelines:',
      '  p: { exporters: [file] }',
    ];
    const valid = await validate(['predlog.yaml'], {
      'predlog.yaml': [
        ...pipeline,
        'instrumentation:',
        '  http:',
        "    routes: { 'POST /predict': { model: fraud } }",
      ].join('\n'),
    });
    expect(valid.code).toBe(0);
    expect(valid.stdout).toContain(
      '  instrumentation (node --import @predlog/register): http routes POST /predict\n',
    );
    const invalid = await validate(['bad.yaml'], {
      'bad.yaml': [
        ...pipeline,
        'instrumentation:',
        '  http:',
        "    routes: { 'POST /predict': { modle: fraud } }",
      ].join('\n'),
    });
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(
      /^bad\.yaml:7:\d+: instrumentation\.http\.routes\.POST \/predict\.modle: unknown key/m,
    );
  });

  it('substitutes env references from the environment it is given', async () => {
    const files = {
      'predlog.json': JSON.stringify({
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a config env reference, not a JS template
        exporters: { file: { directory: '${env:LOG_DIR}' } },
        pipelines: { predictions: { exporters: ['file'] } },
      }),
    };
    expect((await validate(['predlog.json'], files, { LOG_DIR: '/var/log/predictions' })).code).toBe(0);
    const missing = await validate(['predlog.json'], files);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('LOG_DIR');
  });

  it('prints every problem with file:line:col and the key path, naming the file as the user did', async () => {
    const { code, stdout, stderr } = await validate(['bad.yaml'], {
      'bad.yaml': [
        'exporters:',
        '  file: { directory: ./logs, maxFileBytes: -5, integrty: true }',
        'pipelines:',
        '  predictions: { exporters: [file, loki] }',
      ].join('\n'),
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^bad\.yaml:2:\d+: exporters\.file\.maxFileBytes: /);
    expect(lines[1]).toMatch(
      /^bad\.yaml:2:\d+: exporters\.file\.integrty: unknown key \(did you mean "integrity"\?\)/,
    );
    expect(lines[2]).toMatch(
      /^bad\.yaml:4:\d+: pipelines\.predictions\.exporters\.1: exporter "loki" is not defined/,
    );
    expect(lines[3]).toBe('bad.yaml: invalid (3 problems)');
    expect(stderr).not.toContain(dir);
  });

  it('reports an unknown component type as invalid', async () => {
    const { code, stderr } = await validate(['c.yaml'], {
      'c.yaml': 'exporters:\n  kafka: { topic: x }\npipelines:\n  p: { exporters: [kafka] }\n',
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/exporters\.kafka/);
  });

  it('exits 1 for a config file that cannot be read', async () => {
    const { code, stderr } = await validate(['absent.yaml'], {});
    expect(code).toBe(1);
    expect(stderr).toContain('absent.yaml: (top level): cannot read the config file (ENOENT)');
  });

  it.each([
    [[], /missing <config>/],
    [['a.yaml', 'b.yaml'], /unexpected argument 'b\.yaml'/],
    [['--strict', 'a.yaml'], /Unknown option '--strict'/],
  ])('exits 2 on a bad command line: %j', async (args, message) => {
    const { code, stderr } = await validate(args, {});
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});
