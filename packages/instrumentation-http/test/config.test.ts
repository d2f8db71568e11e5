import { defaultPredictionExtractor } from '@predlog/instrumentation-model';
import { memoryLogger } from '@predlog/test-kit';
import { describe, expect, it } from 'vitest';
import { httpInstrumentationConfigSchema } from '../src/index.ts';

const { logger } = memoryLogger();

describe('httpInstrumentationConfigSchema', () => {
  it('holds every default', () => {
    const config = httpInstrumentationConfigSchema.parse({
      logger,
      routes: { 'POST /predict': { model: 'fraud' } },
    });
    expect(config).toMatchObject({
      requestIdHeader: 'x-request-id',
      echoRequestId: true,
      exposeRequestId: true,
      maxRequestBodyBytes: 65_536,
      maxResponseBodyBytes: 65_536,
      minErrorStatus: 400,
      captureTraceContext: true,
    });
    expect(config.acceptRequestId.test('req-1:a.b_c')).toBe(true);
    expect(config.acceptRequestId.test('has spaces')).toBe(false);
    expect(config.acceptRequestId.test('x'.repeat(129))).toBe(false);
    expect(config.generateRequestId()).toMatch(/^[0-9a-f-]{36}$/);
    const route = config.routes['POST /predict'];
    expect(route).toMatchObject({ model: 'fraud', logPrediction: true });
    expect(route?.extractPrediction).toBe(defaultPredictionExtractor);
    expect(route?.shadow).toBeUndefined();
  });

  it('names the key and the rule of a bad value', () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ logger, routes: {} }, 'routes', /at least one route/],
      [{ logger, routes: { 'POST predict': { model: 'm' } } }, 'routes.POST predict', /METHOD \/path/],
      [{ logger, routes: { '/predict': {} } }, 'routes./predict.model', /must name the model/],
      [
        { logger, routes: { '/p': { model: 'm', shadow: { name: 'c', version: '1' } } } },
        'routes./p.shadow.predict',
        /function/,
      ],
      [
        { logger, routes: { '/p': { model: 'm' } }, requestIdHeader: 'X-Request-ID' },
        'requestIdHeader',
        /lowercase/,
      ],
      [{ logger, routes: { '/p': { model: 'm' } }, maxRequestBodyBytes: 0 }, 'maxRequestBodyBytes', /./],
      [{ logger, routes: { '/p': { model: 'm' } }, maxBodyBytes: 10 }, '', /maxBodyBytes/],
    ];
    for (const [input, path, message] of cases) {
      const result = httpInstrumentationConfigSchema.safeParse(input);
      expect(result.success, path).toBe(false);
      const issue = result.error?.issues[0];
      expect(issue?.path.join('.')).toBe(path);
      expect(`${issue?.message} ${JSON.stringify(issue)}`).toMatch(message);
    }
  });

  it('accepts a route without a model when it does not log', () => {
    expect(
      httpInstrumentationConfigSchema.safeParse({ logger, routes: { '/p': { logPrediction: false } } })
        .success,
    ).toBe(true);
  });
});
