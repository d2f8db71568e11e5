/**
 * Parquet compaction and DuckDB (issue 15), in two parts:
 *
 * 1. Storage and SQL: `--records` (200,000) fraud demo predictions written by the real file
 *    exporter (gzip on, as by default) over two days; bytes per record as gzip NDJSON and after
 *    `compactDirectory()` (zstd Parquet); the three `predlog sql` recipes of the CLI README and a
 *    `predlog query --request-id` on each form, each a separate process (wall time, peak RSS), and
 *    their outputs compared (they must be equal).
 * 2. DuckDB against @predlog/analytics' hand-written parts on `--large-records` (2,000,000) records
 *    of the analytics bench's data set: the label join (`predlog join`, grace-hash spill) against
 *    the same join in SQL, and the line scanner (`predlog stats`: per day, per feature) against a
 *    per-day, per-feature aggregate in SQL, on NDJSON and on the compacted Parquet. Each command is
 *    a process of its own; peak RSS is the child's (DuckDB's native memory included), with
 *    `--memory-limit 200MB` for DuckDB.
 *
 * Target (the issue's rule): where DuckDB does a hand-written part's job faster at ≤ 300 MB RSS on
 * 2M records, prefer it. The bench reports; it removes nothing.
 *
 *   pnpm bench parquet [--records 200000] [--large-records 2000000] [--days 14]
 */
import { cp, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCustomerProfiles } from '@predlog/example-fraud-service/customer-profiles';
import { FeatureStore } from '@predlog/example-fraud-service/feature-store';
import { computeFeatures } from '@predlog/example-fraud-service/features';
import { generateTransactions } from '@predlog/example-fraud-service/generate-data';
import { loadModel } from '@predlog/example-fraud-service/model';
import { compactDirectory, openLogDatabase } from '@predlog/exporter-file';
import {
  AUC_BY_SEGMENT_SQL,
  COMPLAINT_SQL,
  DAILY_PSI_SQL,
} from '../packages/cli/test/commands/sql-recipes.ts';
import { writeDataset } from './lib/analytics-dataset.ts';
import { type BenchOutcome, numberFlag, runBenchProcess } from './lib/bench-process.ts';
import { fileTreeStats, makeTempDir, removeTempDir } from './lib/file-tree-stats.ts';
import { type ChildRun, runMeasured } from './lib/measured-child.ts';
import { createFileLogger, DiagnosticsTally } from './lib/predlog-file-logger.ts';
import { absoluteTarget, ratioTarget, type TargetResult } from './lib/targets.ts';
import { renderTable } from './lib/text-table.ts';

const RECORDS = numberFlag('records', 200_000);
const LARGE_RECORDS = numberFlag('large-records', 2_000_000);
const DAYS = numberFlag('days', 14);
const RSS_LIMIT_MB = 300;
/** DuckDB's memory limit in part 2; its RSS adds Node's and the engine's own (≈ 120–170 MB at rest). */
const DUCKDB_MEMORY = `${numberFlag('duckdb-memory-mb', 128)}MB`;
/** One thread, as the hand-written parts have: the same footing, and less memory. */
const ONE_THREAD = 'SET threads = 1; ';
const MB = 1_000_000;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(HERE, '..', 'packages', 'cli', 'src', 'bin.ts');

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Numbers in a CSV answer to 9 significant digits. */
function rounded(csv: string): string {
  return csv.replace(/-?\d+\.\d+(?:e-?\d+)?/g, (n) => String(Number(Number(n).toPrecision(9))));
}

async function treeBytes(root: string, suffix: RegExp): Promise<number> {
  let bytes = 0;
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && suffix.test(entry.name))
      bytes += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return bytes;
}

/** Runs predlog in a measured child; `codes` are the exit codes that mean it did its job. */
async function cli(args: readonly string[], cwd: string, label: string, codes = [0]): Promise<ChildRun> {
  const run = await runMeasured([CLI, ...args], cwd, label);
  if (!codes.includes(run.exitCode ?? -1))
    throw new Error(`predlog ${args[0]} (${label}) exited ${run.exitCode}: ${run.stderr.slice(0, 2000)}`);
  return run;
}

/**
 * Part 1's logs: the fraud example's own traffic (its seeded transaction generator, feature store
 * and model, as `POST /predict` computes them) through `record()` and the file exporter, over two
 * UTC days: distinct values in every record, so the bytes per record are not flattered.
 */
async function writeWithExporter(directory: string, records: number): Promise<void> {
  const profiles = generateCustomerProfiles();
  const store = new FeatureStore(profiles);
  const model = await loadModel();
  const transactions = generateTransactions({ seed: 15, rows: records, days: 2, profiles });
  const diagnostics = new DiagnosticsTally();
  const logger = await createFileLogger({ directory, diagnostics, compress: true });
  const start = Date.UTC(2026, 2, 1);
  const stepMs = (2 * 86_400_000) / records;
  for (let from = 0; from < records; from += 2000) {
    for (let i = from; i < Math.min(records, from + 2000); i++) {
      const { transaction } = transactions[i] as (typeof transactions)[number];
      const features = computeFeatures(transaction, store.observe(transaction));
      const { score, label } = model.predict(features);
      logger.record({
        requestId: `req-${i}`,
        timestamp: new Date(start + i * stepMs).toISOString(),
        features,
        rawInput: transaction,
        prediction: label,
        score,
        threshold: model.threshold,
        explanation: model.explain(features, 3),
        channel: transaction.entry_mode,
        segment: i % 3 === 0 ? 'new-customers' : 'returning',
        latencyMs: 1 + (i % 7) * 0.25,
      });
    }
    // A closed loop: nothing dropped, so every record is in the files.
    await logger.forceFlush();
  }
  const stats = logger.stats();
  await logger.shutdown();
  const dropped = Object.values(stats.dropped).reduce((a, b) => a + b, 0);
  if (dropped > 0) throw new Error(`${dropped} records dropped while writing`);
}

async function body(): Promise<BenchOutcome> {
  const dir = await makeTempDir('parquet');
  const figures: Record<string, unknown> = {};
  const targets: TargetResult[] = [];
  const notes: string[] = [];
  try {
    // ── Part 1: storage and the SQL recipes ───────────────────────────────────────────────
    const ndjson = path.join(dir, 'small-ndjson');
    const parquet = path.join(dir, 'small-parquet');
    console.log(`writing ${RECORDS.toLocaleString('en-US')} records with the file exporter …`);
    await writeWithExporter(ndjson, RECORDS);
    const gzBytes = await treeBytes(ndjson, /\.ndjson\.gz$/);
    const ndjsonTree = await fileTreeStats(ndjson);
    await cp(ndjson, parquet, { recursive: true });
    const t0 = performance.now();
    const report = await compactDirectory({ directory: parquet, includeToday: true });
    const compactMs = performance.now() - t0;
    if (report.skipped.length > 0) throw new Error(`compaction kept ${JSON.stringify(report.skipped)}`);
    const parquetBytes = await treeBytes(parquet, /\.parquet$/);
    const rawBytes = report.compacted.reduce((sum, c) => sum + c.sourceBytes, 0);
    figures.storage = {
      records: RECORDS,
      ndjsonBytesPerRecord: round(rawBytes / RECORDS),
      gzipNdjsonBytesPerRecord: round(gzBytes / RECORDS),
      parquetBytesPerRecord: round(parquetBytes / RECORDS),
      parquetVsGzip: round(parquetBytes / gzBytes, 3),
      files: { ndjson: ndjsonTree.files, parquet: report.compacted.length },
      compactionMs: Math.round(compactMs),
      compactionRecordsPerSecond: Math.round((RECORDS / compactMs) * 1000),
    };
    console.log(
      `bytes/record: NDJSON ${round(rawBytes / RECORDS)}, gzip NDJSON ${round(gzBytes / RECORDS)}, Parquet ${round(parquetBytes / RECORDS)} (${round(parquetBytes / gzBytes, 2)}x gzip); compaction ${Math.round((RECORDS / compactMs) * 1000)} records/s`,
    );

    // Labels for the AUC recipe: 5 of every 8 requests, drawn from the score.
    const database = await openLogDatabase(ndjson);
    try {
      const labelsCsv = path.join(dir, 'labels.csv');
      const copy = await database.query(
        `COPY (SELECT request_id, CASE WHEN hash(request_id) % 1000 < score * 1000 THEN 'fraud' ELSE 'legit' END AS label
               FROM predictions WHERE hash(request_id) % 8 < 5) TO '${labelsCsv}' (HEADER)`,
      );
      for await (const _ of copy.rows);
    } finally {
      database.close();
    }
    const recipes: Array<[string, string[]]> = [
      ['complaint by request id', ['sql', COMPLAINT_SQL.replace("'req-1-7'", "'req-7'")]],
      ['AUC and ECE by segment (CSV label join)', ['sql', AUC_BY_SEGMENT_SQL]],
      ['daily PSI', ['sql', DAILY_PSI_SQL]],
    ];
    const recipeRows: Array<Array<string | number>> = [];
    const recipeFigures: Record<string, unknown> = {};
    for (const [name, args] of recipes) {
      const onNdjson = await cli([...args, '--dir', ndjson, '--format', 'csv'], dir, 'recipe-ndjson');
      const onParquet = await cli([...args, '--dir', parquet, '--format', 'csv'], dir, 'recipe-parquet');
      // Sums over another order of rows (threads) may differ in the last digits only.
      if (rounded(onNdjson.stdout) !== rounded(onParquet.stdout))
        throw new Error(`${name}: NDJSON and Parquet answers differ`);
      recipeFigures[name] = {
        ndjsonMs: Math.round(onNdjson.wallMs),
        parquetMs: Math.round(onParquet.wallMs),
        ndjsonPeakRssMB: round(onNdjson.peakRssBytes / MB),
        parquetPeakRssMB: round(onParquet.peakRssBytes / MB),
        rows: onNdjson.stdout.trim().split('\n').length - 1,
      };
      recipeRows.push([
        name,
        Math.round(onNdjson.wallMs),
        Math.round(onParquet.wallMs),
        `${(onNdjson.wallMs / onParquet.wallMs).toFixed(1)}x`,
        Math.round(onNdjson.peakRssBytes / MB),
        Math.round(onParquet.peakRssBytes / MB),
      ]);
    }
    const queryNdjson = await cli(['query', ndjson, '--request-id', 'req-7', '--json'], dir, 'query-ndjson');
    const queryParquet = await cli(
      ['query', parquet, '--request-id', 'req-7', '--json'],
      dir,
      'query-parquet',
    );
    if (queryNdjson.stdout !== queryParquet.stdout) throw new Error('predlog query answers differ');
    recipeFigures['predlog query --request-id'] = {
      ndjsonMs: Math.round(queryNdjson.wallMs),
      parquetMs: Math.round(queryParquet.wallMs),
      ndjsonPeakRssMB: round(queryNdjson.peakRssBytes / MB),
      parquetPeakRssMB: round(queryParquet.peakRssBytes / MB),
    };
    recipeRows.push([
      'predlog query --request-id',
      Math.round(queryNdjson.wallMs),
      Math.round(queryParquet.wallMs),
      `${(queryNdjson.wallMs / queryParquet.wallMs).toFixed(1)}x`,
      Math.round(queryNdjson.peakRssBytes / MB),
      Math.round(queryParquet.peakRssBytes / MB),
    ]);
    figures.recipes = recipeFigures;
    console.log(
      `\n${renderTable(['query', 'gzip NDJSON ms', 'Parquet ms', 'speed-up', 'RSS MB NDJSON', 'RSS MB Parquet'], recipeRows)}`,
    );

    // ── Part 2: DuckDB against the hand-written join and scanner on 2M records ───────────
    console.log(`\ngenerating ${LARGE_RECORDS.toLocaleString('en-US')} records over ${DAYS} days …`);
    const data = await writeDataset({ root: path.join(dir, 'large'), records: LARGE_RECORDS, days: DAYS });
    const firstLine = await firstRecord(data.logs);
    const features = Object.entries(firstLine.input_features as Record<string, unknown>);
    const joinSql = `${ONE_THREAD}WITH labels AS (
        SELECT request_id, arg_max(label, timestamp) AS label FROM read_json('${data.labelsNdjson}') GROUP BY request_id
      ), champions AS (SELECT DISTINCT request_id FROM predictions WHERE model_role = 'champion')
      SELECT count(*) AS labels, count(c.request_id) AS matched, count(c.request_id) / count(*) AS match_rate
      FROM labels l LEFT JOIN champions c USING (request_id)`;
    const aggregates = features.map(([name, value]) => {
      const field = `input_features->>'${name}'`;
      return typeof value === 'number'
        ? `avg(TRY_CAST(${field} AS DOUBLE)), min(TRY_CAST(${field} AS DOUBLE)), max(TRY_CAST(${field} AS DOUBLE))`
        : `approx_count_distinct(${field})`;
    });
    const scanSql = `${ONE_THREAD}SELECT model_version, date, count(*) AS n, sum(sampling_weight) AS weighted,
        avg(score), approx_quantile(score, [0.1, 0.5, 0.9]), ${aggregates.join(', ')}
      FROM predictions GROUP BY ALL ORDER BY ALL`;
    const memory = ['--memory-limit', DUCKDB_MEMORY, '--format', 'csv'];
    const runs: Record<string, ChildRun> = {};
    runs.join = await cli(['join', data.logs, '--labels', data.labelsNdjson], dir, 'join', [0, 1]);
    runs.joinSqlNdjson = await cli(['sql', joinSql, '--dir', data.logs, ...memory], dir, 'join-sql', [0, 1]);
    runs.stats = await cli(['stats', data.logs, '--out', path.join(dir, 'stats.ndjson')], dir, 'stats');
    runs.scanSqlNdjson = await cli(['sql', scanSql, '--dir', data.logs, ...memory], dir, 'scan-sql', [0, 1]);
    const t1 = performance.now();
    const large = await compactDirectory({ directory: data.logs, memoryLimit: DUCKDB_MEMORY });
    const largeCompactMs = performance.now() - t1;
    if (large.skipped.length > 0) throw new Error(`compaction kept ${JSON.stringify(large.skipped)}`);
    runs.joinSqlParquet = await cli(
      ['sql', joinSql, '--dir', data.logs, ...memory],
      dir,
      'join-sql-parquet',
      [0, 1],
    );
    runs.scanSqlParquet = await cli(
      ['sql', scanSql, '--dir', data.logs, ...memory],
      dir,
      'scan-sql-parquet',
      [0, 1],
    );
    const joinAnswer = (run: ChildRun) => (run.exitCode === 0 ? run.stdout.split('\n')[1] : undefined);
    const [onNdjsonAnswer, onParquetAnswer] = [
      joinAnswer(runs.joinSqlNdjson),
      joinAnswer(runs.joinSqlParquet),
    ];
    if (onNdjsonAnswer !== undefined && onParquetAnswer !== undefined && onNdjsonAnswer !== onParquetAnswer)
      throw new Error('the SQL join differs on Parquet');
    /** A DuckDB run that failed (out of memory at the limit) is a result too. */
    const failure = (run: ChildRun) =>
      run.exitCode === 0 ? undefined : (run.stderr.split('\n')[0] ?? '').slice(0, 200);
    const rate = (run: ChildRun) => Math.round((data.records / run.wallMs) * 1000);
    const rows: Array<Array<string | number>> = [];
    const large2: Record<string, unknown> = {};
    for (const [name, label] of [
      ['join', 'predlog join (hand-written, grace-hash spill)'],
      ['joinSqlNdjson', 'DuckDB label join, gzip/plain NDJSON'],
      ['joinSqlParquet', 'DuckDB label join, Parquet'],
      ['stats', 'predlog stats (line scanner, sketches)'],
      ['scanSqlNdjson', 'DuckDB per-day per-feature aggregates, NDJSON'],
      ['scanSqlParquet', 'DuckDB per-day per-feature aggregates, Parquet'],
    ] as const) {
      const run = runs[name] as ChildRun;
      large2[name] = {
        label,
        wallMs: Math.round(run.wallMs),
        recordsPerSecond: rate(run),
        peakRssMB: round(run.peakRssBytes / MB),
        summary: run.stdout.split('\n').slice(0, 2).join(' | ').slice(0, 300),
        ...(failure(run) === undefined ? {} : { failed: failure(run) }),
      };
      rows.push([
        label,
        Math.round(run.wallMs),
        failure(run) === undefined ? rate(run) : 'failed',
        Math.round(run.peakRssBytes / MB),
      ]);
    }
    figures.large = {
      records: data.records,
      labels: data.labels,
      compaction: {
        wallMs: Math.round(largeCompactMs),
        recordsPerSecond: Math.round((data.records / largeCompactMs) * 1000),
      },
      runs: large2,
    };
    console.log(`\n${renderTable(['command', 'wall ms', 'records/s', 'peak RSS MB'], rows)}`);
    for (const [peer, duck] of [
      ['join', 'joinSqlNdjson'],
      ['join', 'joinSqlParquet'],
      ['stats', 'scanSqlNdjson'],
      ['stats', 'scanSqlParquet'],
    ] as const) {
      const a = runs[duck] as ChildRun;
      const b = runs[peer] as ChildRun;
      targets.push(
        ratioTarget({
          id: `${duck}_speed_vs_${peer}`,
          subject: { label: `${duck} records/s`, value: failure(a) === undefined ? rate(a) : 0 },
          peer: { label: `predlog ${peer} records/s`, value: rate(b) },
          unit: 'records/s',
          comparison: '>=',
          limit: 1,
        }),
        absoluteTarget({
          id: `${duck}_peak_rss`,
          subject: { label: `${duck} peak RSS`, value: round(a.peakRssBytes / MB) },
          unit: 'MB',
          comparison: '<=',
          limit: RSS_LIMIT_MB,
        }),
      );
    }
    notes.push(
      "part 1 records: the fraud example's seeded transactions, features, model score and top-3 explanation through record() and the file exporter with gzip on (the default, level of zlib's default); bytes are the files on disk. Part 2 uses the analytics bench's data set (1,024 demo value variants), whose Parquet size is not representative",
      'each query or command is its own child process: wall time includes node start-up and loading DuckDB (≈ 70 MB native)',
      'peak RSS = max(getrusage maxRSS at exit, polled /proc VmHWM) of the child, DuckDB native memory included',
      `DuckDB runs part 2 with --memory-limit ${DUCKDB_MEMORY} and one thread (SET threads = 1), like the single-threaded hand-written parts; part 1 with its defaults`,
      'the SQL join computes what predlog join reports (labels, latest per request id, matched against champion predictions); the SQL scan computes per model version and day the count, weighted count, mean and quantiles of the score and mean/min/max (numbers) or distinct count (text) of every feature: less than the quantile sketches and histograms predlog stats keeps',
    );
    return {
      parameters: {
        records: RECORDS,
        largeRecords: data.records,
        days: DAYS,
        duckdbMemoryLimit: DUCKDB_MEMORY,
      },
      figures,
      targets,
      notes,
    };
  } finally {
    await removeTempDir(dir);
  }
}

/** The first record of the data set (a plain file), for its feature names and types. */
async function firstRecord(logs: string): Promise<Record<string, unknown>> {
  for (const entry of await readdir(logs, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.ndjson')) {
      const text = await readFile(path.join(entry.parentPath, entry.name), 'utf8');
      return JSON.parse(text.slice(0, text.indexOf('\n'))) as Record<string, unknown>;
    }
  }
  throw new Error('no plain NDJSON file in the data set');
}

await runBenchProcess(
  'parquet',
  'Parquet compaction and DuckDB against the hand-written analytics parts',
  body,
);
