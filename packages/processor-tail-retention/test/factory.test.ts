import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ComponentRegistry,
  consistentHash,
  createPredictionLogger,
  DiagnosticsChannel,
  systemClock,
} from '@predlog/core';
import { fileExporterFactory } from '@predlog/exporter-file';
import { type MemoryExporter, memoryExporterFactory } from '@predlog/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  TailRetentionProcessor,
  tailRetentionConfigSchema,
  tailRetentionProcessorFactory,
} from '../src/index.ts';
import { testEnv } from './support/harness.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'predlog-tail-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every data file below `root`, relative, sorted. */
async function dataFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
    .sort();
}

async function linesByClass(root: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const file of await dataFiles(root)) {
    const match = /^retention=([^/]+)\/model_name=fraud\/date=2026-10-2[0-9]\/part-.*\.ndjson$/.exec(file);
    expect(match, file).not.toBeNull();
    const text = await readFile(join(root, file), 'utf8');
    const cls = match?.[1] as string;
    out[cls] = (out[cls] ?? 0) + text.split('\n').filter((l) => l !== '').length;
  }
  return out;
}

describe('tailRetentionProcessorFactory', () => {
  it('registers type tail_retention and builds a processor from the defaults', async () => {
    const registry = new ComponentRegistry([tailRetentionProcessorFactory]);
    const factory = registry.getProcessor('tail_retention');
    const processor = await factory?.create(tailRetentionConfigSchema.parse({}), testEnv().services);
    expect(processor).toBeInstanceOf(TailRetentionProcessor);
    expect(processor?.holdsRecords).toBe(true);
    expect((processor as TailRetentionProcessor).evaluationOrder).toEqual([
      'errors',
      'low-confidence',
      'feedback',
      'shadow-disagreement',
      'baseline',
    ]);
    await processor?.shutdown();
  });
});

describe('behind createPredictionLogger, with the file exporter', () => {
  const config = (extra: Record<string, unknown> = {}) => ({
    processors: {
      tail_retention: {
        policies: [
          { name: 'errors', type: 'error', class: 'audit' },
          { name: 'disputes', type: 'feedback', class: 'audit' },
          { name: 'doubt', type: 'low_confidence', delta: 0.05, class: 'standard' },
          { name: 'baseline', type: 'probabilistic', rate: 0.5, class: 'debug' },
        ],
      },
    },
    exporters: {
      file: {
        directory: join(dir, 'logs'),
        compress: false,
        retentionDaysByClass: { debug: 7, standard: 90, audit: 2555 },
        ...extra,
      },
    },
    pipelines: { predictions: { processors: ['tail_retention'], exporters: ['file'] } },
  });

  it('files kept records under retention=<class>/, sweeps each class by its own days, and the ledger balances', async () => {
    const diagnostics = new DiagnosticsChannel(() => {});
    const logger = await createPredictionLogger({
      config: config(),
      components: [tailRetentionProcessorFactory, fileExporterFactory],
      model: { name: 'fraud', version: '1.0.0' },
      diagnostics,
    });
    const day = Date.parse('2026-10-22T10:00:00.000Z');
    const expected = { audit: 0, standard: 0, debug: 0, dropped: 0 };
    for (let i = 0; i < 200; i++) {
      const requestId = `req-${i}`;
      const base = { requestId, features: { amount: i }, latencyMs: 2, threshold: 0.5, timestamp: day + i };
      if (i % 10 === 0) {
        logger.record({ ...base, prediction: null, error: 'TimeoutError' });
        expected.audit += 1;
      } else if (i % 10 === 1) {
        logger.record({ ...base, prediction: 'legit', score: 0.1 });
        logger.feedback({ requestId, complaint: true, source: 'support', timestamp: day + i + 1 });
        expected.audit += 2;
      } else if (i % 10 === 2) {
        logger.record({ ...base, prediction: 'fraud', score: 0.52 });
        expected.standard += 1;
      } else {
        logger.record({ ...base, prediction: 'legit', score: 0.1 });
        if (consistentHash(requestId, 0) < 0.5) expected.debug += 1;
        else expected.dropped += 1;
      }
    }
    // Nothing is decided before the wait (30 s) or a flush: shutdown decides and exports all.
    await logger.shutdown();

    const root = join(dir, 'logs');
    expect(await linesByClass(root)).toEqual({
      audit: expected.audit,
      standard: expected.standard,
      debug: expected.debug,
    });
    const stats = logger.stats();
    expect(stats.received).toBe(220);
    expect(stats.dropped).toEqual({ 'retention_policy@tail_retention': expected.dropped });
    expect(stats.received).toBe((stats.exported.file ?? 0) + expected.dropped);
    const sample = JSON.parse(
      (
        await readFile(
          join(root, (await dataFiles(root)).find((f) => f.startsWith('retention=standard/')) ?? ''),
          'utf8',
        )
      ).split('\n')[0] ?? '',
    ) as Record<string, unknown>;
    expect(sample).toMatchObject({ retention_class: 'standard', retention_policy: 'doubt' });

    // Thirty days later a new exporter's start-up sweep removes debug (7 d), keeps standard and audit.
    const later = await createPredictionLogger({
      config: config(),
      components: [tailRetentionProcessorFactory, fileExporterFactory],
      clock: { ...systemClock, now: () => day + 30 * 86_400_000 },
      diagnostics,
    });
    await later.shutdown();
    const classes = new Set((await dataFiles(root)).map((f) => f.split('/')[0]));
    expect(classes).toEqual(new Set(['retention=audit', 'retention=standard']));
  });

  it('correlates a champion with its challenger (role) and later feedback, logged through record() and feedback()', async () => {
    const exporters: MemoryExporter[] = [];
    const logger = await createPredictionLogger({
      config: {
        processors: {
          tail_retention: {
            policies: [
              { name: 'challenger-disagrees', type: 'shadow_disagreement', class: 'standard' },
              { name: 'wrong', type: 'feedback', onComplaint: false, class: 'audit' },
            ],
          },
        },
        exporters: { memory: {} },
        pipelines: { predictions: { processors: ['tail_retention'], exporters: ['memory'] } },
      },
      components: [tailRetentionProcessorFactory, memoryExporterFactory(exporters)],
      model: { name: 'fraud', version: '2.0.0' },
      diagnostics: new DiagnosticsChannel(() => {}),
    });
    const base = { features: { amount: 1 }, latencyMs: 1, score: 0.3 };
    logger.record({ ...base, requestId: 'a', prediction: 'legit', role: 'champion' });
    logger.record({
      ...base,
      requestId: 'a',
      prediction: 'fraud',
      role: 'challenger',
      model: { name: 'fraud', version: '3.0.0-rc' },
    });
    logger.record({ ...base, requestId: 'b', prediction: 'legit', role: 'champion' });
    logger.record({ ...base, requestId: 'b', prediction: 'legit', role: 'challenger' });
    logger.feedback({ requestId: 'b', label: 'fraud', source: 'chargeback' });
    logger.record({ ...base, requestId: 'c', prediction: 'legit', role: 'champion' });
    await logger.shutdown();
    const kept = (exporters[0]?.records ?? []).map((r) => {
      const a = r.attributes as Record<string, unknown>;
      return [a['ml.request.id'], r.eventName, a['ml.retention.policy']];
    });
    expect(kept).toEqual([
      ['a', 'ml.prediction', 'challenger-disagrees'],
      ['a', 'ml.prediction', 'challenger-disagrees'],
      ['b', 'ml.prediction', 'wrong'],
      ['b', 'ml.prediction', 'wrong'],
      ['b', 'ml.feedback', 'wrong'],
    ]);
    expect(logger.stats().dropped).toEqual({ 'retention_policy@tail_retention': 1 });
  });
});
