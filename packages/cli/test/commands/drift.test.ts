import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { fraudPredictions, type Generated, writeLogs } from '../analytics-fixtures.ts';
import { captureIo } from '../cli-io.ts';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'predlog-cli-drift-'));
  const before = fraudPredictions({ seed: 3, count: 3000, start: '2026-03-01', days: 3 });
  // After the third day the amount moves up by one standard deviation (10).
  const after = fraudPredictions({
    seed: 4,
    count: 3000,
    start: '2026-03-04',
    days: 3,
    shift: 10,
    prefix: 'late',
  });
  const steady = fraudPredictions({ seed: 5, count: 3000, start: '2026-03-04', days: 3, prefix: 'steady' });
  await writeLogs(
    path.join(root, 'shifted'),
    [...before, ...after].map((g) => g.record),
  );
  await writeLogs(
    path.join(root, 'steady'),
    [...before, ...steady].map((g) => g.record),
  );
  // Issue 15: is_weekend is 1 in every baseline record and 0 in 86% of the current predictions, the
  // zeros kept with p = 0.1 (weight 10), the ones with p = 0.5: 55 zeros of weight 10 per 45 ones of
  // weight 2 is 550/640 = 85.9% zeros.
  const weekend = (g: Generated, i: number, late: boolean) => {
    const zero = late && i % 100 < 55;
    const weight = late ? (zero ? 10 : 2) : 4;
    return {
      ...g.record,
      input_features: { ...(g.record.input_features as object), is_weekend: zero ? 0 : 1 },
      sampling_weight: weight,
    };
  };
  // One day of logs, 00:00 to 23:45: the default 7 baseline days would leave no current window.
  await writeLogs(
    path.join(root, 'one-day'),
    fraudPredictions({ seed: 8, count: 960, start: '2026-12-01', days: 1 }).map((g) => g.record),
  );
  await writeLogs(path.join(root, 'weekend'), [
    ...before.map((g, i) => weekend(g, i, false)),
    ...steady.map((g, i) => weekend(g, i, true)),
  ]);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function drift(...args: string[]) {
  const captured = captureIo(root);
  const code = await runCli(['drift', ...args], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('predlog drift', () => {
  it('flags the shifted feature (and the score that follows it), not the others; exit 1', async () => {
    const { code, stdout, stderr } = await drift('shifted', '--baseline-days', '3');
    expect(code).toBe(1);
    expect(stdout).toContain('baseline 2026-03-01 to 2026-03-03 (3,000 records');
    expect(stdout).toMatch(/^amount +numeric +\S+ +significant /m);
    expect(stdout).toMatch(/^hour +numeric +\S+ +none /m);
    expect(stdout).toMatch(/^country +categorical +\S+ +none /m);
    expect(stdout).toMatch(/^score +numeric +\S+ +significant /m);
    expect(stdout).toContain('positive decision rate');
    expect(stderr).toContain('significant drift (PSI > 0.2): amount, score');
  });

  it('a 0/1 flag that went from all ones to 86% zeros (weighted) is significant drift; exit 1', async () => {
    const { code, stdout, stderr } = await drift('weekend', '--baseline-days', '3');
    expect(code).toBe(1);
    // Compared value by value: PSI (0.14 − 1)·ln 0.14 + (0.86 − ε)·ln(0.86/ε) ≈ 9.5, χ² and KS agree.
    const row = /^is_weekend +discrete +(\S+) +significant +(\S+) +<1e-16 +<1e-16 +1 +0\.14\d* /m.exec(
      stdout,
    );
    expect(row, stdout).not.toBeNull();
    expect(Number(row?.[1])).toBeGreaterThan(9);
    expect(Number(row?.[2])).toBeCloseTo(0.86, 2);
    expect(stdout).toMatch(/^amount +numeric +\S+ +none /m);
    expect(stderr).toContain('significant drift (PSI > 0.2): is_weekend');
    const json = JSON.parse((await drift('weekend', '--baseline-days', '3', '--json')).stdout);
    const flag = json.features.find((f: { name: string }) => f.name === 'is_weekend');
    expect(flag.bins).toEqual([
      { label: '0', expected: 0, actual: expect.closeTo(0.86, 2) },
      { label: '1', expected: 1, actual: expect.closeTo(0.14, 2) },
    ]);
  });

  it('finds none between two samples of one population; exit 0', async () => {
    const { code, stdout } = await drift('steady', '--baseline-days', '3');
    expect(code).toBe(0);
    expect(stdout).not.toMatch(/^\S+ +(numeric|categorical) +\S+ +(significant|moderate) /m);
    expect(stdout).toMatch(/^amount +numeric +\S+ +none /m);
  });

  it('saves the baseline profile, and a later run against it gives the same PSI', async () => {
    const first = await drift(
      'shifted',
      '--baseline-days',
      '3',
      '--save-baseline',
      'baseline.ndjson',
      '--json',
    );
    const line = (await readFile(path.join(root, 'baseline.ndjson'), 'utf8')).trim();
    expect(JSON.parse(line)).toMatchObject({ format: 'predlog.profile', records: 3000 });
    const second = await drift('shifted', '--baseline', 'baseline.ndjson', '--since', '2026-03-04', '--json');
    const a = JSON.parse(first.stdout);
    const b = JSON.parse(second.stdout);
    expect(b.features.map((f: { name: string; psi: number }) => [f.name, f.psi])).toEqual(
      a.features.map((f: { name: string; psi: number }) => [f.name, f.psi]),
    );
    expect(a.baselineWindow).toEqual({
      since: '2026-03-01T00:00:00.000Z',
      until: '2026-03-04T00:00:00.000Z',
      text: '2026-03-01 to 2026-03-03',
      how: 'first 3 days',
      auto: false,
    });
    expect(b.baselineWindow).toBeNull();
    expect(a.features[0]).toMatchObject({ name: 'amount', band: 'significant', kind: 'numeric' });
    expect(a.features[0].ks.statistic).toBeGreaterThan(0.3);
  });

  it('a history shorter than the baseline days is split in two, and the split is printed', async () => {
    const { code, stdout, stderr } = await drift('one-day');
    expect(stderr).not.toContain('no predictions in the current window');
    expect(code).toBe(0);
    // 960 predictions 90 s apart from 00:00: the last at 23:58:30, the middle at 11:59:15.
    expect(stdout).toMatch(
      /^baseline 2026-12-01T00:00Z – 2026-12-01T11:59Z \(auto: history is 1 day\) \(480 records, 480 weighted\); current from 2026-12-01T11:59:00Z \(480 records, 480 weighted\)$/m,
    );
    const json = JSON.parse((await drift('one-day', '--json')).stdout);
    expect(json.baselineWindow).toMatchObject({ how: 'auto: history is 1 day', auto: true });
  });

  it('usage errors exit 2', async () => {
    for (const args of [
      ['shifted', '--baseline', 'x.ndjson', '--baseline-days', '3'],
      ['shifted', '--bins', '1'],
      ['shifted', '--baseline', 'missing.ndjson'],
      ['shifted', '--baseline-days', 'week'],
    ]) {
      const { code, stderr } = await drift(...args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toContain("Run 'predlog drift --help' for usage.");
    }
  });
});
