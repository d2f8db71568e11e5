import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TempDir, tempDir } from '@predlog/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { captureIo } from '../cli-io.ts';
import { DAYS, type FraudCase, fraudCases, writeFraudLogs } from '../sql-fixtures.ts';
import { AUC_BY_SEGMENT_SQL, COMPLAINT_SQL, DAILY_PSI_SQL } from './sql-recipes.ts';

let dir: TempDir;
let cases: FraudCase[];

async function sql(query: string, ...flags: string[]) {
  const captured = captureIo(dir.path);
  const code = await runCli(['sql', query, '--dir', 'logs', ...flags], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

async function sqlJson(query: string): Promise<Array<Record<string, unknown>>> {
  const { code, stdout, stderr } = await sql(query, '--format', 'json');
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Weighted AUC by brute force over every positive/negative pair (ties count half). */
function pairwiseAuc(rows: readonly FraudCase[]): number {
  let sum = 0;
  let pos = 0;
  let neg = 0;
  for (const p of rows) if (p.fraud) pos += p.weight;
  for (const n of rows) if (!n.fraud) neg += n.weight;
  for (const p of rows) {
    if (!p.fraud) continue;
    for (const n of rows) {
      if (n.fraud) continue;
      sum += p.weight * n.weight * (p.score > n.score ? 1 : p.score === n.score ? 0.5 : 0);
    }
  }
  return sum / (pos * neg);
}

/** Expected calibration error over 10 equal-width score bins, weighted. */
function ece(rows: readonly FraudCase[]): number {
  const bins = Array.from({ length: 10 }, () => ({ w: 0, score: 0, pos: 0 }));
  let total = 0;
  for (const r of rows) {
    const bin = bins[Math.min(Math.floor(r.score * 10), 9)];
    if (bin === undefined) continue;
    bin.w += r.weight;
    bin.score += r.weight * r.score;
    bin.pos += r.fraud ? r.weight : 0;
    total += r.weight;
  }
  return bins.reduce(
    (acc, b) => (b.w === 0 ? acc : acc + (b.w / total) * Math.abs(b.score / b.w - b.pos / b.w)),
    0,
  );
}

/** PSI of `amount` of one day against the first, over the first day's decile cuts. */
function psi(baseline: readonly FraudCase[], current: readonly FraudCase[]): number {
  const sorted = baseline.map((c) => c.amount).sort((a, b) => a - b);
  // quantile_disc: the value at index floor(q * (n - 1))... see sql-recipes.ts for the SQL form.
  const cuts = [1, 2, 3, 4, 5, 6, 7, 8, 9].map(
    (k) => sorted[Math.floor(((sorted.length - 1) * k) / 10)] ?? 0,
  );
  const shares = (rows: readonly FraudCase[]) => {
    const w = new Array<number>(10).fill(0);
    let total = 0;
    for (const r of rows) {
      const bin = cuts.filter((cut) => cut < r.amount).length;
      w[bin] = (w[bin] ?? 0) + r.weight;
      total += r.weight;
    }
    return w.map((x) => Math.max(x / total, 1e-4));
  };
  const e = shares(baseline);
  const a = shares(current);
  return e.reduce((acc, ei, i) => acc + ((a[i] ?? 0) - ei) * Math.log((a[i] ?? 0) / ei), 0);
}

beforeAll(async () => {
  dir = await tempDir('predlog-sql-');
  cases = fraudCases(300, 15);
  await writeFraudLogs(join(dir.path, 'logs'), cases);
  const labelled = cases.filter((_, i) => i % 10 !== 9);
  await writeFile(
    join(dir.path, 'labels.csv'),
    `request_id,label\n${labelled.map((c) => `${c.requestId},${c.fraud ? 'fraud' : 'legit'}`).join('\n')}\n`,
  );
});

afterAll(async () => {
  await dir.remove();
});

describe('predlog sql', () => {
  it('counts predictions per day with their sampling weights, from gzip and plain files alike', async () => {
    const rows = await sqlJson(
      'SELECT date::VARCHAR AS day, count(*) AS n, sum(sampling_weight) AS weighted FROM predictions GROUP BY ALL ORDER BY day',
    );
    expect(rows).toEqual(
      DAYS.map((day) => {
        const ofDay = cases.filter((c) => c.day === day);
        return { day, n: ofDay.length, weighted: ofDay.reduce((sum, c) => sum + c.weight, 0) };
      }),
    );
  });

  it('recipe: a complaint investigated by request id, with its feedback', async () => {
    const rows = await sqlJson(COMPLAINT_SQL);
    const logged = cases.find((c) => c.requestId === 'req-1-7');
    expect(rows).toEqual([
      {
        timestamp: logged?.timestamp,
        model_version: '1',
        prediction: (logged?.score ?? 0) >= 0.5 ? 'fraud' : 'legit',
        score: logged?.score,
        threshold: 0.5,
        amount: logged?.amount,
        country: logged?.country,
        raw_input: { amount: String(logged?.amount), note: 'line1\nline2' },
        complaint_label: 'legit',
        complaint_source: 'support-desk',
      },
    ]);
  });

  it('recipe: AUC and calibration by segment after a label join', async () => {
    const rows = await sqlJson(AUC_BY_SEGMENT_SQL);
    const labelled = cases.filter((_, i) => i % 10 !== 9);
    expect(rows.map((r) => r.segment)).toEqual(['new', 'returning']);
    for (const row of rows) {
      const segment = labelled.filter((c) => c.segment === row.segment);
      expect(row.n).toBe(segment.length);
      expect(row.weighted).toBe(segment.reduce((sum, c) => sum + c.weight, 0));
      expect(row.auc as number).toBeCloseTo(pairwiseAuc(segment), 10);
      expect(row.ece as number).toBeCloseTo(ece(segment), 10);
    }
    // The drawn truth follows the score, so the model ranks well: a check the fixture is sane.
    expect(rows[0]?.auc as number).toBeGreaterThan(0.7);
  });

  it('recipe: daily PSI of a feature against the first day', async () => {
    const rows = await sqlJson(DAILY_PSI_SQL);
    const baseline = cases.filter((c) => c.day === DAYS[0]);
    expect(rows.map((r) => r.day)).toEqual([DAYS[1], DAYS[2]]);
    for (const row of rows) {
      const current = cases.filter((c) => c.day === row.day);
      expect(row.psi as number).toBeCloseTo(psi(baseline, current), 10);
    }
    // The last day's amounts were shifted: significant drift; the day before is stable.
    expect(rows[1]?.psi as number).toBeGreaterThan(0.2);
    expect(rows[0]?.psi as number).toBeLessThan(0.1);
  });

  it('prints a table with rounded numbers and terminal-safe text, and CSV with RFC 4180 quoting', async () => {
    const query =
      "SELECT request_id, score / 3 AS third, raw_input->>'note' AS note FROM predictions WHERE request_id = 'req-0-3'";
    const table = await sql(query);
    const score = cases.find((c) => c.requestId === 'req-0-3')?.score ?? 0;
    expect(table.code).toBe(0);
    const rounded = String(Number((score / 3).toPrecision(4))).replace('.', '\\.');
    expect(table.stdout).toMatch(new RegExp(`\\nreq-0-3 +${rounded} +"line1\\\\nline2"\\n`));
    expect(table.stdout).toMatch(/\n1 row\n$/);
    const csv = await sql(query, '--format', 'csv');
    expect(csv.stdout).toBe(`request_id,third,note\nreq-0-3,${score / 3},"line1\nline2"\n`);
  });

  it('the README shows each recipe exactly as tested', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    for (const recipe of [COMPLAINT_SQL, AUC_BY_SEGMENT_SQL, DAILY_PSI_SQL]) expect(readme).toContain(recipe);
  });

  it('a failing query exits 1 with the engine message; a bad flag exits 2', async () => {
    const failed = await sql('SELECT nope FROM predictions');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^sql: .*nope/);
    const usage = await sql('SELECT 1', '--format', 'xml');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--format must be table, json or csv');
  });
});
