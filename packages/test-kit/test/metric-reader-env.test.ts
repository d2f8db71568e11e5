import { describe, expect, it } from 'vitest';
import { metricReaderEnv } from '../src/index.ts';

describe('metricReaderEnv', () => {
  it('readMetrics returns what was recorded, per instrument and attribute set', async () => {
    const env = metricReaderEnv({ id: 'sampling/test', meterScope: '@predlog/test-kit' });
    const kept = env.services.meter.createCounter('predlog.kept');
    kept.add(2, { reason: 'sampled' });
    kept.add(3, { reason: 'sampled' });
    kept.add(1, { reason: 'error' });
    env.services.meter.createHistogram('predlog.weight').record(10);

    const metrics = await env.readMetrics();
    expect(metrics.get('predlog.kept')).toEqual(
      expect.arrayContaining([
        { attributes: { reason: 'sampled' }, value: 5 },
        { attributes: { reason: 'error' }, value: 1 },
      ]),
    );
    expect(metrics.get('predlog.kept')).toHaveLength(2);
    expect(metrics.get('predlog.weight')?.[0]?.value).toMatchObject({ count: 1, sum: 10 });
  });

  it('reads cumulative values: a second read shows the total, not the total twice', async () => {
    const env = metricReaderEnv({ id: 'tail_retention', meterScope: '@predlog/test-kit' });
    const counter = env.services.meter.createCounter('predlog.groups');
    counter.add(4);
    await env.readMetrics();
    counter.add(1);
    const second = await env.readMetrics();
    expect(second.get('predlog.groups')).toEqual([{ attributes: {}, value: 5 }]);
  });

  it('shares its fake clock with the services and keeps diagnostics', () => {
    const env = metricReaderEnv({
      id: 'sampling/test',
      meterScope: '@predlog/test-kit',
      clock: { startMs: 1_000_000, monotonicStartMs: 1_000_000 },
    });
    env.clock.advance(250);
    expect(env.services.clock.monotonic()).toBe(1_000_250);
    env.services.diagnostics.info('x.started', 'started');
    expect(env.events.map((event) => event.code)).toEqual(['x.started']);
  });
});
