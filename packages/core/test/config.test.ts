import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { exportQueueConfigSchema, spillConfigSchema } from '../src/config.ts';
import { ConfigError, resolveConfig } from '../src/config-loader.ts';
import { ExportError } from '../src/contracts.ts';
import { createPredictionLogger } from '../src/prediction-logger.ts';
import { ComponentRegistry } from '../src/registry.ts';
import { MemoryExporter } from './support.ts';

const registry = new ComponentRegistry([
  {
    kind: 'exporter',
    type: 'memory',
    configSchema: z.strictObject({}),
    create: (_config, services) => new MemoryExporter(services.id),
  },
]);

function issuesOf(queue: unknown): string[] {
  try {
    resolveConfig(
      { exporters: { memory: { queue } }, pipelines: { p: { exporters: ['memory'] } } },
      registry,
      { env: {} },
    );
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

describe('queue.spill config', () => {
  it('holds every default, off unless enabled', () => {
    expect(spillConfigSchema.parse({})).toEqual({ enabled: false, maxBytes: 268_435_456, fsync: false });
    expect(exportQueueConfigSchema.parse({}).spill.enabled).toBe(false);
  });

  it('needs a directory when enabled, and says where', () => {
    expect(issuesOf({ spill: { enabled: true } })).toEqual([
      'exporters.memory.queue.spill.directory: is required when spill is enabled (got nothing)',
    ]);
    expect(issuesOf({ spill: { enabled: true, directory: '/var/spool/predlog' } })).toEqual([]);
  });

  it('rejects a too small bound and unknown keys', () => {
    expect(issuesOf({ spill: { enabled: true, directory: 'd', maxBytes: 100 } })[0]).toMatch(
      /^exporters\.memory\.queue\.spill\.maxBytes: must be at least 4096/,
    );
    expect(issuesOf({ spill: { enabled: true, directory: 'd', maxByte: 1 } })[0]).toMatch(
      /^exporters\.memory\.queue\.spill\.maxByte: unknown key \(did you mean "maxBytes"\?\)/,
    );
  });
});

describe('queue.spill.directory in a config file', () => {
  it('is relative to the config file, like every path in it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'predlog-spill-config-'));
    try {
      const configFile = path.join(dir, 'predlog.yaml');
      await writeFile(
        configFile,
        [
          'exporters:',
          '  down:',
          '    queue: { maxBatchAgeMs: 5, spill: { enabled: true, directory: ./spool } }',
          'pipelines:',
          '  predictions: { exporters: [down] }',
        ].join('\n'),
      );
      const down = new MemoryExporter('down');
      down.failWith = () => new ExportError('refused', { retryable: true });
      const logger = await createPredictionLogger({
        configFile,
        components: [
          { kind: 'exporter', type: 'down', configSchema: z.strictObject({}), create: () => down },
        ],
        diagnostics: { warnOnce: () => undefined, error: () => undefined, info: () => undefined },
      });
      logger.record({ requestId: 'r', prediction: 1 });
      await logger.forceFlush();
      expect(logger.stats().spilled.down).toBe(1);
      await logger.shutdown();
      expect((await readdir(path.join(dir, 'spool', 'down'))).some((f) => f.startsWith('seg-'))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
