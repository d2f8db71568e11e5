import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { loggerConfigSchema } from '../../src/config.ts';
import { type DiagnosticEvent, DiagnosticsChannel } from '../../src/diagnostics.ts';
import { CONSUMER_SLEEPING, CONSUMER_STATE } from '../../src/worker/byte-ring-layout.ts';
import type { ComponentModuleRef } from '../../src/worker/module-ref.ts';
import {
  defaultWorkerEntry,
  PipelineWorkerHost,
  type PipelineWorkerHostOptions,
} from '../../src/worker/pipeline-worker-host.ts';
import { ValueFrameWriter } from '../../src/worker/value-frame-writer.ts';
import { EXIT_AT, FAIL_START, fnv1aText, HOLD, RECEIVED, SETTLED, STARTS } from './fixtures/checksum-sink.ts';
import { ManualClock } from './manual-clock.ts';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).href;
const SINK: ComponentModuleRef = { specifier: fixture('checksum-sink.ts'), exportName: 'checksumSink' };
const LIMITS = loggerConfigSchema.parse({});

/** `Atomics.waitAsync`, which the ES2023 lib does not declare. */
interface AtomicsWaitAsync {
  waitAsync(array: Int32Array, index: number, value: number): { async: boolean; value: unknown };
}

/** Resolves once `control[index]` reaches `target` (the sink notifies each change): no sleeping. */
async function reach(control: Int32Array, index: number, target: number): Promise<void> {
  for (;;) {
    const value = Atomics.load(control, index);
    if (value >= target) return;
    const wait = (Atomics as unknown as AtomicsWaitAsync).waitAsync(control, index, value);
    if (wait.async) await wait.value;
  }
}

/** Turns the event loop until `check()` holds (for a state another thread sets without notifying). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setImmediate(resolve));
}

const hosts: PipelineWorkerHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.shutdown(1000)));
});

function setup(options: Partial<PipelineWorkerHostOptions> & { frames?: number } = {}) {
  const control = new Int32Array(new SharedArrayBuffer(64));
  const seen = new Uint8Array(new SharedArrayBuffer(options.frames ?? 1024));
  const events: DiagnosticEvent[] = [];
  const messages: unknown[] = [];
  const clock = new ManualClock();
  const host = new PipelineWorkerHost({
    sink: SINK,
    sinkOptions: { control: control.buffer, seen: seen.buffer },
    clock,
    diagnostics: new DiagnosticsChannel((event) => events.push(event)),
    onSinkMessage: (message) => messages.push(message),
    ...options,
  });
  hosts.push(host);
  // With the host's shapes: frames after the second name their keys by shape, across restarts too.
  const writer = new ValueFrameWriter(host.ring, LIMITS, host.shapes);
  let checksum = 0;
  let next = 0;
  const committed: number[] = [];
  /** Writes `count` frames; returns how many the ring took. */
  const write = (count: number): number => {
    let taken = 0;
    for (let i = 0; i < count; i++) {
      const seq = next++;
      const text = `frame ${seq} ${'x'.repeat(seq % 97)}`;
      const check = fnv1aText(text);
      if (writer.write({ seq, text, check })) {
        taken++;
        committed.push(seq);
        checksum += check;
      }
    }
    return taken;
  };
  return { host, control, seen, events, messages, clock, write, committed, checksum: () => checksum };
}

function balanced(stats: ReturnType<PipelineWorkerHost['stats']>): boolean {
  return (
    stats.handedOff === stats.ringDepth + stats.held + stats.acknowledged + stats.workerDied + stats.abandoned
  );
}

describe('PipelineWorkerHost', () => {
  it('hands every frame to the worker sink once, intact, with the ledger balanced', async () => {
    const t = setup({ frames: 20_000 });
    await t.host.start();
    const taken = t.write(20_000);
    await t.host.flush();
    const stats = t.host.stats();
    expect(stats.handedOff).toBe(taken);
    expect(stats.refused).toBe(20_000 - taken);
    expect(stats.acknowledged).toBe(taken);
    expect(stats.counters['exported:checksum']).toBe(taken);
    expect(stats.counters.checksum).toBe(t.checksum());
    expect(stats.counters['dropped:corrupt']).toBeUndefined();
    expect([stats.ringDepth, stats.held, stats.workerDied]).toEqual([0, 0, 0]);
    expect(t.committed.every((seq) => t.seen[seq] === 1)).toBe(true);
    expect(t.seen.reduce((n, v) => n + v, 0)).toBe(taken);
    expect(balanced(stats)).toBe(true);
  });

  it('passes the config and the components loaded by module ref to the sink', async () => {
    const t = setup({
      config: { value: { pipelines: { predictions: { exporters: ['echo'] } } } },
      components: [
        { specifier: './fixtures/fake-components.ts', exportName: 'echoExporterFactory' },
        { specifier: fixture('fake-components.ts'), exportName: 'tagProcessorFactory' },
      ],
      resolveFrom: new URL('.', import.meta.url),
    });
    await t.host.start();
    await t.host.flush();
    expect(t.messages[0]).toEqual({
      components: ['echo', 'tag'],
      config: { value: { pipelines: { predictions: { exporters: ['echo'] } } } },
    });
  });

  it('forwards the worker diagnostics and keeps counting while a worker stays idle and sleeps', async () => {
    const t = setup({ napsBeforeSleep: 2 });
    await t.host.start();
    const control = new Int32Array(
      (t.host as unknown as { data: { ring: { control: SharedArrayBuffer } } }).data.ring.control,
    );
    await until(() => Atomics.load(control, CONSUMER_STATE) === CONSUMER_SLEEPING);
    // A sleeping worker is woken by the next frame.
    expect(
      new ValueFrameWriter(t.host.ring, LIMITS).write({
        seq: 0,
        text: 'wake',
        check: fnv1aText('wake'),
        warn: true,
      }),
    ).toBe(true);
    await reach(t.control, SETTLED, 1);
    await t.host.flush();
    expect(t.host.stats().counters['exported:checksum']).toBe(1);
    expect(t.events).toContainEqual({
      level: 'warn',
      code: 'checksum.warned',
      message: 'a frame asked for a warning',
    });
  });

  it('counts a frame that does not decode as dropped, and goes on', async () => {
    const t = setup();
    await t.host.start();
    const ring = t.host.ring;
    const start = ring.begin();
    ring.bytes[start] = 0xee;
    ring.commit(start, 1);
    t.write(3);
    await t.host.flush();
    const stats = t.host.stats();
    expect(stats.counters).toMatchObject({ 'dropped:frame_corrupt': 1, 'exported:checksum': 3 });
    expect(stats.acknowledged).toBe(4);
    expect(t.events.map((e) => e.code)).toContain('frame_corrupt');
  });

  it('counts exactly what a killed worker held as worker_died, restarts it, and its successor takes the rest', async () => {
    const t = setup();
    await t.host.start();
    Atomics.store(t.control, HOLD, 1);
    t.write(10);
    await reach(t.control, RECEIVED, 10);
    expect(t.host.stats()).toMatchObject({ held: 10, ringDepth: 0, acknowledged: 0 });
    const exited = once(t.host.thread as NonNullable<typeof t.host.thread>, 'exit');
    await t.host.thread?.terminate();
    await exited;
    expect(t.host.stats()).toMatchObject({ held: 0, workerDied: 10, running: false });
    expect(t.events.find((e) => e.code === 'worker_died')?.message).toMatch(
      /the 10 records it held are counted as dropped \(worker_died\); restarting in 100 ms/,
    );
    // Frames handed off while no worker runs wait in the ring for the next one.
    Atomics.store(t.control, HOLD, 0);
    t.write(5);
    expect(t.host.stats().ringDepth).toBe(5);
    expect(t.clock.runNext()).toBe(100);
    await t.host.flush();
    const stats = t.host.stats();
    expect(stats).toMatchObject({
      restarts: 1,
      workerDied: 10,
      acknowledged: 5,
      held: 0,
      ringDepth: 0,
      running: true,
    });
    expect(stats.counters['exported:checksum']).toBe(5);
    // The held ten were never delivered; the five after them were, once.
    expect([...t.seen.slice(0, 16)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0]);
    expect(balanced(stats)).toBe(true);
  });

  it('a worker that exits in the middle of a stream loses only what it held, and nothing is delivered twice', async () => {
    const t = setup({ frames: 30_000, ring: { maxRecords: 4096 } });
    await t.host.start();
    // The ring takes at least its 4,096 frames of the first 10,000: the sink reaches 3,000.
    Atomics.store(t.control, EXIT_AT, 3000);
    const worker = t.host.thread as NonNullable<typeof t.host.thread>;
    const exited = once(worker, 'exit');
    let taken = t.write(10_000);
    const [code] = await exited;
    expect(code).toBe(3);
    Atomics.store(t.control, EXIT_AT, 0);
    const died = t.host.stats().workerDied;
    expect(died).toBeGreaterThanOrEqual(0);
    expect(died).toBeLessThanOrEqual(256);
    t.clock.runNext();
    taken += t.write(20_000 - 10_000);
    await t.host.flush();
    const stats = t.host.stats();
    expect(stats.handedOff).toBe(taken);
    expect((stats.counters['exported:checksum'] ?? 0) + stats.workerDied).toBe(taken);
    expect(stats.acknowledged).toBe(stats.counters['exported:checksum']);
    // The sink exits between two settled frames: what it saw is exactly what it exported.
    expect(t.seen.reduce((n, v) => n + v, 0)).toBe(stats.counters['exported:checksum']);
    expect(t.seen.every((v) => v <= 1)).toBe(true);
    expect(balanced(stats)).toBe(true);
  });

  it('a worker terminated at an arbitrary point leaves a balanced ledger and no frame delivered twice', async () => {
    const t = setup({ frames: 40_000, ring: { maxRecords: 4096 } });
    await t.host.start();
    let taken = t.write(5000);
    await reach(t.control, SETTLED, 1000);
    await t.host.thread?.terminate();
    await until(() => !t.host.stats().running);
    t.clock.runNext();
    taken += t.write(5000);
    await t.host.flush();
    const stats = t.host.stats();
    const exported = stats.counters['exported:checksum'] ?? 0;
    expect(exported + stats.workerDied).toBe(taken);
    const seen = t.seen.reduce((n, v) => n + v, 0);
    // A frame marked seen just before the kill may not have been counted: never the reverse.
    expect(seen).toBeGreaterThanOrEqual(exported);
    expect(seen).toBeLessThanOrEqual(exported + stats.workerDied);
    expect(t.seen.every((v) => v <= 1)).toBe(true);
    expect(balanced(stats)).toBe(true);
  });

  it('backs off between restarts that make no progress, and starts over once a worker settles frames', async () => {
    const t = setup();
    await t.host.start();
    Atomics.store(t.control, FAIL_START, 1);
    await t.host.thread?.terminate();
    await until(() => t.clock.pendingDelays().length === 1);
    expect(t.clock.runNext()).toBe(100);
    // The successors cannot start: each wait doubles.
    await until(() => t.clock.pendingDelays().length === 1);
    expect(t.clock.runNext()).toBe(200);
    await until(() => t.clock.pendingDelays().length === 1);
    expect(t.clock.runNext()).toBe(400);
    await until(() => t.clock.pendingDelays().length === 1);
    Atomics.store(t.control, FAIL_START, 0);
    expect(t.clock.runNext()).toBe(800);
    t.write(3);
    await t.host.flush();
    await t.host.thread?.terminate();
    await until(() => t.clock.pendingDelays().length === 1);
    expect(t.clock.pendingDelays()).toEqual([100]);
    expect(Atomics.load(t.control, STARTS)).toBe(5);
    expect(t.host.stats().restarts).toBe(4);
  });

  it('flush() waits for a restarted worker when the one it asked died', async () => {
    const t = setup();
    await t.host.start();
    Atomics.store(t.control, HOLD, 1);
    t.write(4);
    await reach(t.control, RECEIVED, 4);
    let flushed = false;
    const flush = t.host.flush().then(() => {
      flushed = true;
    });
    Atomics.store(t.control, HOLD, 0);
    await t.host.thread?.terminate();
    await until(() => t.clock.pendingDelays().length === 1);
    expect(flushed).toBe(false);
    t.write(2);
    t.clock.runNext();
    await flush;
    expect(t.host.stats()).toMatchObject({ workerDied: 4, acknowledged: 2, held: 0 });
  });

  it('shutdown() drains the ring and closes the sink', async () => {
    const t = setup();
    await t.host.start();
    const taken = t.write(500);
    await t.host.shutdown();
    const stats = t.host.stats();
    expect(stats).toMatchObject({ acknowledged: taken, abandoned: 0, running: false, ringDepth: 0 });
    expect(t.messages).toContainEqual({ closed: true });
    expect(t.host.thread).toBeUndefined();
  });

  it('at the shutdown deadline, ends the worker and counts what was left as abandoned', async () => {
    const t = setup({ sink: { specifier: fixture('checksum-sink.ts'), exportName: 'stuckSink' } });
    await t.host.start();
    Atomics.store(t.control, HOLD, 1);
    t.write(6);
    await reach(t.control, RECEIVED, 6);
    const done = t.host.shutdown(5000);
    await until(() => t.clock.pendingDelays().includes(5000));
    t.clock.runNext();
    await done;
    const stats = t.host.stats();
    expect(stats).toMatchObject({ abandoned: 6, workerDied: 0, held: 0, running: false });
    expect(balanced(stats)).toBe(true);
  });

  it('start() rejects naming the module when the sink cannot be loaded, is not a function, or throws', async () => {
    await expect(
      setup({ sink: { specifier: fixture('no-such-sink.ts'), exportName: 'sink' } }).host.start(),
    ).rejects.toThrow(/could not start: component module .*no-such-sink\.ts#sink: could not be loaded/);
    await expect(
      setup({ sink: { specifier: fixture('checksum-sink.ts'), exportName: 'missing' } }).host.start(),
    ).rejects.toThrow(/has no export "missing"/);
    await expect(
      setup({ sink: { specifier: fixture('checksum-sink.ts'), exportName: 'notAFunction' } }).host.start(),
    ).rejects.toThrow(/notAFunction is not a function/);
    const failing = setup();
    Atomics.store(failing.control, FAIL_START, 1);
    await expect(failing.host.start()).rejects.toThrow(/checksum sink told to fail at start/);
    expect(failing.clock.pendingDelays()).toEqual([]);
  });

  it('refuses a bare specifier it cannot resolve at construction, naming it', () => {
    expect(() => setup({ sink: { specifier: '@acme/not-installed', exportName: 'sink' } })).toThrow(
      /@acme\/not-installed#sink: cannot resolve "@acme\/not-installed"/,
    );
    expect(() => setup({ sink: { specifier: '', exportName: 'sink' } })).toThrow(
      /needs a specifier and an exportName/,
    );
  });
});

describe('defaultWorkerEntry', () => {
  it('runs the TypeScript entry from src/ and the built one from dist/', () => {
    expect(
      defaultWorkerEntry('file:///app/node_modules/@predlog/core/dist/worker/pipeline-worker-host.js').href,
    ).toBe('file:///app/node_modules/@predlog/core/dist/worker/pipeline-worker.js');
    expect(defaultWorkerEntry('file:///repo/packages/core/src/worker/pipeline-worker-host.ts').href).toBe(
      'file:///repo/packages/core/src/worker/pipeline-worker.ts',
    );
  });
});
