/**
 * Each processor README's "Inside a plain OpenTelemetry LoggerProvider" example, run as written:
 * a stock `LoggerProvider`, the predlog processor built with the public `createComponentServices()`,
 * and the provider's own exporting processor behind it. The first test checks that every example's
 * lines stand, in order, in this file, so a README that changes without this test fails.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BatchLogRecordProcessor, InMemoryLogRecordExporter, LoggerProvider } from '@opentelemetry/sdk-logs';
import { createComponentServices } from '@predlog/core';
import { RedactionProcessor, redactionConfigSchema } from '@predlog/processor-redaction';
import { SamplingProcessor, samplingConfigSchema } from '@predlog/processor-sampling';
import { TailRetentionProcessor, tailRetentionConfigSchema } from '@predlog/processor-tail-retention';
import { describe, expect, it } from 'vitest';

const EXAMPLE_INTRO = 'Inside a plain OpenTelemetry';
const README_PACKAGES = ['processor-redaction', 'processor-sampling', 'processor-tail-retention'];

/** The first `ts` code block after the paragraph that introduces the plain-provider example. */
function readmeExample(packageDir: string): string {
  const readme = readFileSync(new URL(`../packages/${packageDir}/README.md`, import.meta.url), 'utf8');
  const intro = readme.indexOf(EXAMPLE_INTRO);
  expect(intro, `${packageDir}/README.md has no "${EXAMPLE_INTRO}" example`).toBeGreaterThan(-1);
  const start = readme.indexOf('```ts\n', intro);
  const end = readme.indexOf('\n```', start + 6);
  return readme.slice(start + 6, end);
}

/** Which names each module import brings in, across every import statement of `source`. */
function importedNames(source: string): Map<string, Set<string>> {
  const imports = new Map<string, Set<string>>();
  for (const match of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'([^']+)';/g)) {
    const names = imports.get(match[2] as string) ?? new Set<string>();
    for (const name of (match[1] as string).split(',')) if (name.trim() !== '') names.add(name.trim());
    imports.set(match[2] as string, names);
  }
  return imports;
}

const codeLines = (source: string): string[] =>
  source
    .replace(/import\s*\{[^}]*\}\s*from\s*'[^']+';/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');

function containsRun(haystack: readonly string[], needle: readonly string[]): boolean {
  for (let i = 0; i + needle.length <= haystack.length; i++)
    if (needle.every((line, j) => haystack[i + j] === line)) return true;
  return false;
}

/** Drives the exporter the README examples write as `exporter`. */
function newExporter(): InMemoryLogRecordExporter {
  return new InMemoryLogRecordExporter();
}

describe('processors inside a plain OpenTelemetry LoggerProvider, as the READMEs show', () => {
  it('runs each README example as written (its imports and lines are in this file)', () => {
    const self = readFileSync(fileURLToPath(import.meta.url), 'utf8');
    const selfImports = importedNames(self);
    const selfLines = codeLines(self);
    for (const packageDir of README_PACKAGES) {
      const example = readmeExample(packageDir);
      for (const [module, names] of importedNames(example))
        for (const name of names)
          expect(selfImports.get(module)?.has(name), `${packageDir}: ${name} from ${module}`).toBe(true);
      const lines = codeLines(example);
      expect(lines.length).toBeGreaterThan(3);
      expect(containsRun(selfLines, lines), `${packageDir}/README.md example differs from this test`).toBe(
        true,
      );
    }
  });

  it('redaction: what reaches the exporter carries no e-mail address', async () => {
    const exporter = newExporter();
    // packages/processor-redaction/README.md, "Inside a plain OpenTelemetry LoggerProvider":
    const redaction = new RedactionProcessor(
      redactionConfigSchema.parse({ rules: [{ path: 'raw_input.customer.phone', action: 'drop' }] }),
      createComponentServices({ id: 'redaction/pii' }),
    );
    const provider = new LoggerProvider({
      processors: [redaction.pipeTo(new BatchLogRecordProcessor({ exporter }))],
    });
    provider.getLogger('app').emit({
      eventName: 'ml.prediction',
      attributes: { 'ml.request.id': 'r-1', 'app.user': 'ada@example.com' },
      body: { raw_input: { customer: { phone: '+44 20 7946 0958', note: 'mail ada@example.com' } } },
    });
    // (end of the README example)
    await provider.forceFlush();

    const [record, ...more] = exporter.getFinishedLogRecords();
    expect(more).toHaveLength(0);
    expect(record?.attributes['app.user']).toBe('[REDACTED:email]');
    expect(record?.attributes['ml.request.id']).toBe('r-1');
    expect(record?.body).toEqual({ raw_input: { customer: { note: 'mail [REDACTED:email]' } } });
    expect(JSON.stringify([record?.attributes, record?.body])).not.toMatch(/ada@example|7946/);
    await provider.shutdown();
  });

  it('sampling: kept records carry a weight that estimates the records emitted', async () => {
    const exporter = newExporter();
    const predictions = Array.from({ length: 2000 }, (_, i) => ({
      id: `req-${i}`,
      score: (i % 97) / 97,
      features: { amount: i % 500 },
    }));
    // packages/processor-sampling/README.md, "Inside a plain OpenTelemetry LoggerProvider":
    const sampler = new SamplingProcessor(
      samplingConfigSchema.parse({ rate: 0.1 }),
      createComponentServices({ id: 'sampling/default' }),
    );
    const provider = new LoggerProvider({
      processors: [sampler.pipeTo(new BatchLogRecordProcessor({ exporter }))],
    });
    const logger = provider.getLogger('app');
    for (const { id, score, features } of predictions) {
      logger.emit({
        eventName: 'ml.prediction',
        attributes: {
          'ml.request.id': id,
          'ml.model.name': 'fraud',
          'ml.model.deployed_at': '2026-03-01T08:00:00Z', // or epoch milliseconds; optional
          'ml.prediction.score': score,
        },
        body: { input_features: features },
      });
    }
    // (end of the README example)
    await provider.forceFlush();

    const kept = exporter.getFinishedLogRecords();
    const sampled = kept.filter((r) => r.attributes['ml.sampling.reason'] === 'sampled');
    expect(sampled.length).toBeGreaterThan(0);
    for (const record of sampled) expect(record.attributes['ml.sampling.weight']).toBeCloseTo(10, 9);
    for (const record of kept) expect(typeof record.attributes['ml.sampling.weight']).toBe('number');
    // Far fewer records than emitted reach the exporter, but their weights still add up to about
    // the number emitted (the hash of fixed ids makes this deterministic; the tolerance is ±3 sd).
    expect(kept.length).toBeLessThan(predictions.length / 2);
    const estimate = kept.reduce((sum, r) => sum + (r.attributes['ml.sampling.weight'] as number), 0);
    expect(Math.abs(estimate - predictions.length)).toBeLessThan(3 * Math.sqrt(predictions.length * 9));
    await provider.shutdown();
  });

  it('tail retention: a failed prediction is kept and labelled with its retention class', async () => {
    const exporter = newExporter();
    // packages/processor-tail-retention/README.md, "Inside a plain OpenTelemetry LoggerProvider":
    const retention = new TailRetentionProcessor(
      tailRetentionConfigSchema.parse({}),
      createComponentServices({ id: 'tail_retention' }),
    );
    const provider = new LoggerProvider({
      processors: [retention.pipeTo(new BatchLogRecordProcessor({ exporter }))],
    });
    provider.getLogger('app').emit({
      eventName: 'ml.prediction',
      attributes: { 'ml.request.id': 'r-42', 'ml.prediction.status': 'error', 'error.type': 'Timeout' },
    });
    // (end of the README example)
    // The group waits decisionWaitMs (30 s) for more of r-42; a flush decides it now.
    expect(exporter.getFinishedLogRecords()).toHaveLength(0);
    await provider.forceFlush();

    const [record, ...more] = exporter.getFinishedLogRecords();
    expect(more).toHaveLength(0);
    expect(record?.attributes['ml.retention.class']).toBe('standard');
    expect(record?.attributes['ml.retention.policy']).toBe('errors');
    await provider.shutdown();
  });
});
