import { mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openLogDatabase } from '@predlog/exporter-file';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { captureIo } from '../cli-io.ts';
import { writeWithFileExporter } from '../log-fixtures.ts';

let root: string;

const predictions = Array.from({ length: 30 }, (_, i) => ({
  requestId: `req-${i}`,
  timestamp: `2026-01-${i < 15 ? '30' : '31'}T12:${String(i).padStart(2, '0')}:00.000Z`,
  features: { amount: i + 0.5, country: i % 2 === 0 ? 'NL' : 'DE', note: `line\n"${i}"` },
  prediction: i % 3 === 0 ? 'fraud' : 'legit',
  score: i / 30,
  latencyMs: 1,
  servingNode: 'pod-a',
}));
const feedback = [
  { requestId: 'req-3', label: 'fraud' },
  { requestId: 'req-20', label: 'legit' },
];

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'predlog-cli-compact-'));
  await writeWithFileExporter(path.join(root, 'logs'), predictions, { integrity: true, feedback });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function cli(...args: string[]) {
  const captured = captureIo(root);
  const code = await runCli(args, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

async function partitionFiles(): Promise<string[]> {
  const entries = await readdir(path.join(root, 'logs'), { recursive: true });
  return entries.filter((name) => name.includes('part-')).sort();
}

describe('predlog compact', () => {
  const queries = [
    ['--model', 'fraud-xgb', '--json', '--limit', '1000'],
    ['--model', 'fraud-xgb'],
    ['--request-id', 'req-20', '--json'],
    ['--model', 'fraud-xgb', '--where', 'input_features.country=NL', '--since', '2026-01-31', '--json'],
  ];
  let before: string[];

  beforeAll(async () => {
    before = [];
    for (const args of queries) {
      const { code, stdout } = await cli('query', 'logs', ...args);
      expect(code).toBe(0);
      before.push(stdout);
    }
  });

  it('keeps days before --before as they are', async () => {
    const { code, stdout } = await cli('compact', 'logs', '--before', '2026-01-30', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ compacted: [], skipped: [], leftoversRemoved: 0 });
    expect((await partitionFiles()).filter((name) => name.endsWith('.parquet'))).toEqual([]);
  });

  it('compacts every day that is over, and predlog query prints exactly what it printed before', async () => {
    const { code, stdout, stderr } = await cli('compact', 'logs');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(
      /^compacted model_name=fraud-xgb\/date=2026-01-30: 1 file\(s\), 15 records, .* -> .*$/m,
    );
    expect(stdout).toMatch(/^compacted model_name=fraud-xgb\/date=2026-01-31: 1 file\(s\), 15 records/m);
    // The feedback is logged now: today, which is not over yet.
    expect(stdout).toMatch(/\n2 partition\(s\) compacted, 0 kept as NDJSON\n$/);
    const ndjson = (await partitionFiles()).filter((name) => name.includes('.ndjson'));
    expect(ndjson).toHaveLength(1);
    expect(ndjson[0]).toMatch(/^model_name=fraud-xgb\/date=\d{4}-\d{2}-\d{2}\/part-/);
    for (const [i, args] of queries.entries()) {
      expect((await cli('query', 'logs', ...args)).stdout, args.join(' ')).toBe(before[i]);
    }
    expect((await cli('compact', 'logs')).stdout).toBe('0 partition(s) compacted, 0 kept as NDJSON\n');
  });

  it('leaves files predlog verify checks by row count and digest, and names a file changed since', async () => {
    const intact = await cli('verify', 'logs');
    expect(intact).toMatchObject({
      code: 0,
      stdout: 'intact: 3 files, 2 lines and 30 Parquet rows verified\n',
    });

    const [file] = (await partitionFiles()).filter((name) => name.includes('date=2026-01-31'));
    const full = path.join(root, 'logs', String(file));
    // Rewritten with DuckDB (through predlog sql's engine), the metadata copied over.
    const database = await openLogDatabase(path.join(root, 'logs'));
    try {
      const kv = await database.query(
        `SELECT decode(key), decode(value) FROM parquet_kv_metadata('${full}')`,
      );
      const rows: unknown[][] = [];
      for await (const chunk of kv.rows) rows.push(...chunk);
      const [key, value] = rows[0] as [string, string];
      const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
      const copy = await database.query(
        `COPY (SELECT * REPLACE (CASE WHEN request_id = 'req-20' THEN '"fraud"' ELSE prediction END AS prediction)
               FROM read_parquet('${full}'))
         TO '${full}.new' (FORMAT PARQUET, KV_METADATA {${quote(key)}: ${quote(value)}})`,
      );
      for await (const _ of copy.rows);
    } finally {
      database.close();
    }
    await rename(`${full}.new`, full);
    const tampered = await cli('verify', 'logs');
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toContain(
      `${String(file).split(path.sep).join('/')}: altered: rows do not match the digest recorded at compaction\n`,
    );
    expect(tampered.stdout).toContain('tampered: 1 of 3 files failed verification');
  });

  it.each([
    [['logs', '--before', 'yesterday'], /--before must be an ISO 8601 time/],
    [[], /missing <dir>/],
    [['no-such-dir'], /cannot read no-such-dir/],
  ])('exits 2 on a bad command line: %j', async (args, message) => {
    const { code, stderr } = await cli('compact', ...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});
