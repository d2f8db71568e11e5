import { createPredictionLogger, type DiagnosticEvent, DiagnosticsChannel } from '@predlog/core';
import { lokiExporterFactory } from '@predlog/exporter-loki';
import { otlpExporterFactory } from '@predlog/exporter-otlp';
import { REDACTION_RULES_ATTRIBUTE, redactionProcessorFactory } from '@predlog/processor-redaction';
import {
  corpusFeedback,
  corpusPredictions,
  declinedPrediction,
  emitCorpusAsAppLogs,
  falsePositives,
  findLeaks,
  type Haystack,
  MAX_FALSE_POSITIVE_RATE,
  nearMisses,
  nearMissesMissingFromBytes,
  piiCorpus,
} from '@predlog/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CapturedContent, lokiContent, otlpContent } from './redaction-leak-support/captured-content.ts';
import {
  type CapturingReceiver,
  startCapturingReceiver,
} from './redaction-leak-support/capturing-receiver.ts';

// Cross-package: the redaction package's PII corpus, through the façade and an OTel LoggerProvider,
// redacted, then sent over real HTTP by the Loki and OTLP exporters. No corpus value may reach any
// byte a receiver sees, in any wire format, compressed or not.

/** A key long enough for the config check; it only ever exists in this test. */
const TEST_KEY = 'test-only-hmac-key-0123456789abcdef';

const BATCH_RECORDS = 8;

const corpus = piiCorpus();
const misses = nearMisses();

interface WireMode {
  readonly name: string;
  readonly loki: { encoding: 'protobuf' } | { encoding: 'json'; gzip: boolean };
  readonly otlp: { protocol: 'http/protobuf' | 'http/json'; compression: 'gzip' | 'none' };
  /** `content-type content-encoding` every request of each exporter must carry. */
  readonly lokiHeaders: string;
  readonly otlpHeaders: string;
}

const MODES: readonly WireMode[] = [
  {
    name: 'Loki protobuf+snappy, OTLP http/protobuf+gzip',
    loki: { encoding: 'protobuf' },
    otlp: { protocol: 'http/protobuf', compression: 'gzip' },
    lokiHeaders: 'application/x-protobuf -',
    otlpHeaders: 'application/x-protobuf gzip',
  },
  {
    // Uncompressed OTLP JSON: the raw bytes on the wire are then searchable as they are.
    name: 'Loki JSON+gzip, OTLP http/json uncompressed',
    loki: { encoding: 'json', gzip: true },
    otlp: { protocol: 'http/json', compression: 'none' },
    lokiHeaders: 'application/json gzip',
    otlpHeaders: 'application/json -',
  },
];

function predlogConfig(mode: WireMode, lokiUrl: string, otlpUrl: string): unknown {
  return {
    exporters: {
      // Small batches: the corpus crosses the wire in several requests, each decoded on its own.
      loki: { endpoint: lokiUrl, ...mode.loki, queue: { maxBatchSize: BATCH_RECORDS } },
      otlp: { endpoint: otlpUrl, ...mode.otlp, queue: { maxBatchSize: BATCH_RECORDS } },
    },
    processors: {
      'redaction/pii': {
        rules: [
          { name: 'customer_email', path: 'raw_input.customer.email', action: 'hash' },
          { name: 'ssn_feature', path: 'input_features.ssn', action: 'drop' },
          { name: 'passwords', path: 'raw_input.**.password', action: 'drop' },
          { name: 'entity', path: 'attributes["ml.entity.id"]', action: 'hash' },
        ],
        detectors: { email: { action: 'hash' }, card: { action: 'mask', keepLastChars: 4 } },
        patterns: [{ name: 'employee_id', regex: 'EMP-\\d{6}', action: 'replace' }],
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a predlog env reference, not a JS template
        keys: { k2026: '${env:PREDLOG_LEAK_HMAC_KEY}' },
        activeKey: 'k2026',
      },
    },
    pipelines: {
      all: {
        events: ['ml.prediction', 'ml.feedback', 'app.audit'],
        processors: ['redaction/pii'],
        exporters: ['loki', 'otlp'],
      },
    },
  };
}

function headerSummary(receiver: CapturingReceiver): string[] {
  return [
    ...new Set(
      receiver.requests.map(
        (r) => `${r.path} ${r.headers['content-type'] ?? '-'} ${r.headers['content-encoding'] ?? '-'}`,
      ),
    ),
  ];
}

/** Each request's raw bytes, decompressed bytes and decoded values, named for the failure message. */
function haystacks(exporter: string, contents: readonly CapturedContent[]): Haystack[] {
  return contents.flatMap((c, i) => [
    { where: `${exporter} request ${i} raw bytes`, bytes: c.raw },
    { where: `${exporter} request ${i} decompressed bytes`, bytes: c.decompressed },
    { where: `${exporter} request ${i} decoded values`, text: c.decoded },
  ]);
}

let loki: CapturingReceiver;
let otlp: CapturingReceiver;
beforeEach(async () => {
  loki = await startCapturingReceiver('loki');
  otlp = await startCapturingReceiver('otlp');
});
afterEach(async () => {
  await loki.close();
  await otlp.close();
});

describe('the PII corpus through every network exporter', () => {
  it('has the corpus the package test states: 200+ values, 100+ near-misses', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    expect(misses.length).toBeGreaterThanOrEqual(100);
  });

  for (const mode of MODES) {
    it(`${mode.name}: no corpus value in any byte either receiver saw; near-misses arrive`, async () => {
      const diagnostics: DiagnosticEvent[] = [];
      const predlog = await createPredictionLogger({
        config: predlogConfig(mode, loki.url, otlp.url),
        components: [redactionProcessorFactory, lokiExporterFactory, otlpExporterFactory],
        model: { name: 'fraud', version: '1.0.0' },
        diagnostics: new DiagnosticsChannel((event) => diagnostics.push(event)),
        env: { PREDLOG_LEAK_HMAC_KEY: TEST_KEY },
      });
      const predictions = [...corpusPredictions(), declinedPrediction()];
      for (const input of predictions) expect(predlog.record(input)).toBeTypeOf('string');
      predlog.feedback(corpusFeedback());
      const appLogs = await emitCorpusAsAppLogs(predlog.logRecordProcessor());
      await predlog.forceFlush();
      await predlog.shutdown();

      // Every record reached both receivers, in the wire format asked for: nothing was dropped or
      // failed, which could otherwise pass for "no leak".
      const expected = predictions.length + 1 + appLogs;
      expect(headerSummary(loki)).toEqual([`/loki/api/v1/push ${mode.lokiHeaders}`]);
      expect(headerSummary(otlp)).toEqual([`/v1/logs ${mode.otlpHeaders}`]);
      expect(loki.requests.length).toBeGreaterThanOrEqual(Math.ceil(expected / BATCH_RECORDS));
      expect(otlp.requests.length).toBeGreaterThanOrEqual(Math.ceil(expected / BATCH_RECORDS));
      const lokiContents = loki.requests.map(lokiContent);
      const otlpContents = otlp.requests.map(otlpContent);
      expect(lokiContents.reduce((n, c) => n + c.records, 0)).toBe(expected);
      expect(otlpContents.reduce((n, c) => n + c.records, 0)).toBe(expected);
      const stats = predlog.stats();
      expect(stats.exported).toEqual({ loki: expected, otlp: expected });
      expect(stats.dropped).toEqual({});
      expect(stats.exportFailures).toEqual({});

      // Zero leaks: raw wire bytes, decompressed bytes and decoded values of every request, and the
      // diagnostics (which must hold codes, never values).
      const searched = [...haystacks('loki', lokiContents), ...haystacks('otlp', otlpContents)];
      expect(findLeaks(searched)).toEqual([]);
      expect(findLeaks([{ where: 'diagnostics', text: JSON.stringify(diagnostics) }])).toEqual([]);

      // The receivers saw real content: redaction markers, and near-misses left alone within the
      // package's stated bound, both decoded and as bytes (so the byte search above can find text).
      // Loki lines hold the stored form (`redaction_rules`), OTLP the attribute (`ml.redaction.rules`).
      for (const [exporter, contents, rulesKey] of [
        ['loki', lokiContents, '"redaction_rules":'],
        ['otlp', otlpContents, `"${REDACTION_RULES_ATTRIBUTE}":`],
      ] as const) {
        const decoded = contents.map((c) => c.decoded).join('\n');
        expect(decoded, exporter).toContain('hmac:k2026:');
        expect(decoded, exporter).toContain(rulesKey);
        const wrong = falsePositives(decoded);
        const bytes = Buffer.concat(contents.map((c) => c.decompressed));
        const missingBytes = nearMissesMissingFromBytes(bytes);
        console.info(
          `${mode.name}: ${exporter} ${contents.length} requests, ${expected} records, ${corpus.length} PII values, 0 leaked; ${wrong.length}/${misses.length} near-misses redacted`,
        );
        expect(wrong.length / misses.length, `${exporter} near-misses redacted`).toBeLessThanOrEqual(
          MAX_FALSE_POSITIVE_RATE,
        );
        const stringMisses = misses.filter((m) => typeof m === 'string').length;
        expect(
          missingBytes.length / stringMisses,
          `${exporter} near-misses missing from the decompressed bytes`,
        ).toBeLessThanOrEqual(MAX_FALSE_POSITIVE_RATE);
      }
    });
  }
});
