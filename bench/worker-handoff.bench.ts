/**
 * Serving-thread cost of handing a prediction to a pipeline worker (issue 14, item 2): predlog's
 * capture straight into a SharedArrayBuffer ring frame (one walk, no object graph, no per-record
 * message), beside the ways Node apps hand records to a worker today (JSON.stringify + postMessage,
 * a structured-clone postMessage, pino's worker transport) and beside predlog's own inline
 * `record()` (capture, drain, serialisation and file I/O all on the serving thread).
 *
 * Serving-thread CPU is `process.threadCpuUsage()` of the thread that calls, over the whole run:
 * what the peer's background work costs on that thread counts, what runs in a worker does not.
 * (a) 20,000 records/s, paced by a 10 ms timer (the timer's own cost, measured with a no-op call, is
 *     taken off); (b) flat out, blocks of 1,000 calls with an event-loop turn between them; (c)
 *     per-call latency of the hand-off beside the OTel SDK's emit(); (d) the capture alone beside
 *     JSON.stringify and today's in-thread capture, and the worker's decode of a frame.
 *
 * The worker modules are not exported by @predlog/core until PredictionLogger takes them (see
 * packages/core/src/worker/README-integration.md), so they are imported from its source here.
 */
import { once } from 'node:events';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { loggerConfigSchema } from '@predlog/core';
import { pino } from 'pino';
import { type CaptureOptions, RecordCapture } from '../packages/core/src/internal/record-capture.ts';
import { createByteRing } from '../packages/core/src/worker/byte-ring-layout.ts';
import { ByteRingReader } from '../packages/core/src/worker/byte-ring-reader.ts';
import { ByteRingWriter } from '../packages/core/src/worker/byte-ring-writer.ts';
import { PipelineWorkerHost } from '../packages/core/src/worker/pipeline-worker-host.ts';
import { readPredictionFrame } from '../packages/core/src/worker/prediction-frame-reader.ts';
import { PredictionFrameWriter } from '../packages/core/src/worker/prediction-frame-writer.ts';
import { createShapeTable, ShapeReader, ShapeRegistry } from '../packages/core/src/worker/shape-table.ts';
import { ValueDecoder } from '../packages/core/src/worker/value-decoder.ts';
import { type BenchOutcome, collectGarbage, numberFlag, runBenchProcess } from './lib/bench-process.ts';
import { DEMO_MODEL, DEMO_SERVING_NODE, DemoTraffic } from './lib/demo-record.ts';
import { nextTurn } from './lib/event-loop-turn.ts';
import { fileTreeStats, makeTempDir, removeTempDir } from './lib/file-tree-stats.ts';
import { LatencyRecorder, type LatencySummary, timeEachCall } from './lib/latency-stats.ts';
import { createOtelPeer } from './lib/otel-peer.ts';
import { createPinoPeer } from './lib/pino-peer.ts';
import { createFileLogger, DiagnosticsTally } from './lib/predlog-file-logger.ts';
import { absoluteTarget, ratioTarget, type TargetResult } from './lib/targets.ts';
import { formatNs, formatRate, renderTable } from './lib/text-table.ts';
import { threadCpuMicros } from './lib/thread-cpu.ts';

const DURATION_S = numberFlag('duration', 10);
const RATE = numberFlag('rate', 20_000);
const TICK_MS = numberFlag('tick-ms', 10);
const FLAT_RECORDS = numberFlag('records', 200_000);
const BLOCK = numberFlag('block', 1000);
const ROUNDS = numberFlag('rounds', 100);

const traffic = new DemoTraffic();
const SINK = {
  specifier: new URL('./lib/counting-worker-sink.ts', import.meta.url).href,
  exportName: 'countingWorkerSink',
};
const COUNTER_WORKER = new URL('./lib/message-counter-worker.ts', import.meta.url);
const CAPTURE: CaptureOptions = {
  ...loggerConfigSchema.parse({}),
  model: DEMO_MODEL,
  servingNode: DEMO_SERVING_NODE,
};

/** One way of handing records off, as the CPU runs use it. */
interface CpuPeer {
  key: string;
  label: string;
  call(i: number): unknown;
  /** Waits until everything handed off is settled; says how many records arrived and were lost. */
  finish(): Promise<{ delivered: number; lost: number }>;
}

async function handoffPeer(tally: DiagnosticsTally): Promise<CpuPeer & { host: PipelineWorkerHost }> {
  const host = new PipelineWorkerHost({ sink: SINK, diagnostics: tally.channel });
  await host.start();
  const frames = new PredictionFrameWriter(host.ring, CAPTURE, undefined, host.shapes);
  return {
    key: 'handoff',
    label: 'predlog: capture into the ring, pipeline worker',
    host,
    call: (i) => frames.write(traffic.predictionInput(i), undefined, 1, undefined),
    async finish() {
      await host.flush();
      const stats = host.stats();
      await host.shutdown();
      return { delivered: stats.counters['exported:count'] ?? 0, lost: stats.refused + stats.workerDied };
    },
  };
}

async function inlinePeer(dir: string, tally: DiagnosticsTally): Promise<CpuPeer> {
  const logger = await createFileLogger({ directory: dir, diagnostics: tally });
  return {
    key: 'inline',
    label: 'predlog record() today: inline, file exporter',
    call: (i) => logger.record(traffic.predictionInput(i)),
    async finish() {
      await logger.forceFlush();
      const stats = logger.stats();
      await logger.shutdown();
      const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
      return { delivered: sum(stats.exported), lost: sum(stats.dropped) };
    },
  };
}

async function messagePeer(
  key: string,
  label: string,
  send: (worker: Worker, i: number) => void,
): Promise<CpuPeer> {
  const worker = new Worker(COUNTER_WORKER);
  await once(worker, 'online');
  let sent = 0;
  return {
    key,
    label,
    call: (i) => {
      send(worker, i);
      sent++;
    },
    async finish() {
      const answer = once(worker, 'message');
      worker.postMessage('count');
      const [received] = (await answer) as [number];
      await worker.terminate();
      return { delivered: received, lost: sent - received };
    },
  };
}

async function pinoTransportPeer(dir: string): Promise<CpuPeer> {
  const file = path.join(dir, 'pino-transport.ndjson');
  const transport = pino.transport({ target: 'pino/file', options: { destination: file, mkdir: true } });
  await once(transport, 'ready');
  const logger = pino(transport);
  let sent = 0;
  return {
    key: 'pinoTransport',
    label: 'pino info(), worker transport (thread-stream) to a file',
    call: (i) => {
      logger.info(traffic.flatRecord(i));
      sent++;
    },
    async finish() {
      const closed = once(transport, 'close');
      transport.end();
      await closed;
      const lines = (await fileTreeStats(dir)).lines;
      return { delivered: lines, lost: sent - lines };
    },
  };
}

async function pinoFilePeer(dir: string): Promise<CpuPeer> {
  const peer = await createPinoPeer(path.join(dir, 'pino.ndjson'));
  let sent = 0;
  return {
    key: 'pinoFile',
    label: 'pino info(), file, sync: false (writes on this thread)',
    call: (i) => {
      peer.logger.info(traffic.flatRecord(i));
      sent++;
    },
    async finish() {
      await peer.end();
      const lines = (await fileTreeStats(dir)).lines;
      return { delivered: lines, lost: sent - lines };
    },
  };
}

/** Builds each peer afresh for a run (its counts then belong to that run alone). */
type PeerFactory = () => Promise<CpuPeer>;

interface PacedResult {
  key: string;
  label: string;
  sent: number;
  achievedRate: number;
  /** Serving-thread CPU over the run per record, the pacing timer's own cost taken off. */
  cpuPerRecordNs: number;
  /** The same, before taking the timer's cost off. */
  grossCpuPerRecordNs: number;
  delivered: number;
  lost: number;
}

/** Offers RATE records/s for DURATION_S, a TICK_MS timer sending what is due. */
async function paced(peer: CpuPeer, timerCpuPerRecordNs: number): Promise<PacedResult> {
  collectGarbage();
  let sent = 0;
  // Only whole runs are measured: this kernel accounts thread CPU at its timer tick, so a window as
  // short as one tick's calls (which start right after a timer wake-up) reads far too low.
  const cpu0 = threadCpuMicros();
  const t0 = performance.now();
  const endAt = t0 + DURATION_S * 1000;
  let last = t0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      last = Math.min(now, endAt);
      const due = Math.floor(((last - t0) / 1000) * RATE) - sent;
      if (due > 0) {
        for (let i = sent; i < sent + due; i++) peer.call(i);
        sent += due;
      }
      if (now >= endAt) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
  const cpu = threadCpuMicros() - cpu0;
  const { delivered, lost } = await peer.finish();
  const gross = (cpu * 1000) / sent;
  return {
    key: peer.key,
    label: peer.label,
    sent,
    achievedRate: sent / ((last - t0) / 1000),
    grossCpuPerRecordNs: gross,
    cpuPerRecordNs: Math.max(0, gross - timerCpuPerRecordNs),
    delivered,
    lost,
  };
}

interface FlatResult {
  key: string;
  label: string;
  records: number;
  recordsPerSecond: number;
  /** Serving-thread CPU per record while the calls and their event-loop turns ran. */
  cpuPerRecordNs: number;
  /** The same, with the wait for everything to be settled after the last call. */
  cpuWithFinishPerRecordNs: number;
  delivered: number;
  lost: number;
}

async function flatOut(peer: CpuPeer): Promise<FlatResult> {
  collectGarbage();
  const cpu0 = threadCpuMicros();
  const t0 = performance.now();
  for (let from = 0; from < FLAT_RECORDS; from += BLOCK) {
    const end = Math.min(FLAT_RECORDS, from + BLOCK);
    for (let i = from; i < end; i++) peer.call(i);
    await nextTurn();
  }
  const wallMs = performance.now() - t0;
  const cpu = threadCpuMicros() - cpu0;
  const { delivered, lost } = await peer.finish();
  const cpuWithFinish = threadCpuMicros() - cpu0;
  return {
    key: peer.key,
    label: peer.label,
    records: FLAT_RECORDS,
    recordsPerSecond: FLAT_RECORDS / (wallMs / 1000),
    cpuPerRecordNs: (cpu * 1000) / FLAT_RECORDS,
    cpuWithFinishPerRecordNs: (cpuWithFinish * 1000) / FLAT_RECORDS,
    delivered,
    lost,
  };
}

/** Per-call latency of the hand-off beside OTel emit(), alternating blocks with event-loop turns. */
async function latency(tally: DiagnosticsTally) {
  const handoff = await handoffPeer(tally);
  const otel = createOtelPeer();
  const capacity = ROUNDS * BLOCK;
  const peers = [
    { key: 'handoff', recorder: new LatencyRecorder(capacity), call: handoff.call },
    {
      key: 'otelEmit',
      recorder: new LatencyRecorder(capacity),
      call: (i: number) => otel.logger.emit(traffic.otelRecord(i)),
    },
  ];
  const warm = new LatencyRecorder(0);
  let sink = 0;
  for (let round = 0; round < ROUNDS + 10; round++) {
    for (let k = 0; k < peers.length; k++) {
      const p = peers[(round + k) % peers.length] as (typeof peers)[number];
      sink += timeEachCall(p.call, round * BLOCK, BLOCK, round < 10 ? warm : p.recorder);
      await nextTurn();
    }
  }
  const settled = await handoff.finish();
  await otel.provider.shutdown();
  return {
    sink,
    settled,
    handoff: (peers[0] as (typeof peers)[number]).recorder.summary(),
    otelEmit: (peers[1] as (typeof peers)[number]).recorder.summary(),
  };
}

/** The capture alone, beside JSON.stringify and today's capture into an object graph; the worker's decode. */
async function capture() {
  const ring = createByteRing({ capacityBytes: 16 * 1024 * 1024, maxRecords: 65_536 });
  const shapes = createShapeTable();
  const writer = new ByteRingWriter(ring);
  const reader = new ByteRingReader(ring);
  const frames = new PredictionFrameWriter(writer, CAPTURE, undefined, new ShapeRegistry(shapes));
  const decoder = new ValueDecoder(reader, new ShapeReader(shapes));
  const today = new RecordCapture(CAPTURE, () => {});
  const capacity = ROUNDS * BLOCK;
  const drain = () => {
    while (reader.next() !== -1);
    reader.release();
  };
  const peers = [
    {
      key: 'frame',
      label: 'capture into a ring frame (predlog worker mode)',
      call: (i: number): unknown => frames.write(traffic.predictionInput(i), undefined, 1, undefined),
    },
    {
      key: 'snapshot',
      label: "today's capture: predictionSnapshot() object graph",
      call: (i: number) => today.predictionSnapshot(traffic.predictionInput(i), undefined, 1, undefined),
    },
    {
      key: 'stringify',
      label: 'JSON.stringify(record)',
      call: (i: number) => JSON.stringify(traffic.flatRecord(i)),
    },
    {
      key: 'structuredClone',
      label: 'structuredClone(record)',
      call: (i: number) => structuredClone(traffic.flatRecord(i)),
    },
  ].map((p) => ({ ...p, recorder: new LatencyRecorder(capacity) }));
  const warm = new LatencyRecorder(0);
  let sink = 0;
  for (let round = 0; round < ROUNDS + 10; round++) {
    for (let k = 0; k < peers.length; k++) {
      const p = peers[(round + k) % peers.length] as (typeof peers)[number];
      sink += timeEachCall(p.call, round * BLOCK, BLOCK, round < 10 ? warm : p.recorder);
      drain();
    }
    await nextTurn();
  }
  // The worker's side: decoding one frame back into the snapshot.
  const decode = new LatencyRecorder(capacity);
  let frameBytes = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < BLOCK; i++)
      frames.write(traffic.predictionInput(round * BLOCK + i), undefined, 1, undefined);
    const hrtime = process.hrtime.bigint;
    for (let start = reader.next(); start !== -1; start = reader.next()) {
      const t = hrtime();
      decoder.begin(start, reader.frameLength);
      decoder.byte();
      sink += readPredictionFrame(decoder, reader.frameLength).nullCount;
      decode.add(Number(hrtime() - t));
      frameBytes += reader.frameLength;
    }
    reader.release();
  }
  return {
    sink,
    peers: peers.map((p) => ({ key: p.key, label: p.label, ...p.recorder.summary() })),
    decode: decode.summary(),
    meanFrameBytes: frameBytes / (ROUNDS * BLOCK),
    meanJsonBytes: traffic.meanJsonBytes(),
  };
}

async function body(): Promise<BenchOutcome> {
  const dir = await makeTempDir('worker-handoff');
  // Every worker here is unref'd (predlog's, pino's): this keeps the bench's own loop alive.
  const keepAlive = setInterval(() => {}, 2 ** 30);
  try {
    const tally = new DiagnosticsTally();
    const factories: PeerFactory[] = [
      () => handoffPeer(tally),
      () => inlinePeer(path.join(dir, `inline-${Date.now()}`), tally),
      () =>
        messagePeer('jsonPostMessage', 'JSON.stringify + postMessage(string) per record', (w, i) =>
          w.postMessage(JSON.stringify(traffic.flatRecord(i))),
        ),
      () =>
        messagePeer('clonePostMessage', 'postMessage(object) per record (structured clone)', (w, i) =>
          w.postMessage(traffic.flatRecord(i)),
        ),
      () => pinoTransportPeer(path.join(dir, `pino-transport-${Date.now()}`)),
      () => pinoFilePeer(path.join(dir, `pino-file-${Date.now()}`)),
    ];

    // The pacing timer's own cost: the same loop with a call that does nothing.
    let noop = 0;
    const timerOnly = await paced(
      {
        key: 'noop',
        label: 'pacing timer, no call',
        call: () => noop++,
        finish: async () => ({ delivered: noop, lost: 0 }),
      },
      0,
    );
    const timerCpu = timerOnly.grossCpuPerRecordNs;
    console.log(
      `\n(a) ${formatRate(RATE)} for ${DURATION_S} s each, ${TICK_MS} ms ticks (pacing timer alone: ${formatNs(timerCpu)} a record, taken off)`,
    );
    const pacedResults: PacedResult[] = [];
    for (const make of factories) {
      const result = await paced(await make(), timerCpu);
      pacedResults.push(result);
      console.log(`  ${result.label}: ${formatNs(result.cpuPerRecordNs)} a record`);
    }
    console.log(
      renderTable(
        ['peer', 'sent', 'rate', 'CPU/record', 'gross', 'delivered', 'lost'],
        pacedResults.map((r) => [
          r.label,
          r.sent,
          formatRate(r.achievedRate),
          formatNs(r.cpuPerRecordNs),
          formatNs(r.grossCpuPerRecordNs),
          r.delivered,
          r.lost,
        ]),
      ),
    );

    console.log(
      `\n(b) Flat out: ${FLAT_RECORDS.toLocaleString('en-US')} records, blocks of ${BLOCK} with an event-loop turn between`,
    );
    const flatResults: FlatResult[] = [];
    for (const make of factories) flatResults.push(await flatOut(await make()));
    console.log(
      renderTable(
        ['peer', 'records/s', 'CPU/record', 'with final flush', 'delivered', 'lost'],
        flatResults.map((r) => [
          r.label,
          formatRate(r.recordsPerSecond),
          formatNs(r.cpuPerRecordNs),
          formatNs(r.cpuWithFinishPerRecordNs),
          r.delivered,
          r.lost,
        ]),
      ),
    );

    console.log(`\n(c) Per-call latency, ${ROUNDS} blocks of ${BLOCK} calls each`);
    const lat = await latency(tally);
    const latencyRow = (label: string, s: LatencySummary) => [
      label,
      formatNs(s.p50Ns),
      formatNs(s.p90Ns),
      formatNs(s.p99Ns),
      formatNs(s.p999Ns),
      formatNs(s.maxNs),
    ];
    console.log(
      renderTable(
        ['peer', 'p50', 'p90', 'p99', 'p99.9', 'max'],
        [
          latencyRow('predlog hand-off (capture + ring)', lat.handoff),
          latencyRow('OTel SDK logger.emit(), batch processor', lat.otelEmit),
        ],
      ),
    );

    console.log(`\n(d) The capture alone, ${ROUNDS} blocks of ${BLOCK} calls each`);
    const cap = await capture();
    console.log(
      renderTable(
        ['operation', 'p50', 'p99', 'mean'],
        [
          ...cap.peers.map((p) => [p.label, formatNs(p.p50Ns), formatNs(p.p99Ns), formatNs(p.meanNs)]),
          [
            "worker: decode a frame into today's snapshot",
            formatNs(cap.decode.p50Ns),
            formatNs(cap.decode.p99Ns),
            formatNs(cap.decode.meanNs),
          ],
        ],
      ),
    );
    console.log(
      `frame ${Math.round(cap.meanFrameBytes)} bytes a record on average; the flat record as JSON ${Math.round(cap.meanJsonBytes)} bytes`,
    );

    const pacedBy = (key: string) => pacedResults.find((r) => r.key === key) as PacedResult;
    const handoff = pacedBy('handoff');
    const targets: TargetResult[] = [
      absoluteTarget({
        id: 'handoff_cpu_per_record_at_20k',
        subject: {
          label: `hand-off serving-thread CPU per record at ${formatRate(RATE)}`,
          value: Math.round(handoff.cpuPerRecordNs),
        },
        unit: 'ns',
        comparison: '<=',
        limit: 1500,
      }),
      absoluteTarget({
        id: 'handoff_lost_at_20k',
        subject: {
          label: `hand-off records refused or lost at ${formatRate(RATE)}`,
          value: handoff.sent - handoff.delivered,
        },
        unit: 'records',
        comparison: '<=',
        limit: 0,
      }),
      ratioTarget({
        id: 'handoff_cpu_vs_pino_transport',
        subject: { label: 'hand-off CPU per record', value: Math.round(handoff.cpuPerRecordNs) },
        peer: {
          label: 'pino worker transport CPU per record',
          value: Math.round(pacedBy('pinoTransport').cpuPerRecordNs),
        },
        unit: 'ns',
        comparison: '<=',
        limit: 0.35,
      }),
      ratioTarget({
        id: 'handoff_p50_vs_emit_p50',
        subject: { label: 'hand-off p50', value: lat.handoff.p50Ns },
        peer: { label: 'OTel emit() p50', value: lat.otelEmit.p50Ns },
        unit: 'ns',
        comparison: '<=',
        limit: 0.25,
      }),
      ratioTarget({
        id: 'handoff_p99_vs_emit_p99',
        subject: { label: 'hand-off p99', value: lat.handoff.p99Ns },
        peer: { label: 'OTel emit() p99', value: lat.otelEmit.p99Ns },
        unit: 'ns',
        comparison: '<=',
        limit: 0.5,
      }),
    ];
    return {
      parameters: {
        durationS: DURATION_S,
        rate: RATE,
        tickMs: TICK_MS,
        flatRecords: FLAT_RECORDS,
        block: BLOCK,
        rounds: ROUNDS,
      },
      figures: {
        timerCpuPerRecordNs: timerCpu,
        paced: pacedResults,
        flatOut: flatResults,
        latency: { handoff: lat.handoff, otelEmit: lat.otelEmit, settled: lat.settled },
        capture: {
          peers: cap.peers,
          decode: cap.decode,
          meanFrameBytes: cap.meanFrameBytes,
          meanJsonBytes: cap.meanJsonBytes,
        },
        diagnostics: tally.snapshot(),
      },
      targets,
      notes: [
        'The hand-off is the capture and the ring write only: the head sampler and the observers of record() come on top once PredictionLogger takes the worker mode.',
        'CPU of the worker threads (predlog pipeline worker, postMessage receivers, pino transport) is not serving-thread CPU and is not counted.',
      ],
    };
  } finally {
    clearInterval(keepAlive);
    await removeTempDir(dir);
  }
}

await runBenchProcess('worker-handoff', 'serving-thread cost of handing records to a pipeline worker', body);
