import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import {
  createPredictionLogger,
  type DiagnosticEvent,
  DiagnosticsChannel,
  type PredictionInput,
} from '@predlog/core';
import { fileExporterFactory } from '@predlog/exporter-file';
import { CountingMeter, type TempDir, tempDir } from '@predlog/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RedactionConfigInput, redactionProcessorFactory } from '../src/index.ts';
import { nearMisses, type PiiValue, piiCorpus } from './support/pii-corpus.ts';
import { logRecord, redactor, TEST_KEY } from './support/redactor.ts';

/** The config both runs use: every detector on, a few path rules, a user pattern, hashing. */
const CORPUS_CONFIG: RedactionConfigInput = {
  rules: [
    { name: 'customer_email', path: 'raw_input.customer.email', action: 'hash' },
    { name: 'ssn_feature', path: 'input_features.ssn', action: 'drop' },
    { name: 'passwords', path: 'raw_input.**.password', action: 'drop' },
    { name: 'entity', path: 'attributes["ml.entity.id"]', action: 'hash' },
  ],
  detectors: {
    email: { action: 'hash' },
    card: { action: 'mask', keepLastChars: 4 },
  },
  patterns: [{ name: 'employee_id', regex: 'EMP-\\d{6}', action: 'replace' }],
  keys: { k2026: TEST_KEY },
  activeKey: 'k2026',
};

const corpus = piiCorpus();
const misses = nearMisses();

/** Every textual form a value could leak in: as written, JSON-escaped, its digits, lower case, compact. */
function leakForms(pii: PiiValue): string[] {
  const text = String(pii.value);
  const forms = new Set([text, JSON.stringify(text).slice(1, -1)]);
  const digits = text.replace(/\D/g, '');
  if (digits.length >= 8) forms.add(digits);
  if (pii.kind === 'email') forms.add(text.toLowerCase());
  if (pii.kind === 'iban') forms.add(text.replace(/\s/g, '').toUpperCase());
  return [...forms];
}

function leaksIn(haystack: string): PiiValue[] {
  return corpus.filter((pii) => leakForms(pii).some((form) => haystack.includes(form)));
}

/** Where the i-th value goes: a field, free text, a list, a nested map, a key, an attribute. */
function place(
  pii: PiiValue,
  i: number,
  raw: Record<string, unknown>,
  attributes: Record<string, unknown>,
): void {
  const v = pii.value;
  const text = String(v);
  switch (i % 10) {
    case 0:
      raw[`field_${i}`] = v;
      break;
    case 1:
      raw[`notes_${i}`] = `Customer wrote: "please reach me at ${text} tomorrow", agent noted it.`;
      break;
    case 2:
      raw[`history_${i}`] = [
        { at: '2026-01-31T12:00:00Z', contact: v },
        { at: '2026-01-30T09:00:00Z', contact: null },
      ];
      break;
    case 3:
      raw[`prompt_${i}`] =
        `System: you are a support bot.\nUser: my details are ${text}; why was my payment declined?\nAssistant:`;
      break;
    case 4:
      attributes[`app.contact_${i}`] = v;
      break;
    case 5:
      attributes[`app.message_${i}`] = `lookup failed for ${text} (timeout)`;
      break;
    case 6:
      raw[`as_text_${i}`] = text;
      break;
    case 7:
      raw[`nested_${i}`] = { a: { b: { list: [{ other: 'x' }, { value: v }] } } };
      break;
    case 8:
      raw[`by_contact_${i}`] = typeof v === 'string' ? { [v]: { visits: 3 } } : { value: v };
      break;
    default:
      raw[`explanation_${i}`] = [{ feature: 'contact', contribution: 0.12, value: v }];
  }
}

/** Records holding the whole corpus (about ten values each) and every near-miss, twice. */
function corpusRecords(): Array<{ attributes: Record<string, unknown>; body: Record<string, unknown> }> {
  const records: Array<{ attributes: Record<string, unknown>; body: Record<string, unknown> }> = [];
  for (let start = 0; start < corpus.length; start += 10) {
    const raw: Record<string, unknown> = {};
    const attributes: Record<string, unknown> = {
      'ml.model.name': 'fraud',
      'ml.prediction.id': `p-${start}`,
    };
    corpus.slice(start, start + 10).forEach((pii, k) => {
      place(pii, start + k, raw, attributes);
    });
    records.push({ attributes, body: { raw_input: raw, prediction: 'legit' } });
  }
  const emails = corpus.filter((p) => p.kind === 'email');
  const ssns = corpus.filter((p) => p.kind === 'ssn');
  records.push({
    attributes: { 'ml.model.name': 'fraud', 'ml.entity.id': String(emails[3]?.value) },
    body: {
      raw_input: { customer: { email: emails[1]?.value, password: 'hunter2-secret' } },
      input_features: { ssn: ssns[0]?.value, amount: 12 },
    },
  });
  const near: Record<string, unknown> = {};
  misses.forEach((miss, i) => {
    near[`near_${i}`] = miss;
    near[`near_text_${i}`] = `value ${String(miss)} end`;
  });
  records.push({ attributes: { 'ml.model.name': 'fraud' }, body: { raw_input: near } });
  return records;
}

/** Near-misses changed in `text` (a JSON document holding the near-miss record). */
function falsePositives(text: string): Array<string | number> {
  return misses.filter((miss) => {
    const value = typeof miss === 'number' ? String(miss) : JSON.stringify(miss);
    const inText = JSON.stringify(`value ${String(miss)} end`);
    return !text.includes(value) || !text.includes(inText);
  });
}

/** Stated bound on the share of near-misses the detectors may redact. */
const MAX_FALSE_POSITIVE_RATE = 0.02;

describe('the PII corpus', () => {
  it('has at least 200 values of every kind and 100 near-misses', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    expect(misses.length).toBeGreaterThanOrEqual(100);
    expect(corpus.filter((p) => typeof p.value === 'number').length).toBeGreaterThanOrEqual(10);
    for (const kind of ['email', 'phone', 'card', 'ssn', 'iban', 'ipv4', 'ipv6', 'employee_id'])
      expect(corpus.some((p) => p.kind === kind)).toBe(true);
  });

  it('leaves no value in the processor output, diagnostics or metric labels, and few false positives', () => {
    const { processor, diagnostics, metrics } = redactor(CORPUS_CONFIG);
    const records = corpusRecords().map((r) => logRecord(r.attributes, r.body));
    const kept = processor.process(records);
    expect(kept).toHaveLength(records.length);
    const output = JSON.stringify(kept.map((r) => ({ attributes: r.attributes, body: r.body })));
    expect(leaksIn(output).map((p) => p.value)).toEqual([]);
    expect(leaksIn(JSON.stringify(diagnostics))).toEqual([]);
    expect(leaksIn([...metrics.labelValues].join('\n'))).toEqual([]);

    const wrong = falsePositives(output);
    const rate = wrong.length / misses.length;
    console.info(
      `redaction corpus: ${corpus.length} PII values, 0 leaked; ${misses.length} near-misses, ${wrong.length} redacted (false-positive rate ${(rate * 100).toFixed(1)}%)`,
    );
    expect(rate).toBeLessThanOrEqual(MAX_FALSE_POSITIVE_RATE);
    // Every corpus value was counted, under a rule or detector name.
    const stats = processor.stats();
    const total = Object.values(stats.redactions).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(corpus.length);
    expect(stats.valueFailures + stats.recordFailures).toBe(0);
  });

  describe('through a real file exporter', () => {
    let dir: TempDir;
    beforeEach(async () => {
      dir = await tempDir('predlog-redaction-');
    });
    afterEach(async () => {
      await dir.remove();
    });

    it('writes no corpus value to any byte on disk (gzip included), from the façade, feedback and OTel logs', async () => {
      const configFile = join(dir.path, 'predlog.yaml');
      await writeFile(configFile, corpusYaml());
      const diagnostics: DiagnosticEvent[] = [];
      const metrics = new CountingMeter();
      const predlog = await createPredictionLogger({
        configFile,
        components: [fileExporterFactory, redactionProcessorFactory],
        model: { name: 'fraud', version: '1.0.0' },
        diagnostics: new DiagnosticsChannel((event) => diagnostics.push(event)),
        meterProvider: { getMeter: () => metrics.meter },
        env: { PREDLOG_HMAC_KEY: TEST_KEY },
      });
      const records = corpusRecords();
      records.forEach((record, i) => {
        const input: PredictionInput = {
          requestId: `req-${i}`,
          rawInput: (record.body.raw_input ?? {}) as Record<string, unknown>,
          prediction: 'legit',
          score: 0.1,
          latencyMs: 2,
        };
        const entity = record.attributes['ml.entity.id'];
        if (typeof entity === 'string') input.entityId = entity;
        expect(predlog.record(input)).toBeTypeOf('string');
      });
      // Card numbers as features (numbers and strings), a declined payment's error message.
      const cardsAsNumbers = corpus.filter((p) => p.kind === 'card' && typeof p.value === 'number');
      predlog.record({
        requestId: 'req-features',
        features: Object.fromEntries(cardsAsNumbers.map((p, i) => [`pan_${i}`, p.value])),
        prediction: 'fraud',
        latencyMs: 1,
        error: new Error(
          `card ${String(corpus.find((p) => p.kind === 'card')?.value)} declined for ${String(corpus[0]?.value)}`,
        ),
      });
      const emails = corpus.filter((p) => p.kind === 'email');
      predlog.feedback({
        requestId: 'req-1',
        entityId: String(emails[5]?.value),
        label: `customer ${String(emails[6]?.value)} confirmed`,
        source: 'human_review',
      });
      // Logs that never went through record(): an application's own OTel LoggerProvider.
      const provider = new LoggerProvider({
        resource: resourceFromAttributes({ 'service.name': 'support-bot' }),
        processors: [predlog.logRecordProcessor()],
      });
      const otelRecords = corpusRecords();
      for (const record of otelRecords) {
        provider.getLogger('support-bot').emit({
          eventName: 'app.audit',
          attributes: record.attributes as Record<string, string>,
          body: record.body as Record<string, string>,
        });
      }
      await provider.forceFlush();
      await predlog.shutdown();

      const bytes = await readEveryFile(dir.path);
      expect(bytes.files.some((f) => f.endsWith('.gz'))).toBe(true);
      // The stored form names the summary annotation `redaction_rules` (schema ANNOTATION_FIELDS).
      expect(bytes.text).toContain('"redaction_rules":[');
      expect(bytes.text).toContain('hmac:k2026:');
      expect(leaksIn(bytes.text).map((p) => p.value)).toEqual([]);
      expect(leaksIn(JSON.stringify(diagnostics))).toEqual([]);
      expect(leaksIn([...metrics.labelValues].join('\n'))).toEqual([]);
      // Every record arrived (nothing was dropped to hide a failure), and near-misses survived.
      const stats = predlog.stats();
      expect(Object.values(stats.dropped).reduce((a, b) => a + b, 0)).toBe(0);
      expect(falsePositives(bytes.text).length / misses.length).toBeLessThanOrEqual(MAX_FALSE_POSITIVE_RATE);
      expect(metrics.at('predlog.processor.redaction.redactions', 'rule', 'email')).toBeGreaterThan(0);
    });
  });
});

function corpusYaml(): string {
  return `
exporters:
  file:
    directory: ./logs
    compress: true
    maxFileBytes: 4096
processors:
  redaction/pii:
    rules:
      - { name: customer_email, path: raw_input.customer.email, action: hash }
      - { name: ssn_feature, path: input_features.ssn, action: drop }
      - { name: passwords, path: "raw_input.**.password", action: drop }
      - name: entity
        path: attributes["ml.entity.id"]
        action: hash
    detectors:
      email: { action: hash }
      card: { action: mask, keepLastChars: 4 }
    patterns:
      - { name: employee_id, regex: 'EMP-\\d{6}', action: replace }
    keys:
      k2026: \${env:PREDLOG_HMAC_KEY}
    activeKey: k2026
pipelines:
  all:
    events: [ml.prediction, ml.feedback, app.audit]
    processors: [redaction/pii]
    exporters: [file]
`;
}

async function readEveryFile(root: string): Promise<{ files: string[]; text: string }> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files: string[] = [];
  let text = '';
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.push(path);
    const raw = await readFile(path);
    // The config file holds rule names only, but it is not output: skip it.
    if (path.endsWith('.yaml')) continue;
    text += `${path.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8')}\n`;
  }
  return { files, text };
}
