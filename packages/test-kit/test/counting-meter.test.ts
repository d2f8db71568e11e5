import { describe, expect, it } from 'vitest';
import { CountingMeter } from '../src/index.ts';

describe('CountingMeter', () => {
  it('sums each counter by name, across every attribute set', () => {
    const metrics = new CountingMeter();
    const sent = metrics.meter.createCounter('predlog.sent');
    const failed = metrics.meter.createCounter('predlog.failed');
    sent.add(3, { reason: 'a' });
    sent.add(4, { reason: 'b' });
    sent.add(1);
    failed.add(2);
    expect(metrics.sum('predlog.sent')).toBe(8);
    expect(metrics.sum('predlog.failed')).toBe(2);
    expect(metrics.sum('predlog.never')).toBe(0);
  });

  it('sums by each attribute value on its own, and keeps every label value seen', () => {
    const metrics = new CountingMeter();
    const drops = metrics.meter.createCounter('predlog.drops');
    drops.add(2, { reason: 'full', exporter: 'file' });
    drops.add(5, { reason: 'full', exporter: 'loki' });
    drops.add(1, { reason: 'shutdown', exporter: 'file' });
    expect(metrics.at('predlog.drops', 'reason', 'full')).toBe(7);
    expect(metrics.at('predlog.drops', 'exporter', 'file')).toBe(3);
    expect(metrics.at('predlog.drops', 'reason', 'unknown')).toBe(0);
    expect(metrics.byAttribute.get('predlog.drops{exporter=loki}')).toBe(5);
    expect([...metrics.labelValues].sort()).toEqual(['file', 'full', 'loki', 'shutdown']);
  });

  it('leaves instruments other than counters as no-ops', () => {
    const metrics = new CountingMeter();
    metrics.meter.createHistogram('predlog.latency').record(12);
    metrics.meter.createUpDownCounter('predlog.queue').add(3);
    expect(metrics.sums.size).toBe(0);
  });
});
