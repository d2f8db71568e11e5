/**
 * Overload and sustained load into the file exporter.
 * (a) A tight synchronous loop of 1,000,000 record() calls (no event-loop turn until it ends): after
 *     shutdown the ledger must balance exactly, received = exported + Σ dropped (+ sampled out), and
 *     the lines on disk must equal `exported`. Beside it, the stock OTel BatchLogRecordProcessor with
 *     its defaults takes the same burst; only its exporter's count says what survived.
 * (b) 20,000 records/s for 60 s (`--duration` shortens it), paced by a 10 ms timer that sends what is
 *     due, timing every record() call: drops (target zero), achieved rate, event-loop delay.
 */
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { PipelineStats } from '@predlog/core';
import { type BenchOutcome, collectGarbage, numberFlag, runBenchProcess } from './lib/bench-process.ts';
import { DemoTraffic } from './lib/demo-record.ts';
import { fileTreeStats, makeTempDir, removeTempDir } from './lib/file-tree-stats.ts';
import { LatencyRecorder, timeEachCall } from './lib/latency-stats.ts';
import { createOtelPeer } from './lib/otel-peer.ts';
import { createFileLogger, DiagnosticsTally } from './lib/predlog-file-logger.ts';
import { absoluteTarget, type TargetResult } from './lib/targets.ts';
import { formatNs, formatRate, renderTable } from './lib/text-table.ts';

const BURST_RECORDS = numberFlag('burst-records', 1_000_000);
const DURATION_S = numberFlag('duration', 60);
const RATE = numberFlag('rate', 20_000);
const TICK_MS = numberFlag('tick-ms', 10);

const traffic = new DemoTraffic();
const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);
/** monitorEventLoopDelay reports the sampling interval plus the delay; it is subtracted below. */
const LOOP_DELAY_RESOLUTION_MS = 1;
const loopDelayMs = (ns: number) => Math.max(0, ns / 1e6 - LOOP_DELAY_RESOLUTION_MS);
const mib = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1));

/** received = sampledOut + Σ dropped + Σ exported, once nothing is in flight. */
function ledger(stats: PipelineStats) {
  const exported = sum(stats.exported);
  const dropped = sum(stats.dropped);
  const inFlight = stats.queueDepth + sum(stats.exportQueueDepth);
  return {
    received: stats.received,
    exported,
    dropped,
    sampledOut: stats.sampledOut,
    inFlight,
    difference: stats.received - (exported + dropped + stats.sampledOut),
  };
}

async function burstPredlog(dir: string) {
  const diagnostics = new DiagnosticsTally();
  const logger = await createFileLogger({ directory: dir, diagnostics });
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  for (let i = 0; i < BURST_RECORDS; i++) logger.record(traffic.predictionInput(i));
  const loopMs = performance.now() - t0;
  const heapAfterLoop = process.memoryUsage().heapUsed;
  await logger.forceFlush();
  const flushedMs = performance.now() - t0;
  await logger.shutdown();
  const stats = logger.stats();
  const files = await fileTreeStats(dir);
  return {
    loopMs,
    loopNsPerRecord: (loopMs * 1e6) / BURST_RECORDS,
    flushedMs,
    heapGrowthMiB: mib(heapAfterLoop - heapBefore),
    stats,
    ledger: ledger(stats),
    linesOnDisk: files.lines,
    bytesOnDisk: files.bytes,
    diagnostics: diagnostics.snapshot(),
  };
}

async function burstOtel() {
  const otel = createOtelPeer();
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  for (let i = 0; i < BURST_RECORDS; i++) otel.logger.emit(traffic.otelRecord(i));
  const loopMs = performance.now() - t0;
  const heapAfterLoop = process.memoryUsage().heapUsed;
  await otel.provider.forceFlush();
  const flushedMs = performance.now() - t0;
  await otel.provider.shutdown();
  return {
    loopMs,
    loopNsPerRecord: (loopMs * 1e6) / BURST_RECORDS,
    flushedMs,
    heapGrowthMiB: mib(heapAfterLoop - heapBefore),
    emitted: BURST_RECORDS,
    exporterReceived: otel.exporter.received,
    lostSilently: BURST_RECORDS - otel.exporter.received,
  };
}

async function sustained(dir: string) {
  const diagnostics = new DiagnosticsTally();
  // The exporter's defaults, gzip included: this is the steady state a deployment would run.
  const logger = await createFileLogger({ directory: dir, diagnostics, compress: true });
  const perTick = (RATE * TICK_MS) / 1000;
  const recorder = new LatencyRecorder(Math.ceil(RATE * DURATION_S) + 10 * perTick);
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  const record = (i: number) => logger.record(traffic.predictionInput(i));
  let sent = 0;
  let ticks = 0;
  let maxPerTick = 0;
  let maxBoundaryDepth = 0;
  let maxExportDepth = 0;
  let sink = 0;
  collectGarbage();
  loopDelay.enable();
  const t0 = performance.now();
  const endAt = t0 + DURATION_S * 1000;
  let lastTick = t0;
  let nextReport = t0 + 10_000;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      lastTick = Math.min(now, endAt);
      // What is due by now: a late tick catches up, so the offered load stays at RATE.
      const due = Math.floor(((lastTick - t0) / 1000) * RATE) - sent;
      if (due > 0) {
        sink += timeEachCall(record, sent, due, recorder);
        sent += due;
        if (due > maxPerTick) maxPerTick = due;
      }
      ticks++;
      const stats = logger.stats();
      if (stats.queueDepth > maxBoundaryDepth) maxBoundaryDepth = stats.queueDepth;
      const exportDepth = sum(stats.exportQueueDepth);
      if (exportDepth > maxExportDepth) maxExportDepth = exportDepth;
      if (now >= nextReport) {
        nextReport += 10_000;
        console.log(
          `  ${Math.round((now - t0) / 1000)} s: sent ${sent.toLocaleString('en-US')}, exported ${sum(stats.exported).toLocaleString('en-US')}, dropped ${sum(stats.dropped)}`,
        );
      }
      if (now >= endAt) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
  loopDelay.disable();
  const elapsedS = (lastTick - t0) / 1000;
  const atEnd = logger.stats();
  const flushStarted = performance.now();
  await logger.forceFlush();
  const flushMs = performance.now() - flushStarted;
  await logger.shutdown();
  const stats = logger.stats();
  const files = await fileTreeStats(dir);
  const latency = recorder.summary();
  return {
    requestedRate: RATE,
    durationS: elapsedS,
    sent,
    achievedRate: sent / elapsedS,
    ticks,
    maxRecordsPerTick: maxPerTick,
    exportedWhenSendingStopped: sum(atEnd.exported),
    flushAfterEndMs: flushMs,
    maxBoundaryDepth,
    maxExportQueueDepth: maxExportDepth,
    dropped: sum(stats.dropped),
    droppedByReason: stats.dropped,
    exportedRate: sum(stats.exported) / (elapsedS + flushMs / 1000),
    recordLatency: latency,
    eventLoopDelayMs: {
      p50: loopDelayMs(loopDelay.percentile(50)),
      p99: loopDelayMs(loopDelay.percentile(99)),
      max: loopDelayMs(loopDelay.max),
    },
    stats,
    ledger: ledger(stats),
    filesOnDisk: files.files,
    bytesOnDisk: files.bytes,
    diagnostics: diagnostics.snapshot(),
    sink,
  };
}

async function body(): Promise<BenchOutcome> {
  const dir = await makeTempDir('burst');
  try {
    const predlog = await burstPredlog(path.join(dir, 'burst'));
    const otel = await burstOtel();
    console.log(`\n(a) Burst: ${BURST_RECORDS.toLocaleString('en-US')} records in one synchronous loop`);
    console.log(
      renderTable(
        [
          'peer',
          'loop ns/record',
          'loop ms',
          'flushed ms',
          'heap +MiB',
          'delivered',
          'dropped (counted)',
          'lost silently',
        ],
        [
          [
            'predlog record() -> file (defaults)',
            Math.round(predlog.loopNsPerRecord),
            Math.round(predlog.loopMs),
            Math.round(predlog.flushedMs),
            predlog.heapGrowthMiB,
            predlog.ledger.exported,
            predlog.ledger.dropped,
            predlog.ledger.difference,
          ],
          [
            'OTel emit() -> BatchLogRecordProcessor (defaults)',
            Math.round(otel.loopNsPerRecord),
            Math.round(otel.loopMs),
            Math.round(otel.flushedMs),
            otel.heapGrowthMiB,
            otel.exporterReceived,
            0,
            otel.lostSilently,
          ],
        ],
      ),
    );
    const l = predlog.ledger;
    console.log(
      `predlog ledger: received ${l.received} = exported ${l.exported} + dropped ${l.dropped} + sampled out ${l.sampledOut} ` +
        `(difference ${l.difference}, in flight ${l.inFlight}); lines on disk ${predlog.linesOnDisk}`,
    );
    console.log(`predlog stats(): ${JSON.stringify(predlog.stats)}`);

    const run = await sustained(path.join(dir, 'sustained'));
    console.log(
      `\n(b) Sustained ${formatRate(RATE)} for ${DURATION_S} s, ${TICK_MS} ms ticks, file exporter defaults (gzip on)`,
    );
    console.log(
      renderTable(
        ['figure', 'value'],
        [
          ['achieved rate', formatRate(run.achievedRate)],
          ['sent', run.sent],
          ['dropped', run.dropped],
          ['delivered (exported)', run.ledger.exported],
          ['exported when sending stopped', run.exportedWhenSendingStopped],
          ['flush after end', `${Math.round(run.flushAfterEndMs)} ms`],
          ['max boundary queue depth', run.maxBoundaryDepth],
          ['max export queue depth', run.maxExportQueueDepth],
          ['max records in one tick', run.maxRecordsPerTick],
          [
            'record() p50 / p99 / p99.9',
            `${formatNs(run.recordLatency.p50Ns)} / ${formatNs(run.recordLatency.p99Ns)} / ${formatNs(run.recordLatency.p999Ns)}`,
          ],
          [
            'event-loop delay p50 / p99 / max',
            `${run.eventLoopDelayMs.p50.toFixed(1)} / ${run.eventLoopDelayMs.p99.toFixed(1)} / ${run.eventLoopDelayMs.max.toFixed(1)} ms`,
          ],
          [
            'files / MB on disk (gzipped when closed)',
            `${run.filesOnDisk} / ${(run.bytesOnDisk / 1e6).toFixed(1)}`,
          ],
          ['ledger difference', run.ledger.difference],
        ],
      ),
    );

    const targets: TargetResult[] = [
      absoluteTarget({
        id: 'burst_ledger_difference',
        subject: {
          label: 'burst: received - (exported + dropped + sampled out)',
          value: Math.abs(l.difference),
        },
        unit: 'records',
        comparison: '<=',
        limit: 0,
      }),
      absoluteTarget({
        id: 'burst_lines_vs_exported',
        subject: {
          label: 'burst: |lines on disk - exported|',
          value: Math.abs(predlog.linesOnDisk - l.exported),
        },
        unit: 'records',
        comparison: '<=',
        limit: 0,
      }),
      absoluteTarget({
        id: 'sustained_drops',
        subject: { label: `sustained ${RATE}/s: dropped`, value: run.dropped },
        unit: 'records',
        comparison: '<=',
        limit: 0,
      }),
      absoluteTarget({
        id: 'sustained_ledger_difference',
        subject: {
          label: 'sustained: received - (exported + dropped + sampled out)',
          value: Math.abs(run.ledger.difference),
        },
        unit: 'records',
        comparison: '<=',
        limit: 0,
      }),
    ];
    return {
      parameters: { burstRecords: BURST_RECORDS, durationS: DURATION_S, rate: RATE, tickMs: TICK_MS },
      figures: { burst: { predlog, otel }, sustained: run },
      targets,
      notes: [
        'The burst uses the file exporter with gzip off; the sustained run uses the exporter defaults (gzip of closed files on).',
        'OTel BatchLogRecordProcessor drops records beyond maxQueueSize (2048) without counting them; "lost silently" is emitted minus what its exporter received.',
      ],
    };
  } finally {
    await removeTempDir(dir);
  }
}

await runBenchProcess(
  'burst',
  'a 1M-record burst and a sustained 20k records/s load into the file exporter',
  body,
);
