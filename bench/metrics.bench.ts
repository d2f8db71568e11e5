/**
 * What serving metrics cost (issue 7), in one process and one run:
 * 1. `record()` per-call latency with metrics off and on (the `@predlog/metrics` observer sees every
 *    prediction before sampling: score histogram + 5 key-feature histograms), beside the OTel SDK's
 *    `logger.emit()`; plus the observer alone, with all 23 features, and the request API. Peers run
 *    in alternating blocks (order rotating each round) with an event-loop turn between blocks, as in
 *    core-record. Target: metrics add at most 0.2x the `emit()` p50 to `record()`'s p50.
 * 2. Scrape time of the Prometheus endpoint with 20 models x 30 key features: `scrape()` in process
 *    (collect + serialise) and a full HTTP GET of the standalone endpoint.
 */
import { request } from 'node:http';
import path from 'node:path';
import { createPredictionLogger, type PredictionLogger, type PredictionView } from '@predlog/core';
import { fileExporterFactory } from '@predlog/exporter-file';
import { createModelMetrics, type ModelMetrics } from '@predlog/metrics';
import { type BenchOutcome, collectGarbage, numberFlag, runBenchProcess } from './lib/bench-process.ts';
import {
  DEMO_MODEL,
  DEMO_SERVICE,
  DEMO_SERVING_NODE,
  DemoTraffic,
  FEATURE_NAMES,
} from './lib/demo-record.ts';
import { nextTurn } from './lib/event-loop-turn.ts';
import { makeTempDir, removeTempDir } from './lib/file-tree-stats.ts';
import { LatencyRecorder, type LatencySummary, percentile, timeEachCall } from './lib/latency-stats.ts';
import { createOtelPeer } from './lib/otel-peer.ts';
import { DiagnosticsTally } from './lib/predlog-file-logger.ts';
import { ratioTarget } from './lib/targets.ts';
import { formatNs, renderTable } from './lib/text-table.ts';

const BLOCK = numberFlag('block', 1000);
const ROUNDS = numberFlag('rounds', 100);
const WARMUP_ROUNDS = numberFlag('warmup-rounds', 20);
const SCRAPES = numberFlag('scrapes', 60);
const SCRAPE_MODELS = 20;
const SCRAPE_FEATURES = 30;
/** The key features of the hot-path runs: what a team would pick to watch for drift. */
const KEY_FEATURES = [
  'log_amount',
  'amount_vs_avg_30d',
  'distance_from_home_km',
  'txn_count_1h',
  'device_trust_score',
];

const decile = (from: number, to: number) =>
  Array.from({ length: 9 }, (_, i) => from + ((to - from) * (i + 1)) / 10);

function fileLogger(
  directory: string,
  diagnostics: DiagnosticsTally,
  metrics?: ModelMetrics,
): Promise<PredictionLogger> {
  return createPredictionLogger({
    config: {
      resource: { 'service.name': DEMO_SERVICE, 'host.name': DEMO_SERVING_NODE },
      exporters: { file: { directory, compress: false } },
      pipelines: { predictions: { exporters: ['file'] } },
    },
    components: [fileExporterFactory],
    model: DEMO_MODEL,
    diagnostics: diagnostics.channel,
    env: {},
    ...(metrics === undefined ? {} : { observers: [metrics], meterProvider: metrics.meterProvider }),
  });
}

interface Peer {
  key: string;
  label: string;
  recorder: LatencyRecorder;
  block(from: number, count: number): void;
}

async function hotPath(
  dir: string,
): Promise<{ summaries: Record<string, LatencySummary & { label: string }> }> {
  const traffic = new DemoTraffic();
  const capacity = ROUNDS * BLOCK;
  const keyMetrics = await createModelMetrics({
    model: DEMO_MODEL,
    config: { features: Object.fromEntries(KEY_FEATURES.map((f) => [f, { buckets: decile(0, 10) }])) },
  });
  const allMetrics = await createModelMetrics({
    model: DEMO_MODEL,
    config: { features: Object.fromEntries(FEATURE_NAMES.map((f) => [f, { buckets: decile(0, 10) }])) },
  });
  const requestMetrics = await createModelMetrics({ model: DEMO_MODEL });
  const off = await fileLogger(path.join(dir, 'off'), new DiagnosticsTally());
  const on = await fileLogger(path.join(dir, 'on'), new DiagnosticsTally(), keyMetrics);
  const onAll = await fileLogger(path.join(dir, 'on-all'), new DiagnosticsTally(), allMetrics);
  const otel = createOtelPeer();
  // The observer alone gets the view core would hand it, one per record variant.
  const views: PredictionView[] = Array.from({ length: 1024 }, (_, i) => {
    const input = traffic.predictionInput(i);
    return {
      modelName: DEMO_MODEL.name,
      modelVersion: DEMO_MODEL.version,
      score: input.score,
      latencyMs: input.latencyMs,
      isError: false,
      features: input.features,
    };
  });
  const sink = { value: 0 };
  const peer = <T>(key: string, label: string, call: (i: number) => T): Peer => ({
    key,
    label,
    recorder: new LatencyRecorder(capacity),
    block(from, count) {
      sink.value += timeEachCall(call, from, count, this.recorder);
    },
  });
  const peers: Peer[] = [
    peer('harness', 'harness: pick record + 2x hrtime', (i) => traffic.predictionInput(i)),
    peer('recordOff', 'record(), metrics off', (i) => off.record(traffic.predictionInput(i))),
    peer('recordOn', `record(), metrics on (${KEY_FEATURES.length} key features)`, (i) =>
      on.record(traffic.predictionInput(i)),
    ),
    peer('recordOnAll', `record(), metrics on (all ${FEATURE_NAMES.length} features)`, (i) =>
      onAll.record(traffic.predictionInput(i)),
    ),
    peer('observer', `observePrediction() alone (${KEY_FEATURES.length} key features)`, (i) => {
      keyMetrics.observePrediction(views[i & 1023] as PredictionView);
      return 1;
    }),
    peer('request', 'startRequest() + end()', () => {
      requestMetrics.startRequest({ endpoint: '/predict' }).end({ statusCode: 200 });
      return 1;
    }),
    peer('otelEmit', 'OTel SDK logger.emit(), batch processor', (i) =>
      otel.logger.emit(traffic.otelRecord(i)),
    ),
  ];
  const throwaway = new LatencyRecorder(0);
  const run = async (rounds: number, measure: boolean, firstCall: number): Promise<number> => {
    let call = firstCall;
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < peers.length; k++) {
        const p = peers[(round + k) % peers.length] as Peer;
        if (measure) p.block(call, BLOCK);
        else {
          const kept = p.recorder;
          p.recorder = throwaway;
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
  await run(ROUNDS, true, next);
  for (const logger of [off, on, onAll]) await logger.shutdown();
  await otel.provider.shutdown();
  for (const metrics of [keyMetrics, allMetrics, requestMetrics]) await metrics.shutdown();
  const summaries: Record<string, LatencySummary & { label: string }> = {};
  for (const p of peers) summaries[p.key] = { label: p.label, ...p.recorder.summary() };
  return { summaries };
}

function httpGet(port: number, urlPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: urlPath, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on('end', () =>
        res.statusCode === 200 ? resolve(bytes) : reject(new Error(`status ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

async function scrapeTime(): Promise<Record<string, number>> {
  const features = Array.from({ length: SCRAPE_FEATURES }, (_, i) => `feature_${String(i).padStart(2, '0')}`);
  const metrics = await createModelMetrics({
    resource: { 'service.name': DEMO_SERVICE },
    config: {
      features: Object.fromEntries(features.map((f) => [f, { buckets: decile(0, 1) }])),
      prometheus: { port: 0 },
    },
  });
  // Every series the instruments can have here: scores and features of 20 models, requests with
  // three status codes, two error types each.
  const values: Record<string, number> = {};
  for (let m = 0; m < SCRAPE_MODELS; m++) {
    const model = { name: `model-${String(m).padStart(2, '0')}`, version: '1.0.0' };
    for (let i = 0; i < 200; i++) {
      for (let f = 0; f < features.length; f++) values[features[f] as string] = ((i * 7 + f) % 100) / 100;
      metrics.observePrediction({
        modelName: model.name,
        modelVersion: model.version,
        score: (i % 100) / 100,
        features: values,
      });
      for (const statusCode of [200, 400, 500])
        metrics.startRequest({ endpoint: '/predict', model }).end({ statusCode });
    }
    metrics.observePrediction({
      modelName: model.name,
      modelVersion: model.version,
      isError: true,
      error: 'TimeoutError',
    });
    metrics.observePrediction({
      modelName: model.name,
      modelVersion: model.version,
      isError: true,
      error: 'ValueError',
    });
    metrics.recordModelLoad(model, 1.5);
  }
  const port = metrics.scrapeAddress?.port ?? 0;
  const text = await metrics.scrape();
  const sampleLines = text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;
  const series = new Set(
    text
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map(
        (line) =>
          line
            .replace(/_(bucket|sum|count)\{/, '{')
            .replace(/,?le="[^"]*"/, '')
            .split(' ')[0],
      ),
  ).size;
  for (let i = 0; i < 10; i++) await metrics.scrape();
  const inProcess = new Float64Array(SCRAPES);
  const overHttp = new Float64Array(SCRAPES);
  let bytes = 0;
  for (let i = 0; i < SCRAPES; i++) {
    let started = performance.now();
    await metrics.scrape();
    inProcess[i] = performance.now() - started;
    started = performance.now();
    bytes = await httpGet(port, '/metrics');
    overHttp[i] = performance.now() - started;
  }
  await metrics.shutdown();
  inProcess.sort();
  overHttp.sort();
  return {
    models: SCRAPE_MODELS,
    featuresPerModel: SCRAPE_FEATURES,
    series,
    sampleLines,
    responseBytes: bytes,
    scrapes: SCRAPES,
    scrapeInProcessP50Ms: percentile(inProcess, 0.5),
    scrapeInProcessP99Ms: percentile(inProcess, 0.99),
    scrapeHttpP50Ms: percentile(overHttp, 0.5),
    scrapeHttpP99Ms: percentile(overHttp, 0.99),
  };
}

async function body(): Promise<BenchOutcome> {
  const dir = await makeTempDir('metrics');
  try {
    const { summaries } = await hotPath(dir);
    const s = (key: string) => summaries[key] as LatencySummary & { label: string };
    console.log(
      `\nPer-call latency, ${ROUNDS} rounds x ${BLOCK} calls per peer after ${WARMUP_ROUNDS} warm-up rounds`,
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
    const added = s('recordOn').p50Ns - s('recordOff').p50Ns;
    const scrape = await scrapeTime();
    console.log(
      `\nScrape of ${scrape.models} models x ${scrape.featuresPerModel} features: ${scrape.series} series, ` +
        `${scrape.sampleLines} sample lines, ${Math.round((scrape.responseBytes ?? 0) / 1024)} KiB`,
    );
    console.log(
      renderTable(
        ['scrape', 'p50', 'p99'],
        [
          [
            'scrape() in process (collect + serialise)',
            `${scrape.scrapeInProcessP50Ms?.toFixed(1)} ms`,
            `${scrape.scrapeInProcessP99Ms?.toFixed(1)} ms`,
          ],
          [
            'HTTP GET /metrics (standalone server)',
            `${scrape.scrapeHttpP50Ms?.toFixed(1)} ms`,
            `${scrape.scrapeHttpP99Ms?.toFixed(1)} ms`,
          ],
        ],
      ),
    );
    const figures: Record<string, unknown> = {
      ...Object.fromEntries(Object.entries(summaries)),
      metricsAddedP50Ns: added,
      scrape,
    };
    return {
      parameters: {
        rounds: ROUNDS,
        warmupRounds: WARMUP_ROUNDS,
        blockCalls: BLOCK,
        keyFeatures: KEY_FEATURES,
        scrapes: SCRAPES,
        scrapeModels: SCRAPE_MODELS,
        scrapeFeatures: SCRAPE_FEATURES,
      },
      figures,
      targets: [
        ratioTarget({
          id: 'metrics_added_p50_vs_emit_p50',
          subject: { label: 'record() p50, metrics on - off', value: added },
          peer: { label: 'OTel emit() p50', value: s('otelEmit').p50Ns },
          unit: 'ns',
          comparison: '<=',
          limit: 0.2,
        }),
      ],
      notes: [
        `observePrediction() alone p50 ${formatNs(s('observer').p50Ns)} (harness ${formatNs(s('harness').p50Ns)} included), ` +
          `${(s('observer').p50Ns / s('otelEmit').p50Ns).toFixed(3)}x emit p50`,
      ],
    };
  } finally {
    await removeTempDir(dir);
  }
}

await runBenchProcess(
  'metrics',
  'serving metrics on the record() hot path, and the scrape time of the endpoint',
  body,
);
