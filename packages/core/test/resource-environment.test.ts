import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ExporterFactory } from '../src/contracts.ts';
import { createPredictionLogger } from '../src/prediction-logger.ts';
import { resourceFromEnvironment, sdkDisabled } from '../src/resource-environment.ts';
import { MemoryExporter, recordingDiagnostics } from './support.ts';

describe('resourceFromEnvironment', () => {
  it('reads OTEL_RESOURCE_ATTRIBUTES, percent-decoded, with OTEL_SERVICE_NAME over its service.name', () => {
    expect(
      resourceFromEnvironment({
        OTEL_RESOURCE_ATTRIBUTES:
          'service.name=from-attrs, deployment.environment.name=prod,team=ml%20platform',
        OTEL_SERVICE_NAME: 'fraud-service',
      }),
    ).toEqual({
      attributes: {
        'service.name': 'fraud-service',
        'deployment.environment.name': 'prod',
        team: 'ml platform',
      },
    });
  });

  it('discards a malformed list whole and says why without quoting it', () => {
    const result = resourceFromEnvironment({ OTEL_RESOURCE_ATTRIBUTES: 'team=ml,token-s3cret' });
    expect(result.attributes).toEqual({});
    expect(result.problem).toMatch(/key=value/);
    expect(result.problem).not.toContain('s3cret');
  });
});

describe('sdkDisabled', () => {
  it('is true only for "true" in any case', () => {
    expect(sdkDisabled({ OTEL_SDK_DISABLED: 'TRUE' })).toBe(true);
    expect(sdkDisabled({ OTEL_SDK_DISABLED: 'true ' })).toBe(true);
    for (const value of ['false', '1', 'yes', '', undefined])
      expect(sdkDisabled({ OTEL_SDK_DISABLED: value })).toBe(false);
  });
});

describe('createPredictionLogger and the OTel environment', () => {
  const config = { exporters: { memory: {} }, pipelines: { p: { exporters: ['memory'] } } };

  it('puts OTEL_RESOURCE_ATTRIBUTES on the resource; explicit resource attributes win', async () => {
    const exporter = new MemoryExporter('memory');
    const factory: ExporterFactory = {
      kind: 'exporter',
      type: 'memory',
      configSchema: z.strictObject({}),
      create: () => exporter,
    };
    const logger = await createPredictionLogger({
      config,
      components: [factory],
      env: {
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,service.name=env-name',
        OTEL_SERVICE_NAME: 'svc',
      },
      resource: { 'deployment.environment.name': 'staging' },
    });
    logger.record({
      requestId: 'r-1',
      model: { name: 'm', version: '1' },
      features: { a: 1 },
      prediction: 'x',
    });
    await logger.shutdown();
    const attributes = exporter.records[0]?.resource.attributes;
    expect(attributes?.['service.name']).toBe('svc');
    expect(attributes?.['deployment.environment.name']).toBe('staging');
  });

  it('with OTEL_SDK_DISABLED=true is a no-op that reads no config and never throws', async () => {
    const { diagnostics, events } = recordingDiagnostics();
    const logger = await createPredictionLogger({
      configFile: '/nonexistent/predlog.yaml',
      env: { OTEL_SDK_DISABLED: 'true' },
      diagnostics,
    });
    expect(logger.record({ requestId: 'r', features: { a: Number.NaN }, prediction: 1 })).toBeUndefined();
    expect(logger.startTimer().record({ requestId: 'r', prediction: 1 })).toBeUndefined();
    logger.feedback({ requestId: 'r', label: 1, source: 'chargebacks' });
    await logger.forceFlush();
    await logger.shutdown();
    expect(logger.stats().received).toBe(0);
    expect(events).toEqual([]);
  });
});
