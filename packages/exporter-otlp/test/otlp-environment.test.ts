import { describe, expect, it } from 'vitest';
import {
  OtlpEnvironmentError,
  type OtlpExporterConfigInput,
  otlpExporterConfigSchema,
  parseOtlpHeaders,
  resolveOtlpSettings,
} from '../src/index.ts';

const resolve = (config: OtlpExporterConfigInput, env: Record<string, string> = {}) =>
  resolveOtlpSettings(otlpExporterConfigSchema.parse(config), env);

describe('resolveOtlpSettings', () => {
  it("gives otlp: {} the spec's default endpoint and protocol", () => {
    const settings = resolve({});
    expect(settings.url).toBe('http://localhost:4318/v1/logs');
    expect(settings.protocol).toBe('http/protobuf');
    expect(settings.timeoutMs).toBe(10_000);
    expect(settings.compression).toBe('gzip');
    expect(settings.sources).toEqual({
      protocol: 'default',
      url: 'default',
      compression: 'default',
      timeoutMs: 'default',
    });
    expect(resolve({ protocol: 'grpc' }).url).toBe('http://localhost:4317');
  });

  it('appends /v1/logs to OTEL_EXPORTER_OTLP_ENDPOINT and takes the _LOGS_ one as is', () => {
    expect(resolve({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).url).toBe(
      'http://collector:4318/v1/logs',
    );
    const both = resolve(
      {},
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://generic:4318',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://loki:3100/otlp/v1/logs',
      },
    );
    expect(both.url).toBe('http://loki:3100/otlp/v1/logs');
    expect(both.sources.url).toBe('OTEL_EXPORTER_OTLP_LOGS_ENDPOINT');
  });

  it('lets explicit config win over every variable', () => {
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'none',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=env,x-extra=1',
    };
    const settings = resolve(
      {
        endpoint: 'http://config:4318',
        protocol: 'http/protobuf',
        timeoutMs: 7000,
        compression: 'gzip',
        headers: { 'X-Tenant': 'config' },
      },
      env,
    );
    expect(settings).toMatchObject({
      url: 'http://config:4318/v1/logs',
      protocol: 'http/protobuf',
      timeoutMs: 7000,
      compression: 'gzip',
      headers: { 'X-Tenant': 'config', 'x-extra': '1' },
    });
    const fromEnv = resolve({}, env);
    expect(fromEnv).toMatchObject({
      url: 'http://env:4318/v1/logs',
      protocol: 'http/json',
      timeoutMs: 2500,
      compression: 'none',
    });
    expect(fromEnv.sources.timeoutMs).toBe('OTEL_EXPORTER_OTLP_TIMEOUT');
  });

  it('prefers the logs-specific variable over the generic one', () => {
    const settings = resolve(
      {},
      {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
        OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: '3000',
      },
    );
    expect(settings.protocol).toBe('grpc');
    expect(settings.timeoutMs).toBe(3000);
    expect(settings.url).toBe('http://localhost:4317');
  });

  it('uses OTEL_EXPORTER_OTLP_ENDPOINT as the gRPC server address, without a path', () => {
    expect(
      resolve(
        {},
        { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317' },
      ).url,
    ).toBe('http://collector:4317/');
  });

  it('names a malformed variable without printing its value', () => {
    const secret = 'https://user:hunter2@collector';
    for (const [env, variable] of [
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: `${secret} not a url` }, 'OTEL_EXPORTER_OTLP_ENDPOINT'],
      [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'hunter2' }, 'OTEL_EXPORTER_OTLP_PROTOCOL'],
      [{ OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: 'hunter2' }, 'OTEL_EXPORTER_OTLP_LOGS_TIMEOUT'],
      [{ OTEL_EXPORTER_OTLP_COMPRESSION: 'hunter2' }, 'OTEL_EXPORTER_OTLP_COMPRESSION'],
      [{ OTEL_EXPORTER_OTLP_HEADERS: 'hunter2' }, 'OTEL_EXPORTER_OTLP_HEADERS'],
    ] as const) {
      let caught: unknown;
      try {
        resolve({}, env);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(OtlpEnvironmentError);
      expect((caught as OtlpEnvironmentError).variable).toBe(variable);
      expect((caught as Error).message).toContain(variable);
      expect((caught as Error).message).not.toContain('hunter2');
    }
  });
});

describe('parseOtlpHeaders', () => {
  it('reads key=value pairs, percent-decoded, the logs variable over the generic one', () => {
    expect(
      parseOtlpHeaders({
        OTEL_EXPORTER_OTLP_HEADERS: 'api-key=a%20b, x-scope-orgid=generic',
        OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'x-scope-orgid=ml',
      }),
    ).toEqual({ 'api-key': 'a b', 'x-scope-orgid': 'ml' });
  });
});
