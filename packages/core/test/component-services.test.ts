import os from 'node:os';
import { type MeterProvider, metrics } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { createComponentServices } from '../src/component-services.ts';
import { systemClock } from '../src/contracts.ts';
import { DiagnosticsChannel } from '../src/diagnostics.ts';
import { recordingDiagnostics } from './support.ts';

/** A MeterProvider that records which meter names were asked for. */
function namingMeterProvider(): { provider: MeterProvider; names: string[] } {
  const names: string[] = [];
  const noop = metrics.getMeterProvider();
  return {
    names,
    provider: {
      getMeter(name, version, options) {
        names.push(name);
        return noop.getMeter(name, version, options);
      },
    },
  };
}

describe('createComponentServices', () => {
  it('builds working defaults with no options', () => {
    const services = createComponentServices({ env: {} });
    expect(services.id).toBe('component');
    expect(services.diagnostics).toBeInstanceOf(DiagnosticsChannel);
    expect(services.clock).toBe(systemClock);
    expect(services.baseDir).toBe(process.cwd());
    expect(services.resource.attributes).toEqual({
      'service.name': 'unknown_service:node',
      'host.name': os.hostname(),
    });
    expect(typeof services.meter.createCounter).toBe('function');
  });

  it('names the meter after the component, from the given MeterProvider', () => {
    const { provider, names } = namingMeterProvider();
    createComponentServices({ id: 'redaction/pii', meterProvider: provider, env: {} });
    expect(names).toEqual(['@predlog/redaction/pii']);
  });

  it('takes every service it is given as it is', () => {
    const { diagnostics } = recordingDiagnostics();
    const meter = metrics.getMeterProvider().getMeter('mine');
    const resource = resourceFromAttributes({ 'service.name': 'scorer' });
    const clock = { ...systemClock, now: () => 42 };
    const services = createComponentServices({
      id: 'sampling',
      diagnostics,
      meter,
      clock,
      resource,
      baseDir: '/srv/app',
    });
    expect(services).toEqual({ id: 'sampling', diagnostics, meter, clock, resource, baseDir: '/srv/app' });
    expect(services.resource).toBe(resource);
  });

  it('merges resource attributes over the defaults and the OTel environment', () => {
    const services = createComponentServices({
      env: {
        OTEL_SERVICE_NAME: 'fraud-api',
        OTEL_RESOURCE_ATTRIBUTES: 'team=risk,region=eu',
        POD_NAME: 'p-1',
      },
      resource: { region: 'us' },
    });
    expect(services.resource.attributes).toEqual({
      'service.name': 'fraud-api',
      'host.name': os.hostname(),
      'k8s.pod.name': 'p-1',
      team: 'risk',
      region: 'us',
    });
  });

  it('reports a malformed OTEL_RESOURCE_ATTRIBUTES once, without its value, and goes on', () => {
    const { diagnostics, events } = recordingDiagnostics();
    const services = createComponentServices({
      diagnostics,
      env: { OTEL_RESOURCE_ATTRIBUTES: 'secret-token-value' },
    });
    expect(services.resource.attributes['service.name']).toBe('unknown_service:node');
    expect(events.map((e) => e.code)).toEqual(['resource_env_invalid']);
    expect(JSON.stringify(events)).not.toContain('secret-token-value');
  });
});
