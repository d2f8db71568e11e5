import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../src/internal/delivery/backoff.ts';
import { SinkState } from '../../../src/internal/delivery/sink-state.ts';
import { FakeClock } from '../../support.ts';

function sinkState() {
  const clock = new FakeClock({ startMs: 0, monotonicStartMs: 0 });
  const ready: number[] = [];
  const backoff = new Backoff({ initialIntervalMs: 100, maxIntervalMs: 1000, multiplier: 2, jitter: 0 });
  const state = new SinkState(clock, backoff, () => ready.push(clock.monotonic()));
  return { clock, ready, state };
}

describe('SinkState', () => {
  it('starts healthy and open', () => {
    const { state } = sinkState();
    expect([state.condition, state.ready, state.consecutiveFailures]).toEqual(['healthy', true, 0]);
  });

  it('after a failure holds the gate for the backoff, growing with each failure in a row', () => {
    const { state, clock, ready } = sinkState();
    expect(state.failed('unavailable')).toBe(100);
    expect([state.condition, state.ready]).toEqual(['unavailable', false]);
    clock.advance(99);
    expect(ready).toEqual([]);
    clock.advance(1);
    expect(ready).toEqual([100]);
    expect(state.ready).toBe(true);
    expect(state.failed('unavailable')).toBe(200);
    clock.advance(200);
    expect(ready).toEqual([100, 300]);
    expect(state.consecutiveFailures).toBe(2);
  });

  it('a throttled sink is not unavailable, and waits what it asked for', () => {
    const { state, clock, ready } = sinkState();
    expect(state.failed('throttled', 5_000)).toBe(5_000);
    expect(state.condition).toBe('throttled');
    clock.advance(4_999);
    expect(state.ready).toBe(false);
    clock.advance(1);
    expect(ready).toEqual([5_000]);
  });

  it('an answer (accepted, or refused for good) makes it healthy and opens the gate at once', () => {
    const { state, clock, ready } = sinkState();
    state.failed('unavailable');
    state.failed('unavailable');
    state.answered();
    expect([state.condition, state.ready, state.consecutiveFailures]).toEqual(['healthy', true, 0]);
    clock.advance(10_000);
    expect(ready).toEqual([]);
    expect(state.failed('throttled')).toBe(100);
  });

  it('stop() cancels a running backoff and keeps the condition', () => {
    const { state, clock, ready } = sinkState();
    state.failed('unavailable');
    state.stop();
    clock.advance(10_000);
    expect(ready).toEqual([]);
    expect(state.condition).toBe('unavailable');
    expect(clock.pendingTimers).toBe(0);
  });
});
