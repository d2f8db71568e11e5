/**
 * Records/s over the network (issue 6): N demo predictions through predlog into a Loki-protocol
 * receiver (push API, protobuf + snappy) and into an OTLP/HTTP receiver (predlog's OTLP exporter,
 * which wraps the stock one), beside the stock OTel pipeline (LoggerProvider → BatchLogRecordProcessor
 * with its defaults → OTLPLogExporter, http/json and http/protobuf) on the same records, and the
 * JSON.stringify ceiling of the same records. Every path is timed from the first call until the last
 * record is acknowledged (forceFlush), with a closed-loop producer: it backs off while too many records
 * wait, so the figure is the rate each path sustains without dropping.
 *
 * Receivers run in a child process (lib/counting-http-receiver.ts): they count requests and body
 * bytes (as sent, compressed) and answer at once; decoding is not benchmarked.
 */

import { OTLPLogExporter as OtlpJsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OtlpProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchLogRecordProcessor,
  LoggerProvider,
  type LogRecordExporter,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import { createPredictionLogger, type PipelineStats, type PredictionLogger } from '@predlog/core';
import { lokiExporterFactory } from '@predlog/exporter-loki';
import { otlpExporterFactory } from '@predlog/exporter-otlp';
import { type BenchOutcome, collectGarbage, numberFlag, runBenchProcess } from './lib/bench-process.ts';
import { type CountingReceiver, startCountingReceiver } from './lib/counting-http-receiver.ts';
import { DEMO_MODEL, DEMO_SERVICE, DEMO_SERVING_NODE, DemoTraffic } from './lib/demo-record.ts';
import { nextTurn, sleep } from './lib/event-loop-turn.ts';
import { DiagnosticsTally } from './lib/predlog-file-logger.ts';
import { absoluteTarget, ratioTarget } from './lib/targets.ts';
import { formatRate, renderTable } from './lib/text-table.ts';

const RECORDS = numberFlag('records', 100_000);
const BLOCK = numberFlag('block', 1000);
const REPEATS = numberFlag('repeats', 3);
const WARMUP_RECORDS = Math.min(RECORDS, 20_000);
/** predlog's producer pauses while more than this many records wait in predlog's queues. */
const HIGH_WATER = numberFlag('high-water', 16_384);
/**
 * The stock producer pauses while more than this many records are emitted but not yet exported:
 * BatchLogRecordProcessor drops beyond its queue of 2,048 (default), so one block must still fit.
 */
const STOCK_HIGH_WATER = numberFlag('stock-high-water', 1024);

const RESOURCE = { 'service.name': DEMO_SERVICE, 'host.name': DEMO_SERVING_NODE };

type Peer =
  | 'predlogLoki'
  | 'predlogOtlp'
  | 'predlogOtlpPlain'
  | 'stockOtlpJson'
  | 'stockOtlpProto'
  | 'jsonStringify';
type PredlogPeer = 'predlogLoki' | 'predlogOtlp' | 'predlogOtlpPlain';

const LABELS: Record<Peer, string> = {
  predlogLoki: 'predlog record() -> loki exporter (protobuf+snappy)',
  predlogOtlp: 'predlog record() -> otlp exporter (http/protobuf, gzip: the default)',
  predlogOtlpPlain: 'predlog record() -> otlp exporter (http/protobuf, no compression)',
  stockOtlpJson: 'OTel emit() -> BatchLogRecordProcessor -> OTLPLogExporter http/json',
  stockOtlpProto: 'OTel emit() -> BatchLogRecordProcessor -> OTLPLogExporter http/protobuf',
  jsonStringify: 'JSON.stringify loop (no I/O, the ceiling)',
};

interface Run {
  peer: Peer;
  records: number;
  delivered: number;
  dropped: number;
  seconds: number;
  /** Delivered records per second. */
  recordsPerSecond: number;
  requests: number;
  /** Request body bytes on the wire (compressed where the path compresses). */
  wireBytes: number;
  wireBytesPerRecord: number;
  /**
   * CPU time of this process (all its threads: the compression worker included, the receiver not)
   * per delivered record. Far less sensitive to other load on the machine than records/s.
   */
  cpuMicrosPerRecord: number;
  detail?: Record<string, unknown>;
}

function cpuMicros(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}

const traffic = new DemoTraffic();
const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);

function queuedRecords(stats: PipelineStats): number {
  return stats.queueDepth + sum(stats.exportQueueDepth);
}

function predlogLogger(peer: PredlogPeer, url: string, diagnostics: DiagnosticsTally) {
  const exporters =
    peer === 'predlogLoki'
      ? { loki: { endpoint: url } }
      : {
          otlp: {
            endpoint: url,
            protocol: 'http/protobuf',
            compression: peer === 'predlogOtlp' ? 'gzip' : 'none',
          },
        };
  return createPredictionLogger({
    config: {
      resource: RESOURCE,
      exporters,
      pipelines: { predictions: { exporters: Object.keys(exporters) } },
    },
    components: [lokiExporterFactory, otlpExporterFactory],
    model: DEMO_MODEL,
    diagnostics: diagnostics.channel,
    env: {},
  });
}

async function predlogRun(peer: PredlogPeer, receiver: CountingReceiver, records: number) {
  const diagnostics = new DiagnosticsTally();
  const logger: PredictionLogger = await predlogLogger(peer, receiver.url, diagnostics);
  await receiver.reset();
  collectGarbage();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let from = 0; from < records; from += BLOCK) {
    const end = Math.min(records, from + BLOCK);
    for (let i = from; i < end; i++) logger.record(traffic.predictionInput(i));
    await nextTurn();
    while (queuedRecords(logger.stats()) > HIGH_WATER) await sleep(1);
  }
  await logger.forceFlush();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuMicros(c0);
  const stats = logger.stats();
  await logger.shutdown();
  const counts = await receiver.counts();
  const delivered = sum(stats.exported);
  return {
    delivered,
    dropped: sum(stats.dropped),
    seconds,
    cpu,
    counts,
    detail: { stats, diagnostics: diagnostics.snapshot() },
  };
}

/** Wraps the stock exporter to count what it delivered, so the producer can back off and drops show. */
class DeliveredCounter implements LogRecordExporter {
  delivered = 0;
  failed = 0;
  private readonly inner: LogRecordExporter;

  constructor(inner: LogRecordExporter) {
    this.inner = inner;
  }

  export(logs: ReadableLogRecord[], resultCallback: Parameters<LogRecordExporter['export']>[1]): void {
    this.inner.export(logs, (result) => {
      if (result.code === 0) this.delivered += logs.length;
      else this.failed += logs.length;
      resultCallback(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

async function stockRun(
  peer: 'stockOtlpJson' | 'stockOtlpProto',
  receiver: CountingReceiver,
  records: number,
) {
  const url = `${receiver.url}/v1/logs`;
  const otlp =
    peer === 'stockOtlpJson' ? new OtlpJsonLogExporter({ url }) : new OtlpProtoLogExporter({ url });
  const exporter = new DeliveredCounter(otlp as unknown as LogRecordExporter);
  const provider = new LoggerProvider({
    resource: resourceFromAttributes(RESOURCE),
    processors: [new BatchLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('fraud-service', '1.0.0');
  await receiver.reset();
  collectGarbage();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let from = 0; from < records; from += BLOCK) {
    const end = Math.min(records, from + BLOCK);
    for (let i = from; i < end; i++) logger.emit(traffic.otelRecord(i));
    await nextTurn();
    while (end - exporter.delivered - exporter.failed > STOCK_HIGH_WATER) await sleep(1);
  }
  await provider.forceFlush();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuMicros(c0);
  await provider.shutdown();
  const counts = await receiver.counts();
  return { delivered: exporter.delivered, dropped: records - exporter.delivered, seconds, cpu, counts };
}

function stringifyRun(records: number): Run {
  collectGarbage();
  let bytes = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < records; i++) bytes += JSON.stringify(traffic.flatRecord(i)).length + 1;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuMicros(c0);
  return {
    peer: 'jsonStringify',
    records,
    delivered: records,
    dropped: 0,
    seconds,
    recordsPerSecond: records / seconds,
    requests: 0,
    wireBytes: bytes,
    wireBytesPerRecord: bytes / records,
    cpuMicrosPerRecord: cpu / records,
  };
}

async function runPeer(peer: Peer, receiver: CountingReceiver, records: number): Promise<Run> {
  if (peer === 'jsonStringify') return stringifyRun(records);
  const result =
    peer === 'predlogLoki' || peer === 'predlogOtlp' || peer === 'predlogOtlpPlain'
      ? await predlogRun(peer, receiver, records)
      : await stockRun(peer, receiver, records);
  return {
    peer,
    records,
    delivered: result.delivered,
    dropped: result.dropped,
    seconds: result.seconds,
    recordsPerSecond: result.delivered / result.seconds,
    requests: result.counts.requests,
    wireBytes: result.counts.bodyBytes,
    wireBytesPerRecord: result.delivered === 0 ? 0 : result.counts.bodyBytes / result.delivered,
    cpuMicrosPerRecord: result.delivered === 0 ? 0 : result.cpu / result.delivered,
    ...('detail' in result ? { detail: result.detail as Record<string, unknown> } : {}),
  };
}

function median(runs: readonly Run[]): Run {
  const sorted = [...runs].sort((a, b) => a.recordsPerSecond - b.recordsPerSecond);
  return sorted[Math.floor(sorted.length / 2)] as Run;
}

async function body(): Promise<BenchOutcome> {
  const receiver = await startCountingReceiver();
  try {
    const peers: Peer[] = [
      'predlogLoki',
      'predlogOtlp',
      'predlogOtlpPlain',
      'stockOtlpJson',
      'stockOtlpProto',
      'jsonStringify',
    ];
    for (const peer of peers) await runPeer(peer, receiver, WARMUP_RECORDS);
    const runs: Run[] = [];
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      for (let k = 0; k < peers.length; k++) {
        const run = await runPeer(peers[(repeat + k) % peers.length] as Peer, receiver, RECORDS);
        runs.push(run);
        console.log(
          `  repeat ${repeat + 1}: ${run.peer.padEnd(16)} ${formatRate(run.recordsPerSecond).padStart(12)}  (${run.seconds.toFixed(2)} s, ${run.cpuMicrosPerRecord.toFixed(1)} µs CPU/record, ${run.dropped} dropped, ${Math.round(run.wireBytesPerRecord)} B/record)`,
        );
      }
    }
    const best = Object.fromEntries(
      peers.map((p) => [p, median(runs.filter((r) => r.peer === p))]),
    ) as Record<Peer, Run>;
    console.log(
      `\nRecords/s over HTTP to a local receiver, ${RECORDS.toLocaleString('en-US')} records, median of ${REPEATS}`,
    );
    console.log(
      renderTable(
        [
          'peer',
          'records/s',
          'CPU µs/record',
          'seconds',
          'delivered',
          'dropped',
          'requests',
          'wire bytes/record',
        ],
        peers.map((p) => {
          const r = best[p];
          return [
            LABELS[p],
            formatRate(r.recordsPerSecond),
            Number(r.cpuMicrosPerRecord.toFixed(1)),
            Number(r.seconds.toFixed(3)),
            r.delivered,
            r.dropped,
            r.requests,
            Math.round(r.wireBytesPerRecord),
          ];
        }),
      ),
    );
    const stock =
      best.stockOtlpJson.recordsPerSecond >= best.stockOtlpProto.recordsPerSecond
        ? best.stockOtlpJson
        : best.stockOtlpProto;
    const targets = [
      absoluteTarget({
        id: 'predlog_loki_dropped_records',
        subject: { label: 'predlog -> loki dropped (median run)', value: best.predlogLoki.dropped },
        unit: 'records',
        comparison: '<=',
        limit: 0,
      }),
      ratioTarget({
        id: 'predlog_loki_vs_stock_otlp_records_per_s',
        subject: { label: 'predlog -> loki records/s', value: best.predlogLoki.recordsPerSecond },
        peer: { label: `stock OTLP path records/s (best: ${stock.peer})`, value: stock.recordsPerSecond },
        unit: 'records/s',
        comparison: '>=',
        limit: 3,
      }),
      ratioTarget({
        id: 'predlog_loki_vs_json_stringify_records_per_s',
        subject: { label: 'predlog -> loki records/s', value: best.predlogLoki.recordsPerSecond },
        peer: { label: 'JSON.stringify records/s', value: best.jsonStringify.recordsPerSecond },
        unit: 'records/s',
        comparison: '>=',
        limit: 0.5,
      }),
    ];
    return {
      parameters: {
        records: RECORDS,
        blockRecords: BLOCK,
        repeats: REPEATS,
        warmupRecords: WARMUP_RECORDS,
        predlogHighWater: HIGH_WATER,
        stockHighWater: STOCK_HIGH_WATER,
      },
      figures: { median: best, runs },
      targets,
      notes: [
        'records/s counts records the receiver acknowledged; each path is timed until its forceFlush() resolves.',
        'wire bytes are request bodies as sent (snappy for loki; gzip or none for predlog otlp; none for the stock exporters, their default), without HTTP headers.',
        'producers back off with 1 ms sleeps while their high-water mark is exceeded (busy polling would steal the CPU the pipeline needs).',
        'the receiver runs in a child process and only counts; decoding is not benchmarked.',
        'stock paths use the SDK defaults (BatchLogRecordProcessor: 512 per export, queue 2048; OTLPLogExporter: no compression); their producer backs off to avoid drops.',
      ],
    };
  } finally {
    await receiver.stop();
  }
}

await runBenchProcess(
  'loki-otlp',
  'records/s over HTTP: loki and otlp exporters vs the stock OTLP pipeline',
  body,
);
