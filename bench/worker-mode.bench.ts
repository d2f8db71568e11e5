/**
 * Serving-thread CPU per record, `logger.thread: inline` vs `worker` (issue 14 item 2): 100k demo
 * records through `record()` with the file exporter, in blocks of 1,000 with an event-loop turn
 * between blocks (as in a server, so inline mode's background drain, processors and exporter run
 * on this thread as they would). Measured with `process.threadCpuUsage()`, once up to the last
 * `record()` and once through `forceFlush()` (inline mode does all its work on this thread; worker
 * mode only the decision, the capture into ring frames and the hand-off).
 */
import path from 'node:path';
import type { PredictionLogger } from '@predlog/core';
import { type BenchOutcome, collectGarbage, numberFlag, runBenchProcess } from './lib/bench-process.ts';
import { DemoTraffic } from './lib/demo-record.ts';
import { nextTurn } from './lib/event-loop-turn.ts';
import { makeTempDir, removeTempDir } from './lib/file-tree-stats.ts';
import { createFileLogger, DiagnosticsTally } from './lib/predlog-file-logger.ts';
import { renderTable } from './lib/text-table.ts';
import { threadCpuMicros } from './lib/thread-cpu.ts';

const RECORDS = numberFlag('records', 100_000);
const BLOCK = numberFlag('block', 1000);
const WARMUP = numberFlag('warmup', 20_000);

interface ModeFigures {
  /** Serving-thread CPU per record, ns: the record() calls and the turns between blocks. */
  cpuPerRecordNs: number;
  /** Same, through forceFlush() (everything settled). */
  cpuPerRecordFlushedNs: number;
  /** CPU of the whole process (both threads) per record, through forceFlush(). */
  processCpuPerRecordNs: number;
  wallMs: number;
  exported: number;
  dropped: Record<string, number>;
}

/** CPU of every thread of the process (user + system), in microseconds. */
function processCpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

async function drive(
  logger: PredictionLogger,
  traffic: DemoTraffic,
  from: number,
  count: number,
): Promise<void> {
  for (let done = 0; done < count; done += BLOCK) {
    const n = Math.min(BLOCK, count - done);
    for (let k = 0; k < n; k++) logger.record(traffic.predictionInput(from + done + k));
    await nextTurn();
  }
}

async function measure(thread: 'inline' | 'worker', dir: string, traffic: DemoTraffic): Promise<ModeFigures> {
  const logger = await createFileLogger({
    directory: path.join(dir, thread),
    diagnostics: new DiagnosticsTally(),
    logger: { thread },
  });
  try {
    await drive(logger, traffic, 0, WARMUP);
    await logger.forceFlush();
    collectGarbage();
    const before = logger.stats();
    const wall0 = performance.now();
    const process0 = processCpuMicros();
    const cpu0 = threadCpuMicros();
    await drive(logger, traffic, WARMUP, RECORDS);
    const cpu1 = threadCpuMicros();
    await logger.forceFlush();
    const cpu2 = threadCpuMicros();
    const process2 = processCpuMicros();
    const wallMs = performance.now() - wall0;
    const after = logger.stats();
    const dropped: Record<string, number> = {};
    for (const [k, n] of Object.entries(after.dropped)) {
      const delta = n - (before.dropped[k] ?? 0);
      if (delta > 0) dropped[k] = delta;
    }
    return {
      cpuPerRecordNs: Math.round(((cpu1 - cpu0) * 1000) / RECORDS),
      cpuPerRecordFlushedNs: Math.round(((cpu2 - cpu0) * 1000) / RECORDS),
      processCpuPerRecordNs: Math.round(((process2 - process0) * 1000) / RECORDS),
      wallMs: Math.round(wallMs),
      exported: (after.exported.file ?? 0) - (before.exported.file ?? 0),
      dropped,
    };
  } finally {
    await logger.shutdown();
  }
}

async function body(): Promise<BenchOutcome> {
  const dir = await makeTempDir('worker-mode');
  try {
    const traffic = new DemoTraffic();
    const inline = await measure('inline', dir, traffic);
    const worker = await measure('worker', dir, traffic);
    const row = (label: string, f: ModeFigures) => [
      label,
      `${f.cpuPerRecordNs} ns`,
      `${f.cpuPerRecordFlushedNs} ns`,
      `${f.processCpuPerRecordNs} ns`,
      `${f.wallMs} ms`,
      String(f.exported),
      JSON.stringify(f.dropped),
    ];
    console.log(
      renderTable(
        ['thread', 'serving CPU/record', 'through forceFlush', 'all threads', 'wall', 'exported', 'dropped'],
        [row('inline', inline), row('worker', worker)],
      ),
    );
    return {
      parameters: { records: RECORDS, block: BLOCK, warmup: WARMUP },
      figures: { inline, worker },
      targets: [],
      notes: ['serving-thread CPU from process.threadCpuUsage(); the worker thread is not counted'],
    };
  } finally {
    await removeTempDir(dir);
  }
}

await runBenchProcess('worker-mode', 'serving-thread CPU per record, logger.thread inline vs worker', body);
