import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@predlog/core';
import { describe, expect, it } from 'vitest';
import { createModelMetrics, DEFAULT_SCORE_BUCKETS, metricsConfigSchema } from '../src/index.ts';

const fixtures = new URL('./fixtures/config/', import.meta.url);

async function fixture(name: string): Promise<unknown> {
  return JSON.parse(await readFile(new URL(name, fixtures), 'utf8'));
}

/** What each fixture must parse to, or the key path and rule its error must name. */
const expectations: Record<
  string,
  { ok: true; check: Record<string, unknown> } | { ok: false; path: string; message: RegExp }
> = {
  'minimal.json': { ok: true, check: { maxSeriesPerInstrument: 1000, features: {} } },
  'full.json': {
    ok: true,
    check: {
      maxSeriesPerInstrument: 200,
      maxLabelValueLength: 64,
      requestDurationBucketsSeconds: [0.005, 0.02, 0.1, 1],
      scoreBuckets: [0.1, 0.5, 0.9, 1],
      features: { amount: { buckets: [10, 100, 1000] }, account_age_days: { buckets: [30, 365] } },
      prometheus: {
        endpoint: '/internal/metrics',
        port: 9464,
        host: '0.0.0.0',
        targetInfo: false,
        resourceLabelsPattern: '^service\\.name$',
      },
      otlp: {
        url: 'http://otel-collector:4318/v1/metrics',
        headers: { 'x-tenant': 'ml' },
        exportIntervalMs: 15_000,
        exportTimeoutMs: 5000,
      },
    },
  },
  'unknown-key.json': { ok: false, path: '', message: /maxSeriesPerInstrumnet/ },
  'cap-too-high.json': { ok: false, path: 'maxSeriesPerInstrument', message: /at most 1998/ },
  'buckets-not-ascending.json': {
    ok: false,
    path: 'requestDurationBucketsSeconds',
    message: /strictly ascending/,
  },
  'score-bucket-above-one.json': { ok: false, path: 'scoreBuckets', message: /within \[0, 1\]/ },
  'feature-name-invalid.json': { ok: false, path: 'features.9lives', message: /feature name/ },
  'feature-without-buckets.json': { ok: false, path: 'features.amount.buckets', message: /./ },
  'resource-labels-bad-regex.json': {
    ok: false,
    path: 'prometheus.resourceLabelsPattern',
    message: /valid regular expression/,
  },
  'endpoint-not-a-path.json': { ok: false, path: 'prometheus.endpoint', message: /starting with "\/"/ },
  'otlp-timeout-over-interval.json': {
    ok: false,
    path: 'otlp.exportTimeoutMs',
    message: /not be longer than exportIntervalMs/,
  },
  'otlp-url-not-http.json': { ok: false, path: 'otlp.url', message: /http\(s\) URL/ },
};

describe('metricsConfigSchema', () => {
  it('holds every default', () => {
    expect(metricsConfigSchema.parse({})).toEqual({
      maxSeriesPerInstrument: 1000,
      maxLabelValueLength: 128,
      requestDurationBucketsSeconds: [
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
      ],
      scoreBuckets: DEFAULT_SCORE_BUCKETS,
      features: {},
      entropyBuckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
      featureRanges: {},
      prometheus: { endpoint: '/metrics', host: '127.0.0.1', targetInfo: true },
    });
    expect(DEFAULT_SCORE_BUCKETS).toHaveLength(20);
    expect(DEFAULT_SCORE_BUCKETS[0]).toBe(0.05);
    expect(DEFAULT_SCORE_BUCKETS.at(-1)).toBe(1);
  });

  it('fills the defaults of a partly given prometheus or otlp section', () => {
    const config = metricsConfigSchema.parse({
      prometheus: { port: 0 },
      otlp: { url: 'https://collector.example.com/v1/metrics' },
    });
    expect(config.prometheus).toEqual({ endpoint: '/metrics', host: '127.0.0.1', targetInfo: true, port: 0 });
    expect(config.otlp).toEqual({
      url: 'https://collector.example.com/v1/metrics',
      headers: {},
      exportIntervalMs: 60_000,
      exportTimeoutMs: 30_000,
    });
  });

  it('has an expectation for every fixture', async () => {
    const files = (await readdir(fixtures)).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(Object.keys(expectations).sort());
  });

  for (const [name, expectation] of Object.entries(expectations)) {
    it(`${name}: ${expectation.ok ? 'parses' : `fails at "${expectation.path}"`}`, async () => {
      const result = metricsConfigSchema.safeParse(await fixture(name));
      if (expectation.ok) {
        expect(result.success, JSON.stringify(result.error?.issues)).toBe(true);
        expect(result.data).toMatchObject(expectation.check);
        return;
      }
      expect(result.success).toBe(false);
      const issue = result.error?.issues.find((i) => i.path.join('.') === expectation.path);
      expect(issue, JSON.stringify(result.error?.issues)).toBeDefined();
      const text = issue?.code === 'unrecognized_keys' ? issue.keys.join(',') : issue?.message;
      expect(text).toMatch(expectation.message);
    });
  }
});

describe('createModelMetrics', () => {
  it('refuses a bad config with a ConfigError naming every key path at once', async () => {
    const error = await createModelMetrics({
      config: { maxSeriesPerInstrument: 0, scoreBuckets: [2] } as never,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues.map((i) => i.path).sort()).toEqual(['maxSeriesPerInstrument', 'scoreBuckets']);
    expect((error as ConfigError).message).toContain(
      '<metrics config>: maxSeriesPerInstrument: must be at least 1',
    );
  });

  describe('from the metrics: section of a predlog config file', () => {
    async function withConfigFile<T>(text: string, use: (file: string) => Promise<T>): Promise<T> {
      const dir = await mkdtemp(join(tmpdir(), 'predlog-metrics-config-'));
      try {
        const file = join(dir, 'predlog.yaml');
        await writeFile(file, text);
        return await use(file);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    const pipeline = 'exporters:\n  file: { directory: ./logs }\npipelines:\n  p: { exporters: [file] }\n';

    /** The exposition after one request, with metrics built from `text` as a config file. */
    function scrapeAfterOneRequest(text: string, env: Record<string, string>): Promise<string> {
      return withConfigFile(text, async (configFile) => {
        const metrics = await createModelMetrics({ configFile, env });
        try {
          metrics.startRequest({ endpoint: '/predict' }).end({ statusCode: 200 });
          return await metrics.scrape();
        } finally {
          await metrics.shutdown();
        }
      });
    }

    it('uses the section, with env substitution, for what the instruments record', async () => {
      const text = `${pipeline}metrics:\n  requestDurationBucketsSeconds: [0.123, "\${env:SLOW_S}"]\n`;
      const exposition = await scrapeAfterOneRequest(text, { SLOW_S: '7.5' });
      expect(exposition).toMatch(/model_request_duration_seconds_bucket\{[^}]*le="0.123"/);
      expect(exposition).toMatch(/model_request_duration_seconds_bucket\{[^}]*le="7.5"/);
      expect(exposition).not.toMatch(/model_request_duration_seconds_bucket\{[^}]*le="0.25"/);
    });

    it('takes every default when the file has no metrics section', async () => {
      const exposition = await scrapeAfterOneRequest(pipeline, {});
      expect(exposition).toMatch(/model_request_duration_seconds_bucket\{[^}]*le="0.25"/);
    });

    it('refuses a bad section with the file, line and key of each problem', async () => {
      const text = `${pipeline}metrics:\n  scoreBuckets: [0.5, 2]\n  featurs: {}\n`;
      const error = await withConfigFile(text, (configFile) =>
        createModelMetrics({ configFile, env: {} }).catch((e: unknown) => e),
      );
      expect(error).toBeInstanceOf(ConfigError);
      const lines = (error as ConfigError).message
        .split('\n')
        .map((line) => line.replace(/^.*predlog\.yaml/, 'predlog.yaml'));
      expect(lines).toEqual([
        'predlog.yaml:6:17: metrics.scoreBuckets: must lie within [0, 1] (scores are probabilities)',
        expect.stringMatching(
          /^predlog\.yaml:7:3: metrics\.featurs: unknown key \(did you mean "features"\?\)/,
        ),
      ]);
    });

    it('takes config or configFile, not both', async () => {
      await expect(createModelMetrics({ config: {}, configFile: 'predlog.yaml' })).rejects.toThrow(
        'give config or configFile, not both',
      );
    });
  });
});

describe('default latency buckets', () => {
  it('resolve a sub-millisecond model and keep the SLA buckets', async () => {
    const { DEFAULT_REQUEST_DURATION_BUCKETS_SECONDS } = await import('../src/index.ts');
    const buckets: readonly number[] = DEFAULT_REQUEST_DURATION_BUCKETS_SECONDS;
    // A 0.1 ms model falls in the first bucket; three more lie below 1 ms.
    expect(buckets[0]).toBeLessThanOrEqual(0.0001);
    expect(buckets.filter((b) => b < 0.001).length).toBeGreaterThanOrEqual(3);
    for (const sla of [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]) expect(buckets).toContain(sla);
    expect([...buckets].sort((a, b) => a - b)).toEqual(buckets);
  });
});
