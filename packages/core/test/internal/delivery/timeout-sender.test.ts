import { describe, expect, it } from 'vitest';
import { ExportError } from '../../../src/contracts.ts';
import { TimeoutSender } from '../../../src/internal/delivery/timeout-sender.ts';
import type { LogRecordLike } from '../../../src/log-record.ts';
import { BaseExporter } from '../../../src/otel-adapters.ts';
import { FakeClock } from '../../support.ts';
import { numbered } from './records.ts';

class ScriptedExporter extends BaseExporter {
  signals: AbortSignal[] = [];
  private readonly answer: (signal: AbortSignal) => Promise<void>;
  constructor(answer: (signal: AbortSignal) => Promise<void>) {
    super('scripted');
    this.answer = answer;
  }
  send(_records: readonly LogRecordLike[], signal: AbortSignal): Promise<void> {
    this.signals.push(signal);
    return this.answer(signal);
  }
}

const never = () => new Promise<void>(() => undefined);

describe('TimeoutSender', () => {
  it('resolves undefined on success and with the failure otherwise, never rejecting', async () => {
    const clock = new FakeClock();
    const ok = new TimeoutSender(new ScriptedExporter(async () => undefined), clock, 1000);
    expect(await ok.send(numbered(1))).toBeUndefined();
    const error = new ExportError('503', { retryable: true });
    const failing = new TimeoutSender(new ScriptedExporter(() => Promise.reject(error)), clock, 1000);
    expect(await failing.send(numbered(1))).toBe(error);
    const throwing = new TimeoutSender(
      new ScriptedExporter(() => {
        throw new TypeError('bug');
      }),
      clock,
      1000,
    );
    expect(await throwing.send(numbered(1))).toBeInstanceOf(TypeError);
    expect(clock.pendingTimers).toBe(0);
  });

  it('aborts a send at timeoutMs through its signal and fails it retryably', async () => {
    const clock = new FakeClock();
    const exporter = new ScriptedExporter(never);
    const sender = new TimeoutSender(exporter, clock, 250);
    const sending = sender.send(numbered(1));
    clock.advance(249);
    expect(exporter.signals[0]?.aborted).toBe(false);
    clock.advance(1);
    expect(exporter.signals[0]?.aborted).toBe(true);
    const failure = await sending;
    expect(failure).toBeInstanceOf(ExportError);
    expect((failure as ExportError).retryable).toBe(true);
    expect((failure as ExportError).message).toContain('timed out after 250 ms');
  });

  it('abort() ends the send in flight with the reason given', async () => {
    const clock = new FakeClock();
    const sender = new TimeoutSender(new ScriptedExporter(never), clock, 60_000);
    const sending = sender.send(numbered(1));
    const reason = new Error('shutdown deadline reached');
    sender.abort(reason);
    expect(await sending).toBe(reason);
    expect(clock.pendingTimers).toBe(0);
    sender.abort(new Error('nothing in flight: no effect'));
  });
});
