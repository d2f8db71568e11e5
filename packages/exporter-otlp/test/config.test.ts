import { readdir, readFile } from 'node:fs/promises';
import { ComponentRegistry, ConfigError, resolveConfig } from '@predlog/core';
import { describe, expect, it } from 'vitest';
import { otlpExporterConfigSchema, otlpExporterFactory, resolveOtlpSettings } from '../src/index.ts';

const fixtures = new URL('./fixtures/config/', import.meta.url);

async function fixture(name: string): Promise<unknown> {
  return JSON.parse(await readFile(new URL(name, fixtures), 'utf8'));
}

const expectations: Record<
  string,
  { ok: true; check: Record<string, unknown> } | { ok: false; path: string; message: RegExp }
> = {
  'minimal.json': { ok: true, check: { endpoint: 'http://collector:4318' } },
  'empty.json': { ok: true, check: { headers: {}, maxRequestBytes: 524_288 } },
  'grpc.json': { ok: true, check: { endpoint: 'http://collector:4317', protocol: 'grpc' } },
  'grpc-logs-endpoint.json': { ok: false, path: 'logsEndpoint', message: /with protocol grpc set endpoint/ },
  'max-request-bytes-small.json': { ok: false, path: 'maxRequestBytes', message: /1024/ },
  'full.json': {
    ok: true,
    check: {
      logsEndpoint: 'https://loki.example.com/otlp/v1/logs',
      protocol: 'http/json',
      headers: { 'X-Scope-OrgID': 'ml' },
      bearerToken: 'from-env',
      compression: 'none',
      timeoutMs: 5000,
      tls: { caFile: 'ca.pem', certFile: 'client.pem', keyFile: 'client-key.pem', insecureSkipVerify: false },
    },
  },
  'both-endpoints.json': { ok: false, path: 'endpoint', message: /not both/ },
  'not-http.json': { ok: false, path: 'endpoint', message: /http:\/\/ or https:\/\// },
  'auth-header-clash.json': { ok: false, path: 'headers.Authorization', message: /one way to authenticate/ },
  'tls-on-http.json': { ok: false, path: 'tls', message: /https:\/\/ endpoint/ },
  'unknown-key.json': { ok: false, path: '', message: /compresion/ },
};

describe('otlpExporterConfigSchema', () => {
  it('holds every default', () => {
    // protocol, compression and timeoutMs stay unset: the environment may give them (below).
    expect(otlpExporterConfigSchema.parse({ endpoint: 'http://collector:4318' })).toEqual({
      endpoint: 'http://collector:4318',
      headers: {},
      maxRequestBytes: 524_288,
      tls: { insecureSkipVerify: false },
    });
  });

  it('has an expectation for every fixture', async () => {
    expect((await readdir(fixtures)).sort()).toEqual(Object.keys(expectations).sort());
  });

  for (const [name, expected] of Object.entries(expectations)) {
    it(`${name}: ${expected.ok ? 'parses' : `fails at "${expected.path}"`}`, async () => {
      const result = otlpExporterConfigSchema.safeParse(await fixture(name));
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

  it('builds the logs URL from endpoint (+ /v1/logs) or takes logsEndpoint as is', () => {
    const parse = (input: Record<string, unknown>) =>
      resolveOtlpSettings(otlpExporterConfigSchema.parse(input), {}).url;
    expect(parse({ endpoint: 'http://collector:4318' })).toBe('http://collector:4318/v1/logs');
    expect(parse({ endpoint: 'http://loki:3100/otlp/' })).toBe('http://loki:3100/otlp/v1/logs');
    expect(parse({ logsEndpoint: 'http://x:1/custom' })).toBe('http://x:1/custom');
  });
});

describe('otlp config through core', () => {
  it('reports a bad setting as a config error naming the key path', () => {
    let error: unknown;
    try {
      resolveConfig(
        {
          exporters: { otlp: { endpoint: 'http://c:4318', timeoutMs: 0 } },
          pipelines: { p: { exporters: ['otlp'] } },
        },
        new ComponentRegistry([otlpExporterFactory]),
        { env: {} },
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues[0]?.path).toBe('exporters.otlp.timeoutMs');
  });
});
