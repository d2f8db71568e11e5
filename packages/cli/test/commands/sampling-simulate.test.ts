import { constants } from 'node:buffer';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { captureIo } from '../cli-io.ts';
import { writeWithFileExporter } from '../log-fixtures.ts';
import { newlineFreeGzip, skippedLines } from '../sample-fixtures.ts';

let dir: string;
let sample: string;

const CONFIG = [
  'processors:',
  '  sampling/default:',
  // maxShare 2%: the 1% of errors and of slow requests stay under the always-keep cap, all kept.
  '    alwaysKeep: { latencyAboveMs: 50, maxShare: 0.02 }',
  'exporters:',
  '  file: { directory: ./logs }',
  'pipelines:',
  '  predictions: { processors: [sampling/default], exporters: [file] }',
].join('\n');

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'predlog-cli-sampling-'));
  // A real sample: 400 predictions written by the file exporter (the stored form), plus feedback.
  await writeWithFileExporter(
    path.join(dir, 'logs'),
    Array.from({ length: 400 }, (_, i) => ({
      requestId: `req-${i}`,
      features: { amount: i, country: 'NL' },
      rawInput: { note: 'x'.repeat(100) },
      prediction: 'legit',
      score: 0.06 + (0.88 * ((i * 37) % 400)) / 400,
      threshold: 0.9,
      latencyMs: i % 50 === 0 ? 80 : 3,
      ...(i % 100 === 0 ? { error: 'timeout' } : {}),
    })),
    { feedback: [{ requestId: 'req-1', label: 'fraud' }] },
  );
  const partition = path.join(dir, 'logs', 'model_name=fraud-xgb');
  const [date] = await readdir(partition);
  const [file] = await readdir(path.join(partition, date as string));
  sample = path.join(dir, 'sample.ndjson');
  await writeFile(sample, await readFile(path.join(partition, date as string, file as string)));
  await writeFile(path.join(dir, 'predlog.yaml'), CONFIG);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function simulate(args: string[]) {
  const captured = captureIo(dir);
  const code = await runCli(['sampling', 'simulate', ...args], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

const BASE = [
  '--config',
  'predlog.yaml',
  '--input',
  'sample.ndjson',
  '--volume',
  '5000000/day',
  '--hours',
  '2',
];

describe('predlog sampling simulate', () => {
  it('prints kept records/day and bytes/day per rule, the total, 100% and the saving', async () => {
    const { code, stdout, stderr } = await simulate(BASE);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('sampling/default at 5,000,000 predictions/day');
    expect(lines[1]).toMatch(
      /^sample: 400 predictions from sample\.ndjson \(1 model\); steady state after a 1 h warm-up, 2 h simulated/,
    );
    expect(lines[3]).toMatch(/^rule\s+kept\/day\s+bytes\/day\s+of records\s+of bytes$/);
    const row = (rule: string) =>
      lines
        .find((l) => l.startsWith(`${rule} `))
        ?.trim()
        .split(/\s{2,}/);
    // 1 in 100 records is an error, another 1 in 100 slow (over 50 ms): all kept whatever the rate.
    expect(row('error')).toEqual([
      'error',
      expect.stringMatching(/^50,0\d\d$/),
      expect.stringMatching(/MB$/),
      '1.00%',
      expect.any(String),
    ]);
    expect(row('latency')?.[1]).toMatch(/^50,0\d\d$/);
    expect(row('all (100%)')).toEqual([
      'all (100%)',
      '5,000,000',
      expect.stringMatching(/GB$/),
      '100.00%',
      '100.00%',
    ]);
    expect(row('sampled')).toBeDefined();
    expect(stdout).toMatch(/saving vs 100%: \d+\.\d\d% of records, \d+\.\d\d% of bytes \(.* less\)/);
    expect(stdout).toMatch(/model fraud-xgb: rate 10\.00% at about 5,000,\d{3}\/day/);
  });

  it('--json prints the report; a gzipped sample reads the same', async () => {
    await writeFile(path.join(dir, 'sample.ndjson.gz'), gzipSync(await readFile(sample)));
    const plain = await simulate([...BASE, '--json']);
    const gz = await simulate([
      ...BASE.map((a) => (a === 'sample.ndjson' ? 'sample.ndjson.gz' : a)),
      '--json',
    ]);
    expect(plain.code).toBe(0);
    const report = JSON.parse(plain.stdout);
    expect(report).toMatchObject({
      processor: 'sampling/default',
      volumePerDay: 5_000_000,
      sampleRecords: 400,
    });
    expect(report.rules.map((r: { reason: string }) => r.reason)).toEqual(
      expect.arrayContaining(['error', 'latency', 'sampled']),
    );
    expect(JSON.parse(gz.stdout).kept).toEqual(report.kept);
  });

  it('--fresh-start includes the new-version period', async () => {
    const { code, stdout } = await simulate([...BASE, '--fresh-start', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).saving.records).toBe(0);
  });

  it('picks a processor with --processor, and needs it when there are several', async () => {
    await writeFile(
      path.join(dir, 'two.yaml'),
      CONFIG.replace('  sampling/default:', '  sampling/strict: { rate: 0.01 }\n  sampling/default:'),
    );
    const args = ['--config', 'two.yaml', '--input', 'sample.ndjson', '--volume', '5M/day', '--hours', '1'];
    const ambiguous = await simulate(args);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(
      /defines 2 sampling processors; choose one with --processor \(sampling\/strict, sampling\/default\)/,
    );
    const strict = await simulate([...args, '--processor', 'sampling/strict', '--json']);
    expect(strict.code).toBe(0);
    expect(JSON.parse(strict.stdout).models[0].rate).toBe(0.01);
    const missing = await simulate([...args, '--processor', 'sampling/nope']);
    expect(missing.code).toBe(2);
  });

  it('usage errors exit 2, an invalid config or a sample without predictions exit 1', async () => {
    expect((await simulate(['--config', 'predlog.yaml', '--input', 'sample.ndjson'])).stderr).toMatch(
      /missing --volume/,
    );
    const badVolume = await simulate([
      '--config',
      'predlog.yaml',
      '--input',
      'sample.ndjson',
      '--volume',
      '5M',
    ]);
    expect(badVolume.code).toBe(2);
    expect(badVolume.stderr).toMatch(/--volume takes <count>\/<s\|min\|h\|day>/);
    const noInput = await simulate(['--config', 'predlog.yaml', '--input', 'nope.ndjson', '--volume', '1/s']);
    expect(noInput).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/cannot read nope\.ndjson \(ENOENT\)/),
    });

    await writeFile(path.join(dir, 'bad.yaml'), CONFIG.replace('latencyAboveMs: 50', 'latencyAboveMs: -1'));
    const bad = await simulate(['--config', 'bad.yaml', '--input', 'sample.ndjson', '--volume', '1/s']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /bad\.yaml:3:\d+: processors\.sampling\/default\.alwaysKeep\.latencyAboveMs: must be a positive number/,
    );

    await writeFile(
      path.join(dir, 'none.yaml'),
      'exporters:\n  file: { directory: ./x }\npipelines:\n  p: { exporters: [file] }\n',
    );
    const none = await simulate(['--config', 'none.yaml', '--input', 'sample.ndjson', '--volume', '1/s']);
    expect(none).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/none\.yaml defines no sampling processor/),
    });

    await writeFile(
      path.join(dir, 'empty.ndjson'),
      'not json\n{"event":"ml.feedback","timestamp":"2026-01-01T00:00:00Z"}\n',
    );
    const empty = await simulate(['--config', 'predlog.yaml', '--input', 'empty.ndjson', '--volume', '1/s']);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/skipped 1 line\(s\)[\s\S]*no ml\.prediction records/);
  });
});

describe('predlog sampling simulate: reading the sample', () => {
  it('streams a gzip whose first "line" is longer than a JS string can be, skips it and says so', async () => {
    // Past V8's longest string (MAX_STRING_LENGTH), where holding the line whole threw
    // "RangeError: Invalid string length" and crashed the command.
    const mebibytes = Math.ceil(constants.MAX_STRING_LENGTH / (1024 * 1024)) + 16;
    await writeFile(
      path.join(dir, 'huge-line.ndjson.gz'),
      newlineFreeGzip(mebibytes, await readFile(sample)),
    );
    const { code, stdout, stderr } = await simulate([
      ...BASE.map((a) => (a === 'sample.ndjson' ? 'huge-line.ndjson.gz' : a)),
      '--json',
    ]);
    expect(stderr).toBe(
      'warning: skipped 1 line(s) of huge-line.ndjson.gz: 1 longer than --max-line-bytes (16777216 bytes)\n',
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.skipped).toEqual(skippedLines({ line_too_long: 1, other_event: 1 }));
    expect(report.sampleRecords).toBe(400);
  });

  it('counts every skipped line by reason, in the warning and in --json', async () => {
    const good = (await readFile(sample, 'utf8')).split('\n').filter((l) => l.includes('"ml.prediction"'));
    const lines = [
      good[0],
      'not json',
      '[1, 2]',
      `{"note":"${'x'.repeat(5000)}"}`,
      good[1],
      '',
      '{"event":"ml.feedback","timestamp":"2026-01-01T00:00:00Z"}',
      (good[2] ?? '').slice(0, 40),
    ];
    await writeFile(path.join(dir, 'mixed.ndjson'), lines.join('\n'));
    const { code, stdout, stderr } = await simulate([
      ...BASE.map((a) => (a === 'sample.ndjson' ? 'mixed.ndjson' : a)),
      '--max-line-bytes',
      '4096',
      '--json',
    ]);
    expect(code).toBe(0);
    expect(stderr).toBe(
      'warning: skipped 4 line(s) of mixed.ndjson: 1 longer than --max-line-bytes (4096 bytes), 2 not JSON records, 1 cut at the end of the file (no newline)\n',
    );
    const report = JSON.parse(stdout);
    expect(report.skipped).toEqual(
      skippedLines({ line_too_long: 1, not_a_record: 2, other_event: 1, unterminated_last_line: 1 }),
    );
    expect(report.sampleRecords).toBe(2);
  });

  it('replays a uniform reservoir of --max-sample lines from a larger sample, and says so', async () => {
    const { code, stdout } = await simulate([...BASE, '--max-sample', '100']);
    expect(code).toBe(0);
    expect(stdout.split('\n')[1]).toMatch(
      /^sample: 100 of 400 predictions \(a uniform reservoir, --max-sample\) from sample\.ndjson/,
    );
    const usage = await simulate([...BASE, '--max-line-bytes', '0']);
    expect(usage).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--max-line-bytes must be a positive whole number/),
    });
  });
});
