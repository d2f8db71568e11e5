/**
 * End-to-end records/s into files: N demo predictions through predlog with the file exporter (from
 * the first record() until forceFlush() has the last line written), against pino writing the same
 * records to a file (until its stream is ended), and a bare JSON.stringify loop, the serialisation
 * ceiling. predlog and pino get the records in blocks with an event-loop turn between blocks, as a
 * server would hand them over; each runs several times, alternating, and the median counts.
 */
import path from 'node:path';
import { type BenchOutcome, collectGarbage, numberFlag, runBenchProcess } from './lib/bench-process.ts';
import { DemoTraffic } from './lib/demo-record.ts';
import { nextTurn } from './lib/event-loop-turn.ts';
import { fileTreeStats, makeTempDir, removeTempDir } from './lib/file-tree-stats.ts';
import { createPinoPeer } from './lib/pino-peer.ts';
import { createFileLogger, DiagnosticsTally } from './lib/predlog-file-logger.ts';
import { absoluteTarget, ratioTarget } from './lib/targets.ts';
import { formatRate, renderTable } from './lib/text-table.ts';

const RECORDS = numberFlag('records', 300_000);
const BLOCK = numberFlag('block', 1000);
const REPEATS = numberFlag('repeats', 3);
const WARMUP_RECORDS = Math.min(RECORDS, 30_000);
/** predlog's producer pauses while more than this many records wait in predlog's queues. */
const HIGH_WATER = numberFlag('high-water', 16_384);

function queuedRecords(stats: { queueDepth: number; exportQueueDepth: Record<string, number> }): number {
  let queued = stats.queueDepth;
  for (const depth of Object.values(stats.exportQueueDepth)) queued += depth;
  return queued;
}

interface Run {
  peer: 'predlog' | 'pino' | 'jsonStringify';
  records: number;
  delivered: number;
  dropped: number;
  seconds: number;
  /** Delivered records per second. */
  recordsPerSecond: number;
  bytes: number;
  bytesPerRecord: number;
  detail?: Record<string, unknown>;
}

const traffic = new DemoTraffic();

async function predlogRun(dir: string, records: number): Promise<Run> {
  const diagnostics = new DiagnosticsTally();
  const logger = await createFileLogger({ directory: dir, diagnostics });
  collectGarbage();
  const t0 = performance.now();
  for (let from = 0; from < records; from += BLOCK) {
    const end = Math.min(records, from + BLOCK);
    for (let i = from; i < end; i++) logger.record(traffic.predictionInput(i));
    await nextTurn();
    // A closed-loop producer: measure the throughput predlog sustains without dropping, the way a
    // load generator backs off when the server falls behind (pino's buffer just grows instead).
    while (queuedRecords(logger.stats()) > HIGH_WATER) await nextTurn();
  }
  await logger.forceFlush();
  const seconds = (performance.now() - t0) / 1000;
  const stats = logger.stats();
  await logger.shutdown();
  const files = await fileTreeStats(dir);
  const delivered = Object.values(stats.exported).reduce((a, b) => a + b, 0);
  return {
    peer: 'predlog',
    records,
    delivered,
    dropped: Object.values(stats.dropped).reduce((a, b) => a + b, 0),
    seconds,
    recordsPerSecond: delivered / seconds,
    bytes: files.bytes,
    bytesPerRecord: files.lines === 0 ? 0 : files.bytes / files.lines,
    detail: { stats, linesOnDisk: files.lines, files: files.files, diagnostics: diagnostics.snapshot() },
  };
}

async function pinoRun(dir: string, records: number): Promise<Run> {
  const peer = await createPinoPeer(path.join(dir, 'pino.ndjson'));
  collectGarbage();
  const t0 = performance.now();
  for (let from = 0; from < records; from += BLOCK) {
    const end = Math.min(records, from + BLOCK);
    for (let i = from; i < end; i++) peer.logger.info(traffic.flatRecord(i));
    await nextTurn();
  }
  await peer.end();
  const seconds = (performance.now() - t0) / 1000;
  const files = await fileTreeStats(dir);
  return {
    peer: 'pino',
    records,
    delivered: files.lines,
    dropped: records - files.lines,
    seconds,
    recordsPerSecond: files.lines / seconds,
    bytes: files.bytes,
    bytesPerRecord: files.lines === 0 ? 0 : files.bytes / files.lines,
  };
}

function stringifyRun(records: number): Run {
  collectGarbage();
  let bytes = 0;
  const t0 = performance.now();
  for (let i = 0; i < records; i++) bytes += JSON.stringify(traffic.flatRecord(i)).length + 1;
  const seconds = (performance.now() - t0) / 1000;
  return {
    peer: 'jsonStringify',
    records,
    delivered: records,
    dropped: 0,
    seconds,
    recordsPerSecond: records / seconds,
    bytes,
    bytesPerRecord: bytes / records,
  };
}

async function runPeer(peer: Run['peer'], records: number): Promise<Run> {
  if (peer === 'jsonStringify') return stringifyRun(records);
  const dir = await makeTempDir(`file-e2e-${peer}`);
  try {
    return peer === 'predlog' ? await predlogRun(dir, records) : await pinoRun(dir, records);
  } finally {
    await removeTempDir(dir);
  }
}

function median(runs: readonly Run[]): Run {
  const sorted = [...runs].sort((a, b) => a.recordsPerSecond - b.recordsPerSecond);
  return sorted[Math.floor(sorted.length / 2)] as Run;
}

async function body(): Promise<BenchOutcome> {
  const peers: Run['peer'][] = ['predlog', 'pino', 'jsonStringify'];
  for (const peer of peers) await runPeer(peer, WARMUP_RECORDS);
  const runs: Run[] = [];
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    for (let k = 0; k < peers.length; k++) {
      const run = await runPeer(peers[(repeat + k) % peers.length] as Run['peer'], RECORDS);
      runs.push(run);
      console.log(
        `  repeat ${repeat + 1}: ${run.peer.padEnd(13)} ${formatRate(run.recordsPerSecond).padStart(12)}  (${run.seconds.toFixed(2)} s, ${run.dropped} dropped)`,
      );
    }
  }
  const best = Object.fromEntries(peers.map((p) => [p, median(runs.filter((r) => r.peer === p))])) as Record<
    Run['peer'],
    Run
  >;
  console.log(`\nEnd-to-end into files, ${RECORDS.toLocaleString('en-US')} records, median of ${REPEATS}`);
  console.log(
    renderTable(
      ['peer', 'records/s', 'seconds', 'delivered', 'dropped', 'bytes/record', 'MB written'],
      peers.map((p) => {
        const r = best[p];
        return [
          p === 'predlog'
            ? 'predlog record() -> file exporter, until forceFlush'
            : p === 'pino'
              ? 'pino.info() -> pino.destination(sync: false), until end'
              : 'JSON.stringify loop (no I/O)',
          formatRate(r.recordsPerSecond),
          Number(r.seconds.toFixed(3)),
          r.delivered,
          r.dropped,
          Math.round(r.bytesPerRecord),
          Number((r.bytes / 1e6).toFixed(1)),
        ];
      }),
    ),
  );

  const targets = [
    // A throughput figure is only comparable when every record arrived: pino loses none.
    absoluteTarget({
      id: 'predlog_dropped_records',
      subject: { label: 'predlog dropped (median run)', value: best.predlog.dropped },
      unit: 'records',
      comparison: '<=',
      limit: 0,
    }),
    ratioTarget({
      id: 'predlog_vs_pino_records_per_s',
      subject: { label: 'predlog records/s', value: best.predlog.recordsPerSecond },
      peer: { label: 'pino records/s', value: best.pino.recordsPerSecond },
      unit: 'records/s',
      comparison: '>=',
      limit: 1.5,
    }),
    ratioTarget({
      id: 'predlog_vs_json_stringify_records_per_s',
      subject: { label: 'predlog records/s', value: best.predlog.recordsPerSecond },
      peer: { label: 'JSON.stringify records/s', value: best.jsonStringify.recordsPerSecond },
      unit: 'records/s',
      comparison: '>=',
      limit: 0.6,
    }),
  ];
  return {
    parameters: {
      records: RECORDS,
      blockRecords: BLOCK,
      repeats: REPEATS,
      warmupRecords: WARMUP_RECORDS,
      predlogHighWater: HIGH_WATER,
    },
    figures: { median: best, runs },
    targets,
    notes: [
      'records/s counts records delivered (in the file for predlog and pino); predlog time ends when forceFlush() resolves, pino time when its stream has ended.',
      'gzip of closed files is off for predlog (pino does not compress either).',
    ],
  };
}

await runBenchProcess('file-e2e', 'end-to-end records/s into files vs pino and JSON.stringify', body);
