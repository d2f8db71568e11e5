import { describe, expect, it } from 'vitest';
import { testServices } from '../src/index.ts';

describe('testServices', () => {
  it('hands the component its id, base dir, the fake clock and the counting meter', () => {
    const env = testServices({
      id: 'file',
      baseDir: '/data',
      clock: { startIso: '2026-03-01T00:00:00.000Z' },
    });
    expect(env.services.id).toBe('file');
    expect(env.services.baseDir).toBe('/data');
    expect(env.services.clock.now()).toBe(Date.UTC(2026, 2, 1));
    env.clock.advance(10);
    expect(env.services.clock.now()).toBe(Date.UTC(2026, 2, 1) + 10);
    env.services.meter.createCounter('predlog.records').add(2);
    expect(env.metrics.sum('predlog.records')).toBe(2);
  });

  it('keeps every diagnostic in order, repeats of a warning suppressed as core does', () => {
    const env = testServices({ id: 'redaction/pii' });
    expect(env.services.baseDir).toBe(process.cwd());
    env.services.diagnostics.warnOnce('x.slow', 'slow');
    env.services.diagnostics.warnOnce('x.slow', 'slow');
    env.services.diagnostics.error('x.failed', 'failed');
    expect(env.diagnostics.map((event) => [event.level, event.code])).toEqual([
      ['warn', 'x.slow'],
      ['error', 'x.failed'],
    ]);
  });
});
