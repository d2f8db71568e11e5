/**
 * Hot-path latency of logging one prediction, per call, against the peers of issue 2, all in one
 * process and one run: predlog `record()` with the file exporter (100% kept), `record()` sampled out
 * by a head sampler, the OTel SDK's `logger.emit()`, pino `logger.info()` to a file, and a bare
 * `JSON.stringify`. Peers run in alternating blocks of calls, the order rotating every round, and
 * the event loop turns between blocks so each logger's background work runs as it would in a server.
 */
import path from 'node:path';
import { type BenchOutcome, collectGarbage, numberFlag, runBenchProcess } from './lib/bench-process.ts';
import { DemoTraffic } from './lib/demo-record.ts';
import { nextTurn } from './lib/event-loop-turn.ts';
import { fileTreeStats, makeTempDir, removeTempDir } from './lib/file-tree-stats.ts';
import { HashRateSampler } from './lib/hash-rate-sampler.ts';
import { LatencyRecorder, type LatencySummary, timeEachCall } from './lib/latency-stats.ts';
import { createOtelPeer } from './lib/otel-peer.ts';
import { createPinoPeer } from './lib/pino-peer.ts';
import { createFileLogger, createSampledFileLogger, DiagnosticsTally } from './lib/predlog-file-logger.ts';
import { ratioTarget } from './lib/targets.ts';
import { formatNs, renderTable } from './lib/text-table.ts';

const BLOCK = numberFlag('block', 1000);
const ROUNDS = numberFlag('rounds', 120);
const WARMUP_ROUNDS = numberFlag('warmup-rounds', 20);
const SAMPLE_RATE = 0.1;

interface Peer {
  key: string;
  label: string;
  recorder: LatencyRecorder;
  /** Runs and times `count` calls starting at call number `from`. */
  block(from: number, count: number): void;
}

async function body(): Promise<BenchOutcome> {
  const dir = await makeTempDir('core-record');
  try {
    const traffic = new DemoTraffic();
    const capacity = ROUNDS * BLOCK;
    const predlogDiagnostics = new DiagnosticsTally();
    const recordLogger = await createFileLogger({
      directory: path.join(dir, 'predlog'),
      diagnostics: predlogDiagnostics,
    });
    const sampledDiagnostics = new DiagnosticsTally();
    const sampler = new HashRateSampler(SAMPLE_RATE);
    const sampledLogger = await createSampledFileLogger({
      directory: path.join(dir, 'predlog-sampled'),
      diagnostics: sampledDiagnostics,
      sampler,
    });
    const otel = createOtelPeer();
    const pinoPeer = await createPinoPeer(path.join(dir, 'pino', 'pino.ndjson'));
    const sink = { value: 0 };

    const peer = <T>(
      key: string,
      label: string,
      call: (i: number) => T,
      keep?: (result: T) => boolean,
      recorder = new LatencyRecorder(capacity),
    ): Peer => ({
      key,
      label,
      recorder,
      block(from, count) {
        sink.value += timeEachCall(call, from, count, this.recorder, keep);
      },
    });
    const peers: Peer[] = [
      peer('harness', 'harness: pick record + 2x hrtime', (i) => traffic.flatRecord(i)),
      peer('predlogRecord', 'predlog record() 100%, file exporter', (i) =>
        recordLogger.record(traffic.predictionInput(i)),
      ),
      peer(
        'predlogSampledOut',
        `predlog record() sampled out (FNV-1a head, rate ${SAMPLE_RATE})`,
        (i) => sampledLogger.record(traffic.predictionInput(i)),
        (id) => id === undefined,
      ),
      peer('otelEmit', 'OTel SDK logger.emit(), batch processor', (i) =>
        otel.logger.emit(traffic.otelRecord(i)),
      ),
      peer('pinoInfo', 'pino logger.info(), file, sync: false', (i) =>
        pinoPeer.logger.info(traffic.flatRecord(i)),
      ),
      peer('jsonStringify', 'JSON.stringify(record)', (i) => JSON.stringify(traffic.flatRecord(i))),
    ];

    const warmupRecorder = new LatencyRecorder(0);
    const run = async (rounds: number, measure: boolean, firstCall: number): Promise<number> => {
      let call = firstCall;
      for (let round = 0; round < rounds; round++) {
        for (let k = 0; k < peers.length; k++) {
          const p = peers[(round + k) % peers.length] as Peer;
          if (measure) p.block(call, BLOCK);
          else {
            // Warm-up blocks go to a throwaway recorder so they never count.
            const kept = p.recorder;
            p.recorder = warmupRecorder;
            p.block(call, BLOCK);
            p.recorder = kept;
          }
          await nextTurn();
        }
        call += BLOCK;
      }
      return call;
    };
    const next = await run(WARMUP_ROUNDS, false, 0);
    collectGarbage();
    const measureStarted = performance.now();
    await run(ROUNDS, true, next);
    const measureMs = performance.now() - measureStarted;

    await recordLogger.forceFlush();
    await sampledLogger.forceFlush();
    await otel.provider.forceFlush();
    const callsPerPeer = (WARMUP_ROUNDS + ROUNDS) * BLOCK;
    const recordStats = recordLogger.stats();
    const sampledStats = sampledLogger.stats();
    await recordLogger.shutdown();
    await sampledLogger.shutdown();
    await otel.provider.shutdown();
    await pinoPeer.end();
    const predlogFiles = await fileTreeStats(path.join(dir, 'predlog'));
    const pinoFiles = await fileTreeStats(path.join(dir, 'pino'));

    const summaries: Record<string, LatencySummary & { label: string }> = {};
    for (const p of peers) summaries[p.key] = { label: p.label, ...p.recorder.summary() };
    const s = (key: string) => summaries[key] as LatencySummary & { label: string };

    console.log(
      `\nPer-call latency, ${ROUNDS} rounds x ${BLOCK} calls per peer after ${WARMUP_ROUNDS} warm-up rounds (${Math.round(measureMs)} ms)`,
    );
    console.log(
      renderTable(
        ['peer', 'calls', 'p50', 'p90', 'p99', 'p99.9', 'max', 'mean'],
        peers.map((p) => {
          const x = s(p.key);
          return [
            p.label,
            x.count,
            formatNs(x.p50Ns),
            formatNs(x.p90Ns),
            formatNs(x.p99Ns),
            formatNs(x.p999Ns),
            formatNs(x.maxNs),
            formatNs(x.meanNs),
          ];
        }),
      ),
    );
    const sumDropped = (d: Record<string, number>) => Object.values(d).reduce((a, b) => a + b, 0);
    const sumExported = (d: Record<string, number>) => Object.values(d).reduce((a, b) => a + b, 0);
    console.log('\nWhat each logger delivered');
    console.log(
      renderTable(
        ['peer', 'calls', 'delivered', 'dropped', 'note'],
        [
          [
            'predlog 100%',
            recordStats.received,
            sumExported(recordStats.exported),
            sumDropped(recordStats.dropped),
            `${predlogFiles.lines} lines on disk`,
          ],
          [
            'predlog sampled',
            sampledStats.received,
            sumExported(sampledStats.exported),
            sumDropped(sampledStats.dropped),
            `${sampledStats.sampledOut} sampled out`,
          ],
          [
            'OTel emit',
            callsPerPeer,
            otel.exporter.received,
            callsPerPeer - otel.exporter.received,
            'counted by its exporter',
          ],
          ['pino', callsPerPeer, pinoFiles.lines, callsPerPeer - pinoFiles.lines, 'lines on disk'],
        ],
      ),
    );

    const harness = s('harness').p50Ns;
    const record = s('predlogRecord');
    const sampled = s('predlogSampledOut');
    const emit = s('otelEmit');
    const targets = [
      ratioTarget({
        id: 'record_p50_vs_emit_p50',
        subject: { label: 'record() 100% p50', value: record.p50Ns },
        peer: { label: 'OTel emit() p50', value: emit.p50Ns },
        unit: 'ns',
        comparison: '<=',
        limit: 0.4,
      }),
      ratioTarget({
        id: 'record_p99_vs_emit_p99',
        subject: { label: 'record() 100% p99', value: record.p99Ns },
        peer: { label: 'OTel emit() p99', value: emit.p99Ns },
        unit: 'ns',
        comparison: '<=',
        limit: 0.5,
      }),
      ratioTarget({
        id: 'sampled_out_p50_vs_emit_p50',
        subject: { label: 'record() sampled-out p50', value: sampled.p50Ns },
        peer: { label: 'OTel emit() p50', value: emit.p50Ns },
        unit: 'ns',
        comparison: '<=',
        limit: 0.1,
      }),
    ];
    const net = (x: number) => Math.max(0, x - harness);
    return {
      parameters: {
        blockCalls: BLOCK,
        rounds: ROUNDS,
        warmupRounds: WARMUP_ROUNDS,
        samplerRate: SAMPLE_RATE,
        recordJsonBytesMean: Math.round(traffic.meanJsonBytes()),
        timer: 'process.hrtime.bigint() around each call',
      },
      figures: {
        latency: summaries,
        harnessOverheadP50Ns: harness,
        /** Ratios with the harness overhead (timer + picking the record) subtracted from both sides. */
        netRatios: {
          recordP50VsEmitP50: net(record.p50Ns) / net(emit.p50Ns),
          recordP99VsEmitP99: net(record.p99Ns) / net(emit.p99Ns),
          sampledOutP50VsEmitP50: net(sampled.p50Ns) / net(emit.p50Ns),
        },
        delivered: {
          predlog: { stats: recordStats, linesOnDisk: predlogFiles.lines, bytesOnDisk: predlogFiles.bytes },
          predlogSampled: { stats: sampledStats },
          otel: { emitted: callsPerPeer, exported: otel.exporter.received, batches: otel.exporter.batches },
          pino: { logged: callsPerPeer, linesOnDisk: pinoFiles.lines, bytesOnDisk: pinoFiles.bytes },
        },
        diagnostics: {
          predlog: predlogDiagnostics.snapshot(),
          predlogSampled: sampledDiagnostics.snapshot(),
        },
        measureMs: Math.round(measureMs),
        sink: sink.value,
      },
      targets,
      notes: [
        'Targets compare raw per-call timings; figures.netRatios subtracts the harness overhead (timer pair + picking the record) from both sides.',
        'The OTel peer emits ml.* attributes plus a body map (the shape predlog produces); the SDK copies attributes and keeps the body by reference.',
      ],
    };
  } finally {
    await removeTempDir(dir);
  }
}

await runBenchProcess(
  'core-record',
  'per-call latency of logging one prediction vs OTel emit, pino, JSON.stringify',
  body,
);
