import { EventEmitter } from 'node:events';
import { type DiagnosticEvent, DiagnosticsChannel, type PipelineStats } from '@predlog/core';
import { FakeClock } from '@predlog/test-kit';
import { describe, expect, it } from 'vitest';
import { type FlushedLogger, flushOnExit, type ProcessLike } from '../src/exit-flush.ts';

/** An EventEmitter standing in for `process`: `kill()` is recorded, not sent. */
class FakeProcess extends EventEmitter {
  readonly pid = 4242;
  readonly kills: string[] = [];
  kill(_pid: number, signal: string): boolean {
    this.kills.push(signal);
    return true;
  }
}

/** A logger whose flush and shutdown resolve only when the test says so. */
class HeldLogger implements FlushedLogger {
  readonly calls: string[] = [];
  waiting = { queue: 0, exportQueue: 0, spilled: 0 };
  private release: Array<() => void> = [];

  forceFlush(): Promise<void> {
    this.calls.push('forceFlush');
    return new Promise((resolve) => this.release.push(resolve));
  }
  shutdown(): Promise<void> {
    this.calls.push('shutdown');
    return new Promise((resolve) => this.release.push(resolve));
  }
  finish(): void {
    for (const resolve of this.release.splice(0)) resolve();
  }
  stats(): PipelineStats {
    return {
      received: 0,
      sampledOut: 0,
      dropped: {},
      exported: {},
      exportFailures: {},
      queueDepth: this.waiting.queue,
      exportQueueDepth: { file: this.waiting.exportQueue },
      spilled: { file: this.waiting.spilled },
      spillRecovered: {},
      sanitized: {},
    };
  }
}

function setUp() {
  const proc = new FakeProcess();
  const logger = new HeldLogger();
  const clock = new FakeClock();
  const events: DiagnosticEvent[] = [];
  const off = flushOnExit({
    logger,
    flushTimeoutMs: 5000,
    diagnostics: new DiagnosticsChannel((event) => events.push(event)),
    process: proc as unknown as ProcessLike,
    clock,
  });
  return { proc, logger, clock, events, off };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('flushOnExit', () => {
  it("holds SIGTERM until the flush is done, then runs the app's listeners with the signal", async () => {
    const { proc, logger } = setUp();
    const seen: string[] = [];
    proc.on('SIGTERM', (signal: string) => seen.push(`app:${signal}`));
    expect(proc.emit('SIGTERM', 'SIGTERM')).toBe(true);
    await settle();
    expect(logger.calls).toEqual(['forceFlush']);
    expect(seen).toEqual([]);
    logger.finish();
    await settle();
    expect(seen).toEqual(['app:SIGTERM']);
    expect(proc.kills).toEqual([]);
  });

  it('without app listeners, shuts predlog down and raises the signal again with the default handler back', async () => {
    const { proc, logger } = setUp();
    proc.emit('SIGINT', 'SIGINT');
    await settle();
    expect(logger.calls).toEqual(['shutdown']);
    expect(proc.kills).toEqual([]);
    logger.finish();
    await settle();
    expect(proc.kills).toEqual(['SIGINT']);
    expect(proc.listenerCount('SIGINT')).toBe(0);
    expect(proc.listenerCount('SIGTERM')).toBe(1);
  });

  it("gives up waiting after flushTimeoutMs, says so, and lets the app's listeners run", async () => {
    const { proc, logger, clock, events } = setUp();
    let ran = 0;
    proc.on('SIGTERM', () => ran++);
    proc.emit('SIGTERM', 'SIGTERM');
    await clock.advanceAsync(4999);
    expect(ran).toBe(0);
    await clock.advanceAsync(1);
    await settle();
    expect(ran).toBe(1);
    expect(logger.calls).toEqual(['forceFlush']);
    expect(events.map((e) => e.code)).toEqual(['register.flush_timed_out']);
  });

  it('a second signal while flushing ends an app without listeners at once, counting what is lost', async () => {
    const { proc, logger, events } = setUp();
    logger.waiting = { queue: 3, exportQueue: 10, spilled: 4 };
    proc.emit('SIGTERM', 'SIGTERM');
    await settle();
    proc.emit('SIGTERM', 'SIGTERM');
    expect(proc.kills).toEqual(['SIGTERM']);
    expect(events).toEqual([
      {
        level: 'error',
        code: 'register.exit_unexported',
        message:
          'SIGTERM ended the process with 9 prediction record(s) not yet exported; they are lost (stop the app with SIGTERM, or let it end, so predlog can flush)',
      },
    ]);
  });

  it('a repeated signal goes straight to the app listeners once the first was held', async () => {
    const { proc, logger } = setUp();
    let ran = 0;
    proc.on('SIGINT', () => ran++);
    proc.emit('SIGINT', 'SIGINT');
    proc.emit('SIGINT', 'SIGINT');
    expect(ran).toBe(1);
    logger.finish();
    await settle();
    expect(ran).toBe(2);
    expect(logger.calls).toEqual(['forceFlush']);
  });

  it('shuts down once on beforeExit, passes other events through, and reports waiting records on exit', async () => {
    const { proc, logger, events, off } = setUp();
    let other = 0;
    proc.on('message', () => other++);
    expect(proc.emit('message', {})).toBe(true);
    expect(other).toBe(1);
    proc.emit('beforeExit', 0);
    proc.emit('beforeExit', 0);
    expect(logger.calls).toEqual(['shutdown']);
    proc.emit('exit', 0);
    expect(events).toEqual([]);
    logger.waiting = { queue: 2, exportQueue: 0, spilled: 0 };
    proc.emit('exit', 0);
    expect(events.map((e) => e.message)).toEqual([
      'the process exited with 2 prediction record(s) not yet exported; they are lost (stop the app with SIGTERM, or let it end, so predlog can flush)',
    ]);
    off();
    expect(
      proc.listenerCount('SIGTERM') + proc.listenerCount('exit') + proc.listenerCount('beforeExit'),
    ).toBe(0);
    expect(proc.emit).toBe(EventEmitter.prototype.emit);
  });
});
