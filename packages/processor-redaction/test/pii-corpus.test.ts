import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createPredictionLogger, type DiagnosticEvent, DiagnosticsChannel } from '@predlog/core';
import { fileExporterFactory } from '@predlog/exporter-file';
import {
  CountingMeter,
  corpusFeedback,
  corpusPredictions,
  corpusRecords,
  declinedPrediction,
  emitCorpusAsAppLogs,
  falsePositives,
  findLeaks,
  MAX_FALSE_POSITIVE_RATE,
  nearMisses,
  piiCorpus,
  type TempDir,
  tempDir,
} from '@predlog/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RedactionConfigInput, redactionProcessorFactory } from '../src/index.ts';
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
    expect(
      findLeaks([
        { where: 'processor output', text: output },
        { where: 'diagnostics', text: JSON.stringify(diagnostics) },
        { where: 'metric labels', text: [...metrics.labelValues].join('\n') },
      ]),
    ).toEqual([]);

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
      // Raw input and entity ids only: the exporters' leak test sends the corpus as features as well.
      for (const { features: _features, ...input } of corpusPredictions())
        expect(predlog.record(input)).toBeTypeOf('string');
      // Card numbers as features (numbers and strings), a declined payment's error message.
      predlog.record(declinedPrediction());
      predlog.feedback(corpusFeedback());
      await emitCorpusAsAppLogs(predlog.logRecordProcessor());
      await predlog.shutdown();

      const bytes = await readEveryFile(dir.path);
      expect(bytes.files.some((f) => f.endsWith('.gz'))).toBe(true);
      // The stored form names the summary annotation `redaction_rules` (schema ANNOTATION_FIELDS).
      expect(bytes.text).toContain('"redaction_rules":[');
      expect(bytes.text).toContain('hmac:k2026:');
      expect(
        findLeaks([
          { where: 'files', text: bytes.text },
          { where: 'diagnostics', text: JSON.stringify(diagnostics) },
          { where: 'metric labels', text: [...metrics.labelValues].join('\n') },
        ]),
      ).toEqual([]);
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
