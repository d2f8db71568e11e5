import { readdir, readFile } from 'node:fs/promises';
import { ComponentRegistry, ConfigError, resolveConfig } from '@predlog/core';
import { describe, expect, it } from 'vitest';
import { lokiExporterConfigSchema, lokiExporterFactory } from '../src/index.ts';

const fixtures = new URL('./fixtures/config/', import.meta.url);

async function fixture(name: string): Promise<unknown> {
  return JSON.parse(await readFile(new URL(name, fixtures), 'utf8'));
}

/** What each fixture must parse to, or the key path and rule its error must name. */
const expectations: Record<
  string,
  { ok: true; check: Record<string, unknown> } | { ok: false; path: string; message: RegExp }
> = {
  'minimal.json': { ok: true, check: { endpoint: 'http://loki:3100', encoding: 'protobuf' } },
  'full.json': {
    ok: true,
    check: {
      encoding: 'json',
      gzip: true,
      tenant: 'ml-team',
      basicAuth: { username: 'predlog', password: 'from-env' },
      headers: { 'X-Team': 'risk' },
      tls: {
        caFile: 'ca.pem',
        certFile: 'client.pem',
        keyFile: 'client-key.pem',
        serverName: 'loki.internal',
        insecureSkipVerify: false,
      },
      labels: ['service_name', 'model_name', 'env', 'region'],
      staticLabels: { cluster: 'eu-1' },
      structuredMetadata: ['request_id', 'trace_id'],
      maxRequestBytes: 4_194_304,
      maxLineBytes: 131_072,
      deadLetterDirectory: './dead-letter',
    },
  },
  'high-cardinality-label.json': {
    ok: false,
    path: 'labels.1',
    message: /"request_id" is high-cardinality .* cannot be a Loki label.*\| json \| request_id=/,
  },
  'unknown-label.json': {
    ok: false,
    path: 'labels.1',
    message: /"modle_version" is not a low-cardinality label field; allowed: service_name, model_name/,
  },
  'gzip-with-protobuf.json': { ok: false, path: 'gzip', message: /encoding: json only/ },
  'both-auth.json': { ok: false, path: 'bearerToken', message: /basicAuth or bearerToken, not both/ },
  'credentials-in-url.json': { ok: false, path: 'endpoint', message: /must not hold credentials/ },
  'endpoint-not-url.json': { ok: false, path: 'endpoint', message: /http:\/\/ or https:\/\// },
  'too-many-labels.json': { ok: false, path: 'labels', message: /at most 15/ },
  'metadata-also-label.json': { ok: false, path: 'structuredMetadata.0', message: /already a label/ },
  'tls-on-http.json': { ok: false, path: 'tls', message: /https:\/\/ endpoint/ },
  'cert-without-key.json': { ok: false, path: 'tls', message: /certFile and keyFile go together/ },
  'managed-header.json': { ok: false, path: 'headers.Content-Type', message: /set by the exporter/ },
  'line-over-request.json': { ok: false, path: 'maxLineBytes', message: /smaller than maxRequestBytes/ },
  'unknown-key.json': { ok: false, path: '', message: /tennant/ },
  // 1,025 characters but 2,050 bytes: Loki counts bytes.
  'static-label-too-long.json': {
    ok: false,
    path: 'staticLabels.cluster',
    message: /at most 2048 bytes of UTF-8 \(Loki's max_label_value_length\)/,
  },
  'max-streams-zero.json': { ok: false, path: 'maxStreams', message: /at least 1/ },
  'oversized-lines-unknown.json': { ok: false, path: 'oversizedLines', message: /reject.*truncate/ },
  'reject-age-zero.json': {
    ok: false,
    path: 'rejectOldSamplesMaxAgeMs',
    message: /positive number of milliseconds/,
  },
};

describe('lokiExporterConfigSchema', () => {
  it('holds every default', () => {
    expect(lokiExporterConfigSchema.parse({ endpoint: 'http://loki:3100' })).toEqual({
      endpoint: 'http://loki:3100',
      pushPath: '/loki/api/v1/push',
      encoding: 'protobuf',
      gzip: false,
      compressInWorker: true,
      headers: {},
      tls: { insecureSkipVerify: false },
      labels: ['service_name', 'model_name', 'model_version', 'event', 'retention', 'env'],
      staticLabels: {},
      structuredMetadata: [
        'request_id',
        'prediction_id',
        'feedback_id',
        'trace_id',
        'span_id',
        'serving_node',
      ],
      maxStreams: 1000,
      maxRequestBytes: 1_048_576,
      maxLineBytes: 262_144,
      oversizedLines: 'reject',
      rejectOldSamplesMaxAgeMs: 604_800_000,
    });
  });

  it('has an expectation for every fixture', async () => {
    expect((await readdir(fixtures)).sort()).toEqual(Object.keys(expectations).sort());
  });

  for (const [name, expected] of Object.entries(expectations)) {
    it(`${name}: ${expected.ok ? 'parses' : `fails at "${expected.path}"`}`, async () => {
      const result = lokiExporterConfigSchema.safeParse(await fixture(name));
      if (expected.ok) {
        expect(result.success).toBe(true);
        expect(result.data).toMatchObject(expected.check);
      } else {
        expect(result.success).toBe(false);
        const issue = result.error?.issues[0];
        expect(issue?.path.join('.')).toBe(expected.path);
        expect(`${issue?.message} ${JSON.stringify(issue)}`).toMatch(expected.message);
      }
    });
  }

  it("refuses a static label name over Loki's max_label_name_length (1024)", () => {
    const parse = (name: string) =>
      lokiExporterConfigSchema.safeParse({ endpoint: 'http://loki:3100', staticLabels: { [name]: 'x' } });
    expect(parse(`a${'b'.repeat(1023)}`).success).toBe(true);
    expect(JSON.stringify(parse(`a${'b'.repeat(1024)}`).error?.issues)).toMatch(/max_label_name_length/);
  });

  it('rejects every high-cardinality field the issue names as a label', () => {
    for (const field of ['request_id', 'prediction_id', 'score', 'timestamp', 'latency_ms', 'trace_id']) {
      const result = lokiExporterConfigSchema.safeParse({ endpoint: 'http://loki:3100', labels: [field] });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toContain('high-cardinality');
    }
  });
});

describe('loki config through core', () => {
  const registry = new ComponentRegistry([lokiExporterFactory]);

  it('reports a high-cardinality label as a config error naming the key path', () => {
    let error: unknown;
    try {
      resolveConfig(
        {
          exporters: {
            'loki/main': { endpoint: 'http://loki:3100', labels: ['model_name', 'prediction_id'] },
          },
          pipelines: { predictions: { exporters: ['loki/main'] } },
        },
        registry,
        { env: {} },
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issue = (error as ConfigError).issues[0];
    expect(issue?.path).toBe('exporters.loki/main.labels.1');
    expect(issue?.message).toContain('"prediction_id" is high-cardinality');
  });

  it('takes secrets from the environment and keeps the queue settings for core', () => {
    const config = resolveConfig(
      {
        exporters: {
          loki: {
            // biome-ignore lint/suspicious/noTemplateCurlyInString: predlog's config syntax, not a template
            endpoint: '${env:LOKI_URL}',
            // biome-ignore lint/suspicious/noTemplateCurlyInString: predlog's config syntax, not a template
            basicAuth: { username: 'predlog', password: '${env:LOKI_PASSWORD}' },
            queue: { maxBatchSize: 500 },
          },
        },
        pipelines: { predictions: { exporters: ['loki'] } },
      },
      registry,
      { env: { LOKI_URL: 'http://loki:3100', LOKI_PASSWORD: 'p4ss' } },
    );
    const loki = config.exporters.get('loki');
    expect(loki?.config).toMatchObject({ endpoint: 'http://loki:3100', basicAuth: { password: 'p4ss' } });
    expect(loki?.queue.maxBatchSize).toBe(500);
  });
});
