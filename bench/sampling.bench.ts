/**
 * The sampling processor's hot path, in one process and one run, on the demo record of issue 2:
 * `decide()` per call (default rules, and the bare consistent draw), the OTel SDK's `logger.emit()`
 * of the same record, and predlog `record()` with the sampler as head decision, split into calls
 * that were sampled out and calls that were kept (file exporter behind it). Peers run in alternating
 * blocks of calls with an event-loop turn between blocks, as in core-record.
 */
import path from 'node:path';
import { metrics } from '@opentelemetry/api';
import {
  consistentHash,
  createPredictionLogger,
  DiagnosticsChannel,
  type PredictionLogger,
  type PredictionView,
  systemClock,
} from '@predlog/core';
import { fileExporterFactory } from '@predlog/exporter-file';
import {
  type SamplingConfigInput,
  SamplingProcessor,
  samplingConfigSchema,
  samplingProcessorFactory,
} from '@predlog/processor-sampling';
import { type BenchOutcome, collectGarbage, numberFlag, runBenchProcess } from './lib/bench-process.ts';
import { DEMO_MODEL, DEMO_SERVICE, DEMO_SERVING_NODE, DemoTraffic } from './lib/demo-record.ts';
import { nextTurn } from './lib/event-loop-turn.ts';
import { fileTreeStats, makeTempDir, removeTempDir } from './lib/file-tree-stats.ts';
import { LatencyRecorder, type LatencySummary, timeEachCall } from './lib/latency-stats.ts';
import { createOtelPeer } from './lib/otel-peer.ts';
import { ratioTarget } from './lib/targets.ts';
import { formatNs, renderTable } from './lib/text-table.ts';

const BLOCK = numberFlag('block', 1000);
const ROUNDS = numberFlag('rounds', 120);
const WARMUP_ROUNDS = numberFlag('warmup-rounds', 20);

/**
 * A high-volume model in steady state: the 10% rate its tier would give it (fixed, so the first
 * minute at 100% before the volume estimate exists does not count), no recent deployment, every
 * anomaly rule at its default (its own score tails, capped rule shares).
 */
const STEADY_STATE: SamplingConfigInput = { rate: 0.1 };
/** Every rule off: each call is the bare consistent draw (hash of the request id, one compare). */
const DRAW_ONLY: SamplingConfigInput = {
  rate: 0.1,
  minPerBucket: 0,
  newVersion: { windowMs: 0 },
  alwaysKeep: { force: false, errors: false, scoreTail: null, nearThresholdDelta: null, maxShare: 1 },
};

interface Peer {
  /** Key and label of each recorder's summary. */
  outputs: Array<[string, string]>;
  recorders: LatencyRecorder[];
  block(from: number, count: number, into: LatencyRecorder[]): void;
}

function newSampler(config: SamplingConfigInput, id: string): SamplingProcessor {
  return new SamplingProcessor(samplingConfigSchema.parse(config), {
    id,
    diagnostics: new DiagnosticsChannel(() => undefined),
    meter: metrics.getMeterProvider().getMeter('@predlog/processor-sampling'),
    clock: systemClock,
  });
}

async function body(): Promise<BenchOutcome> {
  const dir = await makeTempDir('sampling');
  try {
    const traffic = new DemoTraffic();
    const capacity = ROUNDS * BLOCK;
    const steady = newSampler(STEADY_STATE, 'sampling/steady');
    const drawOnly = newSampler(DRAW_ONLY, 'sampling/draw');
    const diagnostics = new DiagnosticsChannel(() => undefined);
    const logger: PredictionLogger = await createPredictionLogger({
      config: {
        resource: { 'service.name': DEMO_SERVICE, 'host.name': DEMO_SERVING_NODE },
        processors: { 'sampling/default': STEADY_STATE },
        exporters: { file: { directory: path.join(dir, 'predlog'), compress: false } },
        pipelines: { predictions: { processors: ['sampling/default'], exporters: ['file'] } },
      },
      components: [fileExporterFactory, samplingProcessorFactory],
      model: DEMO_MODEL,
      diagnostics,
      env: {},
    });
    const otel = createOtelPeer();
    const hrtime = process.hrtime.bigint;
    const sink = { value: 0 };

    // The view the PredictionLogger fills for its head sampler, filled outside the timed region.
    const view = {
      requestId: undefined as string | undefined,
      modelName: DEMO_MODEL.name,
      modelVersion: DEMO_MODEL.version,
      score: undefined as number | undefined,
      threshold: undefined as number | undefined,
      latencyMs: undefined as number | undefined,
      isError: false,
      features: undefined as Readonly<Record<string, unknown>> | undefined,
      force: undefined as boolean | undefined,
    } satisfies PredictionView;
    const decidePeer = (key: string, label: string, sampler: SamplingProcessor): Peer => ({
      outputs: [[key, label]],
      recorders: [new LatencyRecorder(capacity)],
      block(from, count, into) {
        const recorder = into[0] as LatencyRecorder;
        for (let i = from; i < from + count; i++) {
          const input = traffic.predictionInput(i);
          view.requestId = input.requestId;
          view.score = input.score;
          view.threshold = input.threshold;
          view.latencyMs = input.latencyMs;
          view.features = input.features;
          const started = hrtime();
          const decision = sampler.decide(view);
          recorder.add(Number(hrtime() - started));
          if (decision.keep) sink.value++;
        }
      },
    });
    const peers: Peer[] = [
      {
        outputs: [['timer', 'timer only: 2x hrtime']],
        recorders: [new LatencyRecorder(capacity)],
        block(from, count, into) {
          const recorder = into[0] as LatencyRecorder;
          for (let i = from; i < from + count; i++) {
            const started = hrtime();
            recorder.add(Number(hrtime() - started));
          }
        },
      },
      {
        outputs: [['hash', 'consistentHash(requestId) alone (core)']],
        recorders: [new LatencyRecorder(capacity)],
        block(from, count, into) {
          const recorder = into[0] as LatencyRecorder;
          for (let i = from; i < from + count; i++) {
            const id = traffic.predictionInput(i).requestId as string;
            const started = hrtime();
            const u = consistentHash(id, 0);
            recorder.add(Number(hrtime() - started));
            if (u < 0.1) sink.value++;
          }
        },
      },
      decidePeer('decide', 'decide(), default rules, rate 10%', steady),
      decidePeer('decideDrawOnly', 'decide(), draw only (rules off), rate 10%', drawOnly),
      {
        outputs: [['otelEmit', 'OTel SDK logger.emit(), batch processor']],
        recorders: [new LatencyRecorder(capacity)],
        block(from, count, into) {
          sink.value += timeEachCall(
            (i) => otel.logger.emit(traffic.otelRecord(i)),
            from,
            count,
            into[0] as LatencyRecorder,
          );
        },
      },
      {
        outputs: [
          ['recordSampledOut', 'record(), sampled out by the sampler'],
          ['recordKept', 'record(), kept (file exporter)'],
        ],
        recorders: [new LatencyRecorder(capacity), new LatencyRecorder(capacity)],
        block(from, count, into) {
          const [out, kept] = into as [LatencyRecorder, LatencyRecorder];
          for (let i = from; i < from + count; i++) {
            const input = traffic.predictionInput(i);
            const started = hrtime();
            const id = logger.record(input);
            const elapsed = Number(hrtime() - started);
            (id === undefined ? out : kept).add(elapsed);
          }
        },
      },
    ];

    const warmup = [new LatencyRecorder(0), new LatencyRecorder(0)];
    let call = 0;
    const run = async (rounds: number, measure: boolean) => {
      for (let round = 0; round < rounds; round++) {
        for (let k = 0; k < peers.length; k++) {
          const p = peers[(round + k) % peers.length] as Peer;
          p.block(call, BLOCK, measure ? p.recorders : warmup);
          await nextTurn();
        }
        call += BLOCK;
      }
    };
    await run(WARMUP_ROUNDS, false);
    collectGarbage();
    const measureStarted = performance.now();
    await run(ROUNDS, true);
    const measureMs = performance.now() - measureStarted;

    await logger.forceFlush();
    await otel.provider.forceFlush();
    const loggerStats = logger.stats();
    const steadyStats = steady.stats().totals;
    await logger.shutdown();
    await otel.provider.shutdown();
    const files = await fileTreeStats(path.join(dir, 'predlog'));

    const summaries: Record<string, LatencySummary & { label: string }> = {};
    for (const p of peers) {
      p.recorders.forEach((recorder, i) => {
        const [key, label] = p.outputs[i] as [string, string];
        summaries[key] = { label, ...recorder.summary() };
      });
    }
    const s = (key: string) => summaries[key] as LatencySummary & { label: string };
    console.log(
      `\nPer-call latency, ${ROUNDS} rounds x ${BLOCK} calls per peer after ${WARMUP_ROUNDS} warm-up rounds (${Math.round(measureMs)} ms)`,
    );
    console.log(
      renderTable(
        ['peer', 'calls', 'p50', 'p90', 'p99', 'p99.9', 'mean'],
        Object.values(summaries).map((x) => [
          x.label,
          x.count,
          formatNs(x.p50Ns),
          formatNs(x.p90Ns),
          formatNs(x.p99Ns),
          formatNs(x.p999Ns),
          formatNs(x.meanNs),
        ]),
      ),
    );
    const kept = steadyStats.kept / Math.max(1, steadyStats.received);
    console.log(
      `\ndecide() with default rules kept ${(kept * 100).toFixed(1)}% of the demo records (10% drawn, plus the score tails of the model's own distribution, near-threshold records and the bucket minimum)`,
    );
    console.log(
      `record(): ${loggerStats.received} calls, ${loggerStats.sampledOut} sampled out, ${files.lines} lines on disk`,
    );

    const timer = s('timer').p50Ns;
    const decide = s('decide');
    const emit = s('otelEmit');
    const net = (x: number) => Math.max(0, x - timer);
    const targets = [
      ratioTarget({
        id: 'decide_p50_vs_emit_p50',
        subject: { label: 'decide() p50', value: decide.p50Ns },
        peer: { label: 'OTel emit() p50', value: emit.p50Ns },
        unit: 'ns',
        comparison: '<=',
        limit: 0.03,
      }),
      ratioTarget({
        id: 'record_sampled_out_p50_vs_emit_p50',
        subject: { label: 'record() sampled-out p50', value: s('recordSampledOut').p50Ns },
        peer: { label: 'OTel emit() p50', value: emit.p50Ns },
        unit: 'ns',
        comparison: '<=',
        limit: 0.1,
      }),
    ];
    return {
      parameters: {
        blockCalls: BLOCK,
        rounds: ROUNDS,
        warmupRounds: WARMUP_ROUNDS,
        steadyStateConfig: STEADY_STATE,
        drawOnlyConfig: DRAW_ONLY,
        recordJsonBytesMean: Math.round(traffic.meanJsonBytes()),
        timer: 'process.hrtime.bigint() around each call',
      },
      figures: {
        latency: summaries,
        timerOverheadP50Ns: timer,
        /** Ratios with the timer pair's own cost taken off both sides. */
        netRatios: {
          decideP50VsEmitP50: net(decide.p50Ns) / net(emit.p50Ns),
          decideDrawOnlyP50VsEmitP50: net(s('decideDrawOnly').p50Ns) / net(emit.p50Ns),
          hashP50VsEmitP50: net(s('hash').p50Ns) / net(emit.p50Ns),
          recordSampledOutP50VsEmitP50: net(s('recordSampledOut').p50Ns) / net(emit.p50Ns),
        },
        decideKeptShare: kept,
        record: { stats: loggerStats, linesOnDisk: files.lines },
        measureMs: Math.round(measureMs),
        sink: sink.value,
      },
      targets,
      notes: [
        'decide() timings exclude filling the view (the PredictionLogger does that); emit() timings include picking the record, as in core-record.',
        'figures.netRatios subtracts the timer pair (2x hrtime) from both sides.',
      ],
    };
  } finally {
    await removeTempDir(dir);
  }
}

await runBenchProcess('sampling', 'decide() and record() with the sampling processor vs OTel emit', body);
