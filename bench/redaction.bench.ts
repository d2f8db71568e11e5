/**
 * Cost of the redaction processor per record, on the demo record, in one process and one run:
 * three path rules; the same plus HMAC hashing of two fields; everything plus every detector. Beside
 * it, `JSON.stringify` of the same record (the flat stored form) and pino writing it to a file with
 * and without `redact` on the same three paths. Peers run in alternating blocks, the order rotating
 * every round; each figure is the median of the per-record times of its blocks.
 */
import { once } from 'node:events';
import path from 'node:path';
import { createNoopMeter } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { DiagnosticsChannel, PredlogLogRecord, systemClock } from '@predlog/core';
import {
  type RedactionConfigInput,
  RedactionProcessor,
  redactionConfigSchema,
} from '@predlog/processor-redaction';
import { pino } from 'pino';
import { type BenchOutcome, collectGarbage, numberFlag, runBenchProcess } from './lib/bench-process.ts';
import { DemoTraffic } from './lib/demo-record.ts';
import { nextTurn } from './lib/event-loop-turn.ts';
import { makeTempDir, removeTempDir } from './lib/file-tree-stats.ts';
import { createPinoPeer } from './lib/pino-peer.ts';
import { ratioTarget } from './lib/targets.ts';
import { formatNs, formatRate, renderTable } from './lib/text-table.ts';

const BLOCK = numberFlag('block', 2048);
const ROUNDS = numberFlag('rounds', 40);
const WARMUP_ROUNDS = numberFlag('warmup-rounds', 8);
/** Records per process() call, as core's drain hands them over (logger.drainBatchSize). */
const BATCH = 512;

/** The same three fields for the processor (body paths) and for pino (paths in the flat record). */
const THREE_PATHS = ['raw_input.customer_email', 'raw_input.card_number', 'raw_input.ip_address'] as const;
const KEY = 'bench-only-hmac-key-0123456789abcdefghijklmnop';

const detectorsOff = {
  email: { action: 'off' },
  card: { action: 'off' },
  iban: { action: 'off' },
  ssn: { action: 'off' },
  phone: { action: 'off' },
  ipv6: { action: 'off' },
  ipv4: { action: 'off' },
} as const;

const pathRules: RedactionConfigInput['rules'] = [
  { path: THREE_PATHS[0], action: 'replace' },
  { path: THREE_PATHS[1], action: 'mask', keepLastChars: 4 },
  { path: THREE_PATHS[2], action: 'drop' },
];
const hashRules: RedactionConfigInput['rules'] = [
  { path: 'attributes["ml.request.id"]', action: 'hash' },
  { path: 'attributes["ml.prediction.id"]', action: 'hash' },
];

const CONFIGS: Record<
  'pathRules' | 'pathRulesHash' | 'pathRulesDetectors' | 'everything',
  RedactionConfigInput
> = {
  pathRules: { rules: pathRules, detectors: detectorsOff },
  pathRulesHash: {
    rules: [...pathRules, ...hashRules],
    detectors: detectorsOff,
    keys: { bench: KEY },
    activeKey: 'bench',
  },
  // Not a target: separates the cost of the detectors from that of hashing.
  pathRulesDetectors: { rules: pathRules },
  // Every built-in detector on with its default action (replace), over every string, number and key.
  everything: { rules: [...pathRules, ...hashRules], keys: { bench: KEY }, activeKey: 'bench' },
};

function processor(config: RedactionConfigInput, diagnostics: DiagnosticsChannel): RedactionProcessor {
  return new RedactionProcessor(redactionConfigSchema.parse(config), {
    id: 'redaction',
    diagnostics,
    meter: createNoopMeter(),
    clock: systemClock,
    resource: resourceFromAttributes({}),
    baseDir: process.cwd(),
  });
}

interface Peer {
  key: string;
  label: string;
  /** Nanoseconds per record of each measured block. */
  samples: number[];
  /** Untimed preparation before a block (building fresh records). */
  prepare?: (from: number) => void;
  /** Runs `BLOCK` records starting at `from`; returns something so the work cannot be discarded. */
  run: (from: number) => number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function body(): Promise<BenchOutcome> {
  const dir = await makeTempDir('redaction');
  try {
    const traffic = new DemoTraffic();
    const resource = resourceFromAttributes({ 'service.name': 'fraud-service' });
    const scope = { name: '@predlog/core' };
    const diagnostics = new DiagnosticsChannel(() => undefined);
    const processors = {
      pathRules: processor(CONFIGS.pathRules, diagnostics),
      pathRulesHash: processor(CONFIGS.pathRulesHash, diagnostics),
      pathRulesDetectors: processor(CONFIGS.pathRulesDetectors, diagnostics),
      everything: processor(CONFIGS.everything, diagnostics),
    };

    // Fresh records for every block: the processor writes its summary attributes into each record.
    // The body is shared: redaction copies a map before changing it, never mutating it in place.
    const records: PredlogLogRecord[] = new Array(BLOCK);
    const buildRecords = (from: number) => {
      for (let k = 0; k < BLOCK; k++) {
        const otel = traffic.otelRecord(from + k);
        records[k] = new PredlogLogRecord({
          hrTime: [1_773_480_600, 0],
          resource,
          instrumentationScope: scope,
          attributes: { ...otel.attributes },
          body: otel.body,
          eventName: otel.eventName,
        });
      }
    };
    const runProcessor = (p: RedactionProcessor) => () => {
      let kept = 0;
      for (let k = 0; k < BLOCK; k += BATCH) kept += p.process(records.slice(k, k + BATCH)).length;
      return kept;
    };

    const pinoPlain = await createPinoPeer(path.join(dir, 'pino-plain.ndjson'));
    const redactDestination = pino.destination({
      dest: path.join(dir, 'pino-redact.ndjson'),
      sync: false,
      mkdir: true,
    });
    await once(redactDestination, 'ready');
    const pinoRedact = pino({ redact: { paths: [...THREE_PATHS] } }, redactDestination);

    const peers: Peer[] = [
      {
        key: 'pathRules',
        label: 'redaction: 3 path rules',
        samples: [],
        prepare: buildRecords,
        run: runProcessor(processors.pathRules),
      },
      {
        key: 'pathRulesHash',
        label: 'redaction: 3 path rules + hash 2 fields',
        samples: [],
        prepare: buildRecords,
        run: runProcessor(processors.pathRulesHash),
      },
      {
        key: 'pathRulesDetectors',
        label: 'redaction: 3 path rules + all detectors',
        samples: [],
        prepare: buildRecords,
        run: runProcessor(processors.pathRulesDetectors),
      },
      {
        key: 'everything',
        label: 'redaction: rules + hash + all detectors',
        samples: [],
        prepare: buildRecords,
        run: runProcessor(processors.everything),
      },
      {
        key: 'jsonStringify',
        label: 'JSON.stringify(record)',
        samples: [],
        run: (from) => {
          let bytes = 0;
          for (let k = 0; k < BLOCK; k++) bytes += JSON.stringify(traffic.flatRecord(from + k)).length;
          return bytes;
        },
      },
      {
        key: 'pino',
        label: 'pino logger.info(record), file',
        samples: [],
        run: (from) => {
          for (let k = 0; k < BLOCK; k++) pinoPlain.logger.info(traffic.flatRecord(from + k));
          return BLOCK;
        },
      },
      {
        key: 'pinoRedact',
        label: 'pino + redact (3 paths), file',
        samples: [],
        run: (from) => {
          for (let k = 0; k < BLOCK; k++) pinoRedact.info(traffic.flatRecord(from + k));
          return BLOCK;
        },
      },
    ];

    let sink = 0;
    let call = 0;
    const round = async (index: number, measure: boolean) => {
      for (let k = 0; k < peers.length; k++) {
        const peer = peers[(index + k) % peers.length] as Peer;
        peer.prepare?.(call);
        const t0 = process.hrtime.bigint();
        sink += peer.run(call);
        const ns = Number(process.hrtime.bigint() - t0);
        if (measure) peer.samples.push(ns / BLOCK);
        // pino's writes and the garbage of the block get their turn outside the timed part.
        await nextTurn();
      }
      call += BLOCK;
    };
    for (let i = 0; i < WARMUP_ROUNDS; i++) await round(i, false);
    collectGarbage();
    for (let i = 0; i < ROUNDS; i++) await round(i, true);
    await pinoPlain.end();
    const closed = once(redactDestination, 'close');
    redactDestination.end();
    await closed;

    const perRecord: Record<string, number> = {};
    for (const peer of peers) perRecord[peer.key] = median(peer.samples);
    const ns = (key: string) => perRecord[key] as number;
    const stringify = ns('jsonStringify');

    console.log(
      `\nPer record, median of ${ROUNDS} blocks of ${BLOCK} records (after ${WARMUP_ROUNDS} warm-up rounds)`,
    );
    console.log(
      renderTable(
        ['peer', 'per record', 'records/s', 'x JSON.stringify'],
        peers.map((peer) => [
          peer.label,
          formatNs(ns(peer.key)),
          formatRate(1e9 / ns(peer.key)),
          `${(ns(peer.key) / stringify).toFixed(3)}x`,
        ]),
      ),
    );
    const redactionStats = Object.fromEntries(Object.entries(processors).map(([key, p]) => [key, p.stats()]));

    const targets = [
      ratioTarget({
        id: 'path_rules_vs_json_stringify',
        subject: { label: 'redaction 3 path rules per record', value: ns('pathRules') },
        peer: { label: 'JSON.stringify per record', value: stringify },
        unit: 'ns',
        comparison: '<=',
        limit: 0.3,
      }),
      ratioTarget({
        id: 'everything_vs_json_stringify',
        subject: { label: 'redaction everything on per record', value: ns('everything') },
        peer: { label: 'JSON.stringify per record', value: stringify },
        unit: 'ns',
        comparison: '<=',
        limit: 1.5,
      }),
    ];
    return {
      parameters: {
        blockRecords: BLOCK,
        rounds: ROUNDS,
        warmupRounds: WARMUP_ROUNDS,
        processBatchRecords: BATCH,
        recordJsonBytesMean: Math.round(traffic.meanJsonBytes()),
        configs: CONFIGS,
        pinoRedactPaths: THREE_PATHS,
        timer: 'process.hrtime.bigint() around each block',
      },
      figures: {
        perRecordNs: perRecord,
        recordsPerSecond: Object.fromEntries(Object.entries(perRecord).map(([k, v]) => [k, 1e9 / v])),
        ratioToJsonStringify: Object.fromEntries(
          Object.entries(perRecord).map(([k, v]) => [k, v / stringify]),
        ),
        samplesNsPerRecord: Object.fromEntries(peers.map((p) => [p.key, p.samples])),
        redactionStats,
        diagnostics: Object.fromEntries(diagnostics.counts()),
        sink,
      },
      targets,
      notes: [
        'Processor input: the demo record as predlog builds it after the async boundary (ml.* attributes, body map); JSON.stringify and pino get the flat stored form of the same record.',
        'Building the fresh records of a block is not timed; process() gets them in batches of 512, as core drains them.',
        'The "everything" config hashes ml.request.id and ml.prediction.id (2 HMAC-SHA256 per record) and scans every string, number and map key with all 7 detectors.',
      ],
    };
  } finally {
    await removeTempDir(dir);
  }
}

await runBenchProcess('redaction', 'redaction processor per record vs JSON.stringify and pino redact', body);
