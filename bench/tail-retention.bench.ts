/**
 * Tail retention (issue 5): (a) records/s through the processor while it holds 10,000 requests,
 * against `JSON.stringify` of the same records (the processor moves references, it does not
 * serialise); (b) heap bytes per buffered record, records included, against the record's size as
 * the JSON line the file exporter writes. The records are core's own, built by `record()` and
 * `feedback()` of a PredictionLogger from the demo traffic.
 */
import { createNoopMeter } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BaseExporter,
  BaseProcessor,
  type ComponentServices,
  DiagnosticsChannel,
  type LogRecordLike,
  PredictionLogger,
  PredlogLogRecord,
  type Processor,
  systemClock,
  toLogRecordParts,
} from '@predlog/core';
import {
  type TailRetentionConfigInput,
  TailRetentionProcessor,
  tailRetentionConfigSchema,
} from '@predlog/processor-tail-retention';
import { toStoredRecord } from '@predlog/schema';
import { type BenchOutcome, collectGarbage, numberFlag, runBenchProcess } from './lib/bench-process.ts';
import { DEMO_MODEL, DEMO_SERVICE, DEMO_SERVING_NODE, DemoTraffic } from './lib/demo-record.ts';
import { nextTurn } from './lib/event-loop-turn.ts';
import { ratioTarget } from './lib/targets.ts';
import { formatRate, renderTable } from './lib/text-table.ts';

const BUFFERED = numberFlag('buffered', 10_000);
const POOL = numberFlag('records', 100_000);
const REPEATS = numberFlag('repeats', 7);
const WARMUP = numberFlag('warmup', 4);
const BLOCK = numberFlag('block', 512);
/** One request in ten gets feedback, logged this many requests later (inside the decision wait). */
const FEEDBACK_LAG = 2000;

const traffic = new DemoTraffic({ requestIds: 1 << 18 });
const resource = { 'service.name': DEMO_SERVICE, 'host.name': DEMO_SERVING_NODE };

/** Core's pipeline hands a processor batches; this one keeps them, in order, for later runs. */
class RecordCollector extends BaseProcessor {
  readonly holdsRecords = true;
  readonly records: LogRecordLike[] = [];

  process(records: LogRecordLike[]): LogRecordLike[] {
    for (const record of records) this.records.push(record);
    return [];
  }
}

class NullExporter extends BaseExporter {
  async send(): Promise<void> {}
}

function loggerWith(processor: Processor): PredictionLogger {
  return new PredictionLogger({
    pipelines: [{ processors: [processor], exporters: [new NullExporter('null')] }],
    model: DEMO_MODEL,
    resource,
    diagnostics: new DiagnosticsChannel(() => undefined),
    logger: { maxQueueRecords: 1 << 18, maxQueueBytes: 1 << 30 },
  });
}

/** Predictions `from..to` of the demo traffic, with feedback for one request in ten. */
function logTraffic(logger: PredictionLogger, from: number, to: number, feedback: boolean): void {
  for (let i = from; i < to; i++) {
    const input = traffic.predictionInput(i);
    logger.record(input);
    if (feedback && i - from >= FEEDBACK_LAG && i % 10 === 0) {
      const earlier = traffic.predictionInput(i - FEEDBACK_LAG).requestId as string;
      logger.feedback({ requestId: earlier, label: i % 30 === 0 ? 'fraud' : 'legit', source: 'chargeback' });
    }
  }
}

async function drained(logger: PredictionLogger): Promise<void> {
  while (logger.stats().queueDepth > 0) await nextTurn();
}

/** A processor on a fake clock that moves 1 ms per prediction: `BUFFERED` requests are in the wait. */
function tailProcessor(config: TailRetentionConfigInput): {
  processor: TailRetentionProcessor;
  tick: (ms: number) => void;
} {
  let monotonicMs = 0;
  const services: ComponentServices = {
    id: 'tail_retention',
    diagnostics: new DiagnosticsChannel(() => undefined),
    meter: createNoopMeter(),
    clock: { ...systemClock, monotonic: () => monotonicMs },
    resource: resourceFromAttributes(resource),
    baseDir: process.cwd(),
  };
  const processor = new TailRetentionProcessor(
    tailRetentionConfigSchema.parse({ checkIntervalMs: 3_600_000, ...config }),
    services,
  );
  return {
    processor,
    tick: (ms) => {
      monotonicMs += ms;
    },
  };
}

interface ThroughputRun {
  seconds: number;
  recordsPerSecond: number;
  meanBufferedGroups: number;
  kept: number;
  dropped: number;
}

/**
 * Records as they first reach the processor: the processor writes `ml.retention.*` into the
 * attributes of what it keeps, and records already carrying those (from an earlier run) would
 * show it shapes it never sees in service. Bodies are shared: the processor does not touch them.
 */
function freshCopies(pool: readonly LogRecordLike[]): LogRecordLike[] {
  return pool.map(
    (record) =>
      new PredlogLogRecord({
        hrTime: record.hrTime,
        resource: record.resource,
        instrumentationScope: record.instrumentationScope,
        attributes: { ...record.attributes },
        body: record.body,
        ...(record.eventName === undefined ? {} : { eventName: record.eventName }),
        approxBytes: (record as PredlogLogRecord).approxBytes,
        jsonSafe: true,
      }),
  );
}

/**
 * The pool through a fresh processor (default policies), in pipeline-sized batches. The clock
 * starts once the processor is in its steady state: `BUFFERED` requests held and decisions
 * flowing (the first `2 × BUFFERED` predictions are not timed).
 */
function throughputRun(original: readonly LogRecordLike[]): ThroughputRun {
  const pool = freshCopies(original);
  const { processor, tick } = tailProcessor({ decisionWaitMs: BUFFERED, maxBufferedGroups: 4 * BUFFERED });
  let kept = 0;
  let dropped = 0;
  processor.connect(
    (records) => {
      kept += records.length;
    },
    (count) => {
      dropped += count;
    },
  );
  let bufferedSum = 0;
  let samples = 0;
  let predictionsSeen = 0;
  let t0 = 0;
  let timedRecords = 0;
  collectGarbage();
  for (let from = 0; from < pool.length; from += BLOCK) {
    const batch = pool.slice(from, from + BLOCK);
    let predictions = 0;
    for (const record of batch) if (record.eventName === 'ml.prediction') predictions++;
    if (t0 === 0 && predictionsSeen >= 2 * BUFFERED) t0 = performance.now();
    if (t0 !== 0) timedRecords += batch.length;
    predictionsSeen += predictions;
    tick(predictions);
    kept += processor.process(batch).length;
    processor.decideDue();
    if (t0 !== 0 && (from / BLOCK) % 16 === 0) {
      bufferedSum += processor.stats().bufferedGroups;
      samples++;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  void processor.shutdown();
  return {
    seconds,
    recordsPerSecond: timedRecords / seconds,
    meanBufferedGroups: samples === 0 ? 0 : bufferedSum / samples,
    kept,
    dropped,
  };
}

function stringifyRun(pool: readonly LogRecordLike[]): {
  seconds: number;
  recordsPerSecond: number;
  bytes: number;
} {
  collectGarbage();
  let bytes = 0;
  const t0 = performance.now();
  for (const record of pool)
    bytes += JSON.stringify({ attributes: record.attributes, body: record.body }).length;
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, recordsPerSecond: pool.length / seconds, bytes };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Heap growth per record while `BUFFERED` fresh records sit in `holder`, records themselves included. */
async function heapPerHeldRecord(holder: Processor, held: () => number): Promise<number> {
  const logger = loggerWith(holder);
  // The first calls allocate the logger's lazily built state; they are not part of the figure.
  logTraffic(logger, 0, 16, false);
  await drained(logger);
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  logTraffic(logger, 16, 16 + BUFFERED, false);
  await drained(logger);
  collectGarbage();
  const after = process.memoryUsage().heapUsed;
  if (held() !== BUFFERED + 16) throw new Error(`expected ${BUFFERED + 16} held records, got ${held()}`);
  return (after - before) / BUFFERED;
}

function storedJsonBytes(records: readonly LogRecordLike[]): number {
  let total = 0;
  for (const record of records)
    total += Buffer.byteLength(
      JSON.stringify(toStoredRecord(toLogRecordParts(record), record.resource.attributes)),
    );
  return total / records.length;
}

await runBenchProcess(
  'tail-retention',
  'records/s through tail retention with 10k requests buffered; heap bytes per buffered record',
  async (): Promise<BenchOutcome> => {
    // (b) first, on a quiet heap.
    const collector = new RecordCollector('collect');
    const plainBytes = await heapPerHeldRecord(collector, () => collector.records.length);
    const { processor: holding } = tailProcessor({
      decisionWaitMs: 3_600_000,
      maxBufferedGroups: 4 * BUFFERED,
      decisionCacheSize: 0,
    });
    const tailBytes = await heapPerHeldRecord(holding, () => holding.stats().bufferedRecords);
    const jsonBytes = storedJsonBytes(collector.records.slice(16));
    console.log(
      `\nHeap per buffered record (${BUFFERED.toLocaleString('en-US')} demo predictions, records included)\n${renderTable(
        ['held by', 'heap bytes/record', 'x JSON line'],
        [
          ['tail retention', Math.round(tailBytes), tailBytes / jsonBytes],
          ['a plain array (the record alone)', Math.round(plainBytes), plainBytes / jsonBytes],
          ['JSON line (file exporter)', Math.round(jsonBytes), 1],
        ],
      )}`,
    );
    await holding.shutdown();
    collector.records.length = 0;

    // (a) the pool of records, built by core.
    const source = new RecordCollector('collect');
    const logger = loggerWith(source);
    logTraffic(logger, 0, POOL, true);
    await drained(logger);
    const pool = source.records;
    const predictions = pool.filter((r) => r.eventName === 'ml.prediction').length;
    // Warm-up (JIT): runs of each, not counted.
    for (let w = 0; w < WARMUP; w++) {
      throughputRun(pool);
      stringifyRun(pool);
    }
    const tailRuns: ThroughputRun[] = [];
    const stringifyRuns: Array<{ seconds: number; recordsPerSecond: number; bytes: number }> = [];
    for (let r = 0; r < REPEATS; r++) {
      tailRuns.push(throughputRun(pool));
      stringifyRuns.push(stringifyRun(pool));
    }
    const tailRate = median(tailRuns.map((run) => run.recordsPerSecond));
    const stringifyRate = median(stringifyRuns.map((run) => run.recordsPerSecond));
    const buffered = median(tailRuns.map((run) => run.meanBufferedGroups));
    console.log(
      `\nThroughput (${pool.length.toLocaleString('en-US')} records, ${predictions.toLocaleString('en-US')} predictions, median of ${REPEATS})\n${renderTable(
        ['peer', 'records/s', 'mean groups buffered'],
        [
          ['tail retention (default policies)', formatRate(tailRate), Math.round(buffered)],
          ['JSON.stringify({ attributes, body })', formatRate(stringifyRate), '-'],
        ],
      )}`,
    );
    const last = tailRuns[tailRuns.length - 1] as ThroughputRun;
    if (last.kept + last.dropped !== pool.length) throw new Error('the processor lost records');
    await logger.shutdown();

    return {
      parameters: {
        buffered: BUFFERED,
        poolRecords: pool.length,
        predictions,
        repeats: REPEATS,
        warmupRuns: WARMUP,
        block: BLOCK,
      },
      figures: {
        throughput: {
          tailRetentionRecordsPerSecond: tailRate,
          jsonStringifyRecordsPerSecond: stringifyRate,
          meanBufferedGroups: buffered,
          keptShare: last.kept / pool.length,
          runs: tailRuns,
          stringifyRuns,
        },
        heap: {
          tailRetentionBytesPerRecord: tailBytes,
          plainArrayBytesPerRecord: plainBytes,
          processorOverheadBytesPerRecord: tailBytes - plainBytes,
          jsonLineBytesPerRecord: jsonBytes,
        },
      },
      targets: [
        ratioTarget({
          id: 'records_per_second_vs_json_stringify',
          subject: { label: 'tail retention records/s (10k requests buffered)', value: tailRate },
          peer: { label: 'JSON.stringify records/s', value: stringifyRate },
          unit: 'records/s',
          comparison: '>=',
          limit: 3,
        }),
        ratioTarget({
          id: 'heap_bytes_per_buffered_record_vs_json',
          subject: { label: 'heap bytes per buffered record', value: tailBytes },
          peer: { label: 'JSON line bytes', value: jsonBytes },
          unit: 'bytes',
          comparison: '<=',
          limit: 1.5,
        }),
      ],
      notes: [
        'Each throughput run: a fresh processor (default policies) on a fake clock that moves 1 ms per prediction with decisionWaitMs = buffered, fed fresh copies of the records (attributes not yet annotated, bodies shared) in 512-record batches; the clock starts after the first 2 × buffered predictions, once about `buffered` requests are held and decisions flow. Deciding and releasing kept records is part of the time. Runs alternate with JSON.stringify runs after warm-up runs of both; medians.',
        'Heap figures are heapUsed after two full GCs, before and after buffered records crossed a PredictionLogger into the holder; the records themselves are included. The OTel SDK holds about 2.4 KB per queued record of this shape (issue 5).',
      ],
    };
  },
);
