import { readFile } from 'node:fs/promises';
import { ConfigError, parseConfigSection } from '@predlog/core';
import { httpInstrumentationConfigSchema } from '@predlog/instrumentation-http';
import { memoryLogger } from '@predlog/test-kit';
import { describe, expect, it } from 'vitest';
import { registerConfigSchema } from '../src/config.ts';
import { locateConfig } from '../src/config-location.ts';
import { fixture } from './support/app-process.ts';

async function section(name: string, env: Record<string, string> = {}) {
  const file = fixture(name);
  return parseConfigSection(await readFile(file, 'utf8'), file, 'instrumentation', registerConfigSchema, env);
}

async function issuesOf(name: string): Promise<string[]> {
  try {
    await section(name);
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
  throw new Error(`${name} was accepted`);
}

describe('registerConfigSchema (the instrumentation: section)', () => {
  it("minimal.yaml: instrumentation-http's defaults for every capture option, flushTimeoutMs 5000", async () => {
    const config = await section('minimal.yaml');
    expect(config?.flushTimeoutMs).toBe(5000);
    if (config?.http === undefined) throw new Error('minimal.yaml has instrumentation.http');
    const { routes, ...options } = config.http;
    // The same defaults as instrumentation-http's own schema (derived from it, not restated).
    const inCode = httpInstrumentationConfigSchema.parse({ logger: memoryLogger().logger, routes });
    for (const [key, value] of Object.entries(options)) expect(inCode).toHaveProperty(key, value);
    expect(Object.keys(options).sort()).toEqual([
      'captureTraceContext',
      'echoRequestId',
      'exposeRequestId',
      'maxRequestBodyBytes',
      'maxResponseBodyBytes',
      'minErrorStatus',
      'requestIdHeader',
    ]);
    expect(Object.keys(routes)).toEqual(['POST /predict']);
    expect(routes['POST /predict']).toMatchObject({ model: 'fraud', logPrediction: true });
  });

  it('full.yaml: every key a file can hold, with an env reference substituted', async () => {
    const config = await section('full.yaml', { MODEL_VERSION: '3.1.0' });
    expect(config?.flushTimeoutMs).toBe(2000);
    expect(config?.http).toMatchObject({
      requestIdHeader: 'x-correlation-id',
      echoRequestId: false,
      exposeRequestId: false,
      maxRequestBodyBytes: 1024,
      maxResponseBodyBytes: 2048,
      minErrorStatus: 500,
      captureTraceContext: false,
      routes: {
        'POST /v1/models/:name/predict': {
          model: 'fraud',
          version: '3.1.0',
          framework: 'sklearn',
          threshold: 0.7,
        },
        '/score': { model: 'risk', role: 'champion' },
        '/batch/*': { logPrediction: false },
      },
    });
  });

  it("bad-route.yaml: each problem with its line and key path, by instrumentation-http's own rules", async () => {
    const file = fixture('bad-route.yaml');
    const lines = await issuesOf('bad-route.yaml');
    const at = (key: string) => lines.find((line) => line.includes(`: ${key}: `)) ?? `(no issue for ${key})`;
    expect(at('instrumentation.flushTimeoutMs')).toMatch(`${file}:6:`);
    expect(at('instrumentation.flushTimeoutMs')).toContain('must be a positive whole number');
    expect(at('instrumentation.http.routes.PREDICT /x')).toContain('must be "METHOD /path" or "/path"');
    expect(at('instrumentation.http.routes./y.model')).toContain('must name the model');
    expect(at('instrumentation.http.routes./z.extractPrediction')).toContain('a function');
    // The request-id RegExp is code-only: a file that sets it is told the key is unknown.
    expect(at('instrumentation.http.acceptRequestId')).toContain('unknown key');
  });

  it('no-routes.yaml: no section at all', async () => {
    expect(await section('no-routes.yaml')).toBeUndefined();
  });
});

describe('locateConfig', () => {
  it('PREDLOG_CONFIG, relative to the working directory, else ./predlog.yaml', () => {
    expect(locateConfig({ PREDLOG_CONFIG: 'conf/p.yaml' }, '/srv/app')).toEqual({
      file: '/srv/app/conf/p.yaml',
      from: 'PREDLOG_CONFIG',
    });
    expect(locateConfig({ PREDLOG_CONFIG: '/etc/predlog.yaml' }, '/srv/app').file).toBe('/etc/predlog.yaml');
    expect(locateConfig({ PREDLOG_CONFIG: '  ' }, '/srv/app')).toEqual({
      file: '/srv/app/predlog.yaml',
      from: 'working directory',
    });
    expect(locateConfig({}, '/srv/app').from).toBe('working directory');
  });
});
