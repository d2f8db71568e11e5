/**
 * The analytics commands of issue 9 on generated logs: each command runs as its own process on
 * the whole data set (and again on its first quarter of days, to show memory does not grow with
 * the input), measuring wall time and peak RSS (getrusage's maxRSS reported at exit, and the
 * kernel's VmHWM polled from /proc while it runs). The peer is a bare JSON.parse loop over the same
 * lines (read and gunzipped the same way), in its own process, run right before each command run:
 * on a shared machine only figures taken back to back compare.
 *
 * Targets: every command's peak RSS ≤ 300 MB; every command reads ≥ 0.5 × the bare loop's rate.
 *
 *   pnpm bench analytics [--records 2000000] [--days 14] [--rounds 2]
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Dataset, writeDataset } from './lib/analytics-dataset.ts';
import { type BenchOutcome, numberFlag, runBenchProcess } from './lib/bench-process.ts';
import { fileTreeStats, makeTempDir, removeTempDir } from './lib/file-tree-stats.ts';
import { type ChildRun, runMeasured } from './lib/measured-child.ts';
import { absoluteTarget, ratioTarget, type TargetResult } from './lib/targets.ts';
import { formatRate, renderTable } from './lib/text-table.ts';

const RECORDS = numberFlag('records', 2_000_000);
const DAYS = numberFlag('days', 14);
/** Rounds of (bare loop, command) pairs per command; the best round counts (least disturbed). */
const ROUNDS = numberFlag('rounds', 2);
const RSS_LIMIT_MB = 300;
const RATE_RATIO = 0.5;

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(HERE, '..', 'packages', 'cli', 'src', 'bin.ts');
const BARE_PARSE = path.join(HERE, 'lib', 'bare-json-parse.ts');
const MB = 1_000_000;

interface CommandSpec {
  name: string;
  args: (data: Dataset, dir: string, until?: string) => string[];
  /** Exit codes that mean the command did its job (1: a threshold crossed, expected on this data). */
  okCodes: number[];
}

const COMMANDS: CommandSpec[] = [
  {
    name: 'join',
    args: (d, _dir, until) => ['join', d.logs, '--labels', d.labelsNdjson, ...window(until)],
    okCodes: [0, 1],
  },
  {
    // The same join forced through its disk path: 200,000 labels in memory, the rest spilled.
    name: 'join-spilled',
    args: (d, dir, until) => [
      'join',
      d.logs,
      '--labels',
      d.labelsNdjson,
      '--max-keys-in-memory',
      '200000',
      '--spill-dir',
      path.join(dir, 'spill'),
      ...window(until),
    ],
    okCodes: [0, 1],
  },
  {
    name: 'evaluate',
    args: (d, _dir, until) => [
      'evaluate',
      d.logs,
      '--labels',
      d.labelsCsv,
      '--positive-label',
      'fraud',
      '--by',
      'version,segment,date',
      ...window(until),
    ],
    okCodes: [0, 1],
  },
  {
    name: 'drift',
    args: (d, _dir, until) => [
      'drift',
      d.logs,
      '--baseline-days',
      String(Math.max(1, Math.floor(DAYS / 2))),
      ...window(until),
    ],
    okCodes: [0, 1],
  },
  {
    name: 'stats',
    args: (d, dir, until) => [
      'stats',
      d.logs,
      '--out',
      path.join(dir, `stats-${until ?? 'all'}.ndjson`),
      ...window(until),
    ],
    okCodes: [0],
  },
  {
    name: 'shadow-report',
    args: (d, _dir, until) => ['shadow-report', d.logs, ...window(until)],
    okCodes: [0],
  },
  {
    name: 'report',
    args: (d, dir, until) => [
      'report',
      d.logs,
      '--baseline-days',
      String(Math.max(1, Math.floor(DAYS / 2))),
      '--labels',
      d.labelsNdjson,
      '--positive-label',
      'fraud',
      '--out',
      path.join(dir, `report-${until ?? 'all'}.html`),
      ...window(until),
    ],
    okCodes: [0],
  },
];

function window(until: string | undefined): string[] {
  return until === undefined ? [] : ['--until', until];
}

async function body(): Promise<BenchOutcome> {
  const dir = await makeTempDir('analytics');
  try {
    console.log(`generating ${RECORDS.toLocaleString('en-US')} records over ${DAYS} days in ${dir} …`);
    const t0 = performance.now();
    const data = await writeDataset({ root: dir, records: RECORDS, days: DAYS });
    const tree = await fileTreeStats(data.logs);
    const labelBytes = (await stat(data.labelsNdjson)).size;
    console.log(
      `wrote ${data.records.toLocaleString('en-US')} records in ${tree.files} files (${(tree.bytes / MB).toFixed(0)} MB on disk, plain and gzip), ${data.labels.toLocaleString('en-US')} labels, in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    // The peer, run right before each command run so both see the same machine load: every line
    // through JSON.parse, nothing else.
    const runBare = async (): Promise<{ rate: number; run: ChildRun }> => {
      const run = await runMeasured([BARE_PARSE, data.logs], dir, 'bare');
      if (run.exitCode !== 0) throw new Error(`bare JSON.parse loop failed: ${run.stderr}`);
      const lines = (JSON.parse(run.stdout) as { lines: number }).lines;
      if (lines !== data.records)
        throw new Error(`the bare loop read ${lines} lines, expected ${data.records}`);
      return { rate: (lines / run.wallMs) * 1000, run };
    };

    // A quarter of the days (the first ones), to compare memory at a quarter of the input.
    const quarterDays = Math.max(1, Math.floor(DAYS / 4));
    const quarterUntil = data.days[quarterDays] ?? undefined;
    const rows: Array<Array<string | number>> = [];
    const bareRates: number[] = [];
    const bareRss: number[] = [];
    const figures: Record<string, unknown> = {};
    const targets: TargetResult[] = [];
    for (const command of COMMANDS) {
      const rounds: Array<{ bareRate: number; rate: number; wallMs: number; peakRssBytes: number }> = [];
      let summary = '';
      let exitCode: number | null = null;
      for (let round = 0; round < ROUNDS; round++) {
        const bare = await runBare();
        bareRates.push(bare.rate);
        bareRss.push(bare.run.peakRssBytes);
        const full = await runMeasured([CLI, ...command.args(data, dir)], dir, command.name);
        if (!command.okCodes.includes(full.exitCode ?? -1)) {
          throw new Error(`predlog ${command.name} exited ${full.exitCode}: ${full.stderr.slice(0, 2000)}`);
        }
        exitCode = full.exitCode;
        summary = full.stdout.split('\n').slice(0, 3).join(' | ').slice(0, 300);
        rounds.push({
          bareRate: bare.rate,
          rate: (data.records / full.wallMs) * 1000,
          wallMs: full.wallMs,
          peakRssBytes: full.peakRssBytes,
        });
      }
      const small =
        quarterUntil === undefined
          ? undefined
          : await runMeasured(
              [CLI, ...command.args(data, dir, quarterUntil)],
              dir,
              `${command.name}-quarter`,
            );
      const best = rounds.reduce((a, b) => (b.rate / b.bareRate > a.rate / a.bareRate ? b : a));
      const peakRss = Math.max(...rounds.map((r) => r.peakRssBytes));
      const ratio = best.rate / best.bareRate;
      figures[command.name] = {
        records: data.records,
        rounds: rounds.map((r) => ({
          wallMs: Math.round(r.wallMs),
          recordsPerSecond: Math.round(r.rate),
          bareRecordsPerSecond: Math.round(r.bareRate),
          ratioToBare: round(r.rate / r.bareRate, 3),
          peakRssMB: round(r.peakRssBytes / MB),
        })),
        bestRatioToBare: round(ratio, 3),
        peakRssMB: round(peakRss / MB),
        exitCode,
        quarterInput:
          small === undefined
            ? null
            : {
                until: quarterUntil,
                wallMs: Math.round(small.wallMs),
                peakRssMB: round(small.peakRssBytes / MB),
              },
        summary,
      };
      rows.push([
        command.name,
        formatRate(best.rate),
        formatRate(best.bareRate),
        `${ratio.toFixed(2)}x`,
        rounds.map((r) => `${(r.rate / r.bareRate).toFixed(2)}x`).join(' '),
        Math.round(peakRss / MB),
        small === undefined ? '-' : Math.round(small.peakRssBytes / MB),
      ]);
      console.log(
        `predlog ${command.name}: ${formatRate(best.rate)} (${ratio.toFixed(2)}x the bare loop run just before it; rounds ${rounds.map((r) => (r.rate / r.bareRate).toFixed(2)).join(', ')}), peak RSS ${(peakRss / MB).toFixed(0)} MB (${small === undefined ? '-' : (small.peakRssBytes / MB).toFixed(0)} MB on a quarter of the days)`,
      );
      targets.push(
        absoluteTarget({
          id: `${command.name}_peak_rss`,
          subject: { label: `predlog ${command.name} peak RSS`, value: round(peakRss / MB) },
          unit: 'MB',
          comparison: '<=',
          limit: RSS_LIMIT_MB,
        }),
        ratioTarget({
          id: `${command.name}_rate_vs_json_parse`,
          subject: { label: `predlog ${command.name} records/s`, value: Math.round(best.rate) },
          peer: { label: 'bare JSON.parse loop', value: Math.round(best.bareRate) },
          unit: 'records/s',
          comparison: '>=',
          limit: RATE_RATIO,
        }),
      );
    }
    figures.bare = {
      records: data.records,
      recordsPerSecond: { min: Math.round(Math.min(...bareRates)), max: Math.round(Math.max(...bareRates)) },
      peakRssMB: round(Math.max(...bareRss) / MB),
    };
    console.log(
      `\n${renderTable(['command', 'records/s', 'bare loop', 'best ratio', 'each round', 'peak RSS MB', `RSS MB, first ${quarterDays} days`], rows)}`,
    );
    return {
      parameters: {
        records: data.records,
        days: DAYS,
        files: tree.files,
        bytesOnDisk: tree.bytes,
        labels: data.labels,
        labelsNdjsonBytes: labelBytes,
        quarterDays,
        rounds: ROUNDS,
        rssLimitMB: RSS_LIMIT_MB,
        rateRatio: RATE_RATIO,
      },
      figures,
      targets,
      notes: [
        'records/s = data-set records / wall time of the whole child process (start-up, label files and spill included)',
        'each round runs the bare loop, then the command; the ratio is taken within a round (same machine load) and the best round counts',
        'peak RSS = max(getrusage maxRSS at exit, polled /proc VmHWM), the highest of all rounds',
        `join, evaluate and report also read ${data.labels.toLocaleString('en-US')} labels (held in memory up to the default cap of 1,000,000); join-spilled caps them at 200,000, the rest goes through hash partitions on disk`,
      ],
    };
  } finally {
    await removeTempDir(dir);
  }
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

await runBenchProcess(
  'analytics',
  'analytics commands on generated logs: records/s vs a bare JSON.parse loop, peak RSS',
  body,
);
