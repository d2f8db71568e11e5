import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { exportQueueConfigSchema, loggerConfigSchema } from '../src/config.ts';
import {
  ConfigError,
  loadConfigFile,
  parseConfigSection,
  parseConfigText,
  resolveConfig,
} from '../src/config-loader.ts';
import type { ExporterFactory, ProcessorFactory } from '../src/contracts.ts';
import type { LogRecordLike } from '../src/log-record.ts';
import { BaseProcessor } from '../src/otel-adapters.ts';
import { createPredictionLogger } from '../src/prediction-logger.ts';
import { ComponentRegistry } from '../src/registry.ts';
import { MemoryExporter, recordingDiagnostics } from './support.ts';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (name: string) => path.join(fixtures, name);

const unit = 'must be a number from 0 to 1';
const exporters: MemoryExporter[] = [];
const memoryFactory: ExporterFactory = {
  kind: 'exporter',
  type: 'memory',
  configSchema: z.strictObject({
    label: z.string().default('memory'),
    rate: z.number().min(0, unit).max(1, unit).optional(),
  }),
  create(_config, services) {
    const exporter = new MemoryExporter(services.id);
    exporters.push(exporter);
    return exporter;
  },
};
class TagProcessor extends BaseProcessor {
  readonly value: string;
  constructor(id: string, value: string) {
    super(id);
    this.value = value;
  }
  process(records: LogRecordLike[]): LogRecordLike[] {
    for (const r of records) r.setAttribute('deployment', this.value);
    return records;
  }
}
const tagFactory: ProcessorFactory = {
  kind: 'processor',
  type: 'tag',
  configSchema: z.strictObject({ value: z.string(), rate: z.number().min(0, unit).max(1, unit).default(1) }),
  create: (config, services) => new TagProcessor(services.id, (config as { value: string }).value),
};
const registry = () => new ComponentRegistry([memoryFactory, tagFactory]);

async function configError(file: string, env: Record<string, string> = {}): Promise<ConfigError> {
  try {
    await loadConfigFile(fixture(file), registry(), env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`${file} was expected to fail`);
}

describe('config defaults', () => {
  it('the logger schema holds every default', () => {
    expect(loggerConfigSchema.parse({})).toEqual({
      maxQueueRecords: 65_536,
      maxQueueBytes: 64 * 1024 * 1024,
      drainBatchSize: 512,
      drainTurnMs: 2,
      maxStringLength: 8192,
      maxDepth: 8,
      maxArrayLength: 1024,
      maxObjectKeys: 512,
      maxRecordBytes: 1024 * 1024,
      captureTraceContext: true,
      shutdownTimeoutMs: 10_000,
      thread: 'inline',
    });
  });

  it('the export queue schema holds every default', () => {
    expect(exportQueueConfigSchema.parse({})).toEqual({
      maxBatchSize: 2048,
      maxBatchBytes: 4 * 1024 * 1024,
      maxBatchAgeMs: 1000,
      maxQueueRecords: 131_072,
      timeoutMs: 30_000,
      retry: {
        enabled: true,
        initialIntervalMs: 500,
        maxIntervalMs: 30_000,
        multiplier: 2,
        jitter: 0.2,
        maxElapsedMs: 300_000,
      },
      spill: { enabled: false, maxBytes: 256 * 1024 * 1024, fsync: false },
    });
  });
});

describe('loadConfigFile', () => {
  it('loads a minimal YAML file', async () => {
    const config = await loadConfigFile(fixture('minimal.yaml'), registry(), {});
    expect([...config.pipelines.keys()]).toEqual(['predictions']);
    expect(config.exporters.get('memory')?.config).toEqual({ label: 'memory' });
    expect(config.exporters.get('memory')?.queue.maxBatchSize).toBe(2048);
    expect(config.logger.maxQueueRecords).toBe(65_536);
    expect(config.baseDir).toBe(fixtures);
  });

  it('loads every section, substituting env references with and without defaults, with types', async () => {
    const config = await loadConfigFile(fixture('full.yaml'), registry(), { DEPLOY_ENV: 'prod' });
    expect(config.logger.maxStringLength).toBe(256);
    expect(config.processors.get('tag/env')?.config).toEqual({ value: 'prod', rate: 1 });
    expect(config.exporters.get('memory/a')?.queue.maxBatchSize).toBe(100);
    expect(config.exporters.get('memory/a')?.queue.retry.initialIntervalMs).toBe(50);
    expect(config.exporters.get('memory/a')?.config).toEqual({ label: 'a' });
    expect(config.pipelines.get('feedback')?.events).toEqual(['ml.feedback']);
    expect(config.resource).toEqual({ 'service.name': 'fraud-service' });
    const withEnv = await loadConfigFile(fixture('full.yaml'), registry(), { MAX_STRING: '4096' });
    expect(withEnv.logger.maxStringLength).toBe(4096);
    expect(withEnv.processors.get('tag/env')?.config).toEqual({ value: 'dev', rate: 1 });
  });

  it('loads JSON and reports JSON errors with positions', async () => {
    const error = await configError('minimal.json');
    expect(error.issues).toHaveLength(1);
    expect(error.message).toBe(
      `${fixture('minimal.json')}:2:39: exporters.memory.label: expected string (got 5)`,
    );
  });

  it('names file, line, key path, rule and value for a component rule', async () => {
    const error = await configError('rate-too-high.yaml');
    expect(error.message).toBe(
      `${fixture('rate-too-high.yaml')}:4:11: processors.tag/x.rate: ${unit} (got 1.5)`,
    );
  });

  it('rejects unknown keys at every level, pointing at the key, with a suggestion', async () => {
    const error = await configError('typo-key.yaml');
    const lines = error.message.split('\n');
    expect(lines).toContain(
      `${fixture('typo-key.yaml')}:7:1: loger: unknown key (did you mean "logger"?); known keys: resource, logger, processors, exporters, pipelines, metrics, instrumentation`,
    );
    expect(lines).toContain(
      `${fixture('typo-key.yaml')}:3:5: exporters.memory.labl: unknown key (did you mean "label"?); known keys: label, rate`,
    );
  });

  it('reports an unknown component type and a pipeline naming an undefined component', async () => {
    const error = await configError('unknown-type.yaml');
    expect(error.issues.map((i) => `${i.line}: ${i.path}: ${i.message}`)).toEqual([
      '2: exporters.kafka: unknown exporter type "kafka"; known: memory',
      '5: pipelines.p.exporters.1: exporter "missing" is not defined under exporters',
    ]);
  });

  it('validates the core-owned queue settings of an exporter', async () => {
    const error = await configError('bad-queue.yaml');
    expect(error.issues.map((i) => `${i.line}: ${i.path}: ${i.message}`)).toEqual([
      '4: exporters.memory.queue.maxBatchSize: must be a positive whole number (got 0)',
      '5: exporters.memory.queue.timeoutMs: expected number (got "soon")',
    ]);
  });

  it('a missing variable without default is an error, and values from the environment are never printed', async () => {
    const missing = await configError('secret.yaml');
    expect(missing.message).toContain(
      'secret.yaml:3:12: exporters.memory.label: environment variable API_TOKEN is not set',
    );
    const leaked = await configError('secret.yaml', { API_TOKEN: 's3cr3t-token' });
    expect(leaked.message).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a predlog env reference, not a JS template
      'exporters.memory.rate: expected number (got a value from ${env:API_TOKEN}, not shown)',
    );
    expect(leaked.message).not.toContain('s3cr3t');
  });

  it('never echoes a value under a key that names a secret, even when written inline', () => {
    const secretFactory: ExporterFactory = {
      kind: 'exporter',
      type: 'vault',
      configSchema: z.strictObject({ password: z.string().min(32, 'must be at least 32 characters') }),
      create: (_c, services) => new MemoryExporter(services.id),
    };
    const run = () =>
      resolveConfig(
        { exporters: { vault: { password: 'hunter2' } }, pipelines: { p: { exporters: ['vault'] } } },
        new ComponentRegistry([secretFactory]),
      );
    expect(run).toThrow('exporters.vault.password: must be at least 32 characters (got a secret, not shown)');
    expect(run).not.toThrow(/hunter2/);
  });

  it('reports YAML syntax errors with their position', async () => {
    const error = await configError('broken.yaml');
    expect(error.issues[0]?.line).toBeGreaterThan(1);
    expect(error.issues[0]?.message).toMatch(/^not valid YAML/);
  });

  it('reports an unreadable file', async () => {
    const error = await configError('does-not-exist.yaml');
    expect(error.message).toContain('cannot read the config file (ENOENT)');
  });

  it('checks inline configs the same way', () => {
    expect(() => resolveConfig({ exporters: { memory: { label: 1 } }, pipelines: {} }, registry())).toThrow(
      /<inline config>: pipelines: define at least one pipeline\n<inline config>: exporters.memory.label: expected string \(got 1\)/,
    );
    expect(() =>
      resolveConfig({ exporters: { memory: {} }, pipelines: { p: { exporters: [] } } }, registry()),
    ).toThrow('pipelines.p.exporters: a pipeline needs at least one exporter');
    expect(() =>
      resolveConfig({ exporters: { 'Bad Id': {} }, pipelines: { p: { exporters: ['x'] } } }, registry()),
    ).toThrow(/exporters.Bad Id: key must be "type" or "type\/name"/);
  });
});

describe('values from the environment', () => {
  const DIGITS = '123456789012345678901234567890123456';

  it('stay the text the environment holds where the schema takes a string, even all digits', async () => {
    const config = await loadConfigFile(fixture('env-types.yaml'), registry(), {
      MAX_STRING: '4096',
      TRACE: 'false',
      DIGITS,
    });
    // Read as a number, these digits would have become 1.2345678901234568e+35 and been refused.
    expect(config.processors.get('tag/key')?.config).toEqual({ value: DIGITS, rate: 0.5 });
    expect(config.exporters.get('memory')?.config).toEqual({ label: DIGITS });
  });

  it('are read as a number or boolean where the schema takes one and the whole scalar is one reference', async () => {
    const config = await loadConfigFile(fixture('env-types.yaml'), registry(), {
      MAX_STRING: '4096',
      TRACE: 'false',
      DIGITS,
    });
    expect(config.logger.maxStringLength).toBe(4096);
    expect(config.logger.captureTraceContext).toBe(false);
    const schema = z.strictObject({
      port: z.union([z.literal('auto'), z.number().int()]),
      mode: z.literal(2),
      name: z.union([z.string(), z.number()]),
    });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a predlog env reference, not a JS template
    const text = 'section:\n  port: ${env:P}\n  mode: ${env:M}\n  name: ${env:P}\n';
    expect(parseConfigSection(text, 'c.yaml', 'section', schema, { P: '9100', M: '2' })).toEqual({
      port: 9100,
      mode: 2,
      name: '9100',
    });
  });

  it('that do not read as the number the schema takes are named by variable, never printed', async () => {
    const file = fixture('env-not-a-number.yaml');
    const error = await configError('env-not-a-number.yaml', { MAX_STRING: '4k-not-a-number', DEPTH: '8' });
    expect(error.message.split('\n')).toEqual([
      `${file}:2:20: logger.maxStringLength: expected number (got a value from \${env:MAX_STRING}, not shown)`,
      // Part of a longer string: never read as a number, whatever it reads as.
      `${file}:3:13: logger.maxDepth: expected number (got a value from \${env:DEPTH}, not shown)`,
    ]);
    expect(error.message).not.toContain('4k-not-a-number');
  });

  it("are not printed by a rule's own message that embeds the value, nor are inline secrets", async () => {
    const vaultFactory: ExporterFactory = {
      kind: 'exporter',
      type: 'vault',
      configSchema: z.strictObject({
        tenant: z.string().refine((t) => !t.includes(' '), {
          error: (issue) => `"${String(issue.input)}" must not contain spaces`,
        }),
        password: z.string().refine((p) => p.length >= 32, {
          error: (issue) => `${String(issue.input)} is shorter than 32 characters`,
        }),
      }),
      create: (_c, services) => new MemoryExporter(services.id),
    };
    const file = fixture('env-in-rule-message.yaml');
    let error: unknown;
    try {
      await loadConfigFile(file, new ComponentRegistry([vaultFactory]), {
        TENANT: 'acme secret tenant',
        SINK: 'vault/hidden-sink-name',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { message, issues } = error as ConfigError;
    expect(message.split('\n')).toEqual([
      `${file}:3:13: exporters.vault.tenant: "(from \${env:TENANT})" must not contain spaces (got a value from \${env:TENANT}, not shown)`,
      `${file}:4:15: exporters.vault.password: (a secret, not shown) is shorter than 32 characters (got a secret, not shown)`,
      `${file}:7:24: pipelines.p.exporters.1: exporter "(from \${env:SINK})" is not defined under exporters`,
    ]);
    for (const secret of ['acme secret tenant', 'hunter2-inline', 'hidden-sink-name']) {
      expect(message).not.toContain(secret);
      for (const issue of issues) expect(issue.message).not.toContain(secret);
    }
  });
});

describe('parseConfigSection (a section another package owns)', () => {
  const metricsSchema = z.strictObject({
    port: z.number().int().max(65_535, 'must be a port from 0 to 65535').default(9464),
    apiKey: z.string().min(40, 'must be at least 40 characters').optional(),
    features: z.record(z.string(), z.strictObject({ buckets: z.array(z.number()) })).default({}),
  });
  const file = '/etc/predlog/predlog.yaml';
  const text = [
    'exporters:',
    '  memory: {}',
    'pipelines:',
    '  p: { exporters: [memory] }',
    'metrics:',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a predlog env reference, not a JS template
    '  port: ${env:METRICS_PORT:-9464}',
    '  features:',
    '    amount: { buckets: [10, 100] }',
    '',
  ].join('\n');

  it('is accepted by the logger and parsed, with env substitution, by its owner', () => {
    expect(parseConfigText(text, file, registry(), {}).pipelines.size).toBe(1);
    expect(parseConfigSection(text, file, 'metrics', metricsSchema, { METRICS_PORT: '9100' })).toEqual({
      port: 9100,
      features: { amount: { buckets: [10, 100] } },
    });
  });

  it('is undefined when the file has no such section', () => {
    const without = text.slice(0, text.indexOf('metrics:'));
    expect(parseConfigSection(without, file, 'metrics', metricsSchema, {})).toBeUndefined();
  });

  it('reports issues with file, line, column and key path, and a suggestion for a typo', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a predlog env reference, not a JS template
    const bad = text.replace('  port: ${env:METRICS_PORT:-9464}', '  port: 70000\n  featurs: {}');
    let error: unknown;
    try {
      parseConfigSection(bad, file, 'metrics', metricsSchema, {});
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message.split('\n')).toEqual([
      `${file}:6:9: metrics.port: must be a port from 0 to 65535 (got 70000)`,
      `${file}:7:3: metrics.featurs: unknown key (did you mean "features"?); known keys: port, apiKey, features`,
    ]);
  });

  it('never echoes a value that came from the environment', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a predlog env reference, not a JS template
    const withKey = text.replace('metrics:\n', 'metrics:\n  apiKey: ${env:METRICS_KEY}\n');
    let message = '';
    try {
      parseConfigSection(withKey, file, 'metrics', metricsSchema, { METRICS_KEY: 'hunter2-secret' });
    } catch (caught) {
      message = (caught as Error).message;
    }
    expect(message).toContain('metrics.apiKey: must be at least 40 characters');
    expect(message).not.toContain('hunter2');
  });
});

describe('createPredictionLogger', () => {
  it('builds pipelines from a file and runs records through processors to exporters', async () => {
    exporters.length = 0;
    const logger = await createPredictionLogger({
      configFile: fixture('full.yaml'),
      components: [memoryFactory, tagFactory],
      model: { name: 'm', version: '1' },
      env: {},
      diagnostics: recordingDiagnostics().diagnostics,
    });
    logger.record({ requestId: 'r', prediction: 1, latencyMs: 1 });
    logger.feedback({ requestId: 'r', label: 1, source: 's' });
    await logger.forceFlush();
    const [a, b] = exporters;
    expect(a?.id).toBe('memory/a');
    expect(a?.records.map((r) => r.eventName)).toEqual(['ml.prediction']);
    expect(a?.records[0]?.attributes.deployment).toBe('dev');
    expect(b?.records.map((r) => r.eventName)).toEqual(['ml.feedback']);
    expect(a?.records[0]?.resource.attributes['service.name']).toBe('fraud-service');
    await logger.shutdown();
    expect(a?.shutdownCalled).toBe(true);
  });

  it('warns once about components no pipeline uses', async () => {
    const { diagnostics, events } = recordingDiagnostics();
    const logger = await createPredictionLogger({
      config: { exporters: { memory: {}, 'memory/spare': {} }, pipelines: { p: { exporters: ['memory'] } } },
      components: [memoryFactory],
      diagnostics,
    });
    expect(events.map((e) => e.code)).toEqual(['config_unused.exporters.memory/spare']);
    await logger.shutdown();
  });

  it('refuses to register two factories for one type', () => {
    expect(() => new ComponentRegistry([memoryFactory, { ...memoryFactory }])).toThrow('already registered');
  });
});
